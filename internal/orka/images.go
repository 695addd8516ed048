package orka

import (
	"context"
	"net/http"
)

// Local images live in orka-default [DOC]; the calls that take a namespace map "" to it.

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
	if err := c.get(ctx, routeImage(DefaultNamespace, name), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteImage deletes a local image. A missing one is an APIError with IsNotFound (a caller
// deleting may count it as done); Orka's refusal, such as an image that a VM still uses
// (Intel: any VM, Apple silicon: more than one [DOC]), is its APIError as sent (a 409 or 400
// with Orka's message).
func (c *Client) DeleteImage(ctx context.Context, namespace, name string) error {
	if err := requireName("image", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, routeImage(namespaceOrDefault(namespace), name), nil)
}

// CopyImage copies the local image src under newName, with description (empty: Orka's
// default). The POST is never resent after an ambiguous failure: look newName up first.
func (c *Client) CopyImage(ctx context.Context, namespace, src, newName, description string) error {
	if err := requireName("image", src); err != nil {
		return err
	}
	if err := requireName("new image", newName); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeImageCopy(namespaceOrDefault(namespace), src),
		encodeImageCopy(newName, description))
}

// SetImageDescription replaces a local image's description (empty clears it).
func (c *Client) SetImageDescription(ctx context.Context, namespace, name, description string) error {
	if err := requireName("image", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeImageDescription(namespaceOrDefault(namespace), name),
		encodeImageDescription(description))
}

// RefreshImage reads a local image for a refresh: from the images list shared by the run,
// and, when the list does not hold it, from the image's own GET.
func (c *Client) RefreshImage(ctx context.Context, name string) (*Image, error) {
	if err := requireName("image", name); err != nil {
		return nil, err
	}
	return refreshOne(ctx, c, routeImages(),
		func(v *Image) bool { return v.Name == name },
		func() (*Image, error) { return c.GetImage(ctx, name) })
}
