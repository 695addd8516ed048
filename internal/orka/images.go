package orka

import "context"

// ListImages lists the local images (they live in orka-default).
func (c *Client) ListImages(ctx context.Context) ([]Image, error) {
	return list[Image](ctx, c, routeImages())
}

// GetImage reads one local image; a missing one is an APIError with IsNotFound.
func (c *Client) GetImage(ctx context.Context, name string) (*Image, error) {
	if err := requireName("image", name); err != nil {
		return nil, err
	}
	out := Image{Name: name}
	if err := c.get(ctx, routeImage(name), &out); err != nil {
		return nil, err
	}
	return &out, nil
}
