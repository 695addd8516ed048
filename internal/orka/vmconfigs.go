package orka

import (
	"context"
	"math"
	"net/http"
)

// VM configs all live in orka-default; there is no update (change = delete + create).

// ListVMConfigs lists every VM config.
func (c *Client) ListVMConfigs(ctx context.Context) ([]VMConfig, error) {
	return list[VMConfig](ctx, c, routeVMConfigs())
}

// GetVMConfig reads one VM config; a missing one is an APIError with IsNotFound.
func (c *Client) GetVMConfig(ctx context.Context, name string) (*VMConfig, error) {
	if err := requireName("VM config", name); err != nil {
		return nil, err
	}
	out := VMConfig{Name: name}
	if err := c.get(ctx, routeVMConfig(name), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateVMConfig creates a VM config (409, IsConflict, when the name exists). It returns
// Orka's answer, or a copy of cfg when the answer had no body. A lost answer is an
// AmbiguousError: look the config up by name before creating again.
func (c *Client) CreateVMConfig(ctx context.Context, cfg VMConfig) (*VMConfig, error) {
	if err := requireName("VM config", cfg.Name); err != nil {
		return nil, err
	}
	path := routeVMConfigs()
	body, err := c.do(ctx, call{method: http.MethodPost, path: path, body: cfg})
	if err != nil {
		return nil, err
	}
	out := cfg
	if err := decodeInto(http.MethodPost, path, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteVMConfig deletes a VM config; a missing one is an APIError with IsNotFound.
func (c *Client) DeleteVMConfig(ctx context.Context, name string) error {
	if err := requireName("VM config", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, routeVMConfig(name), nil)
}

// DerivedMemoryGiB is the memory Orka gives a VM config with cpu CPUs and no memory of its
// own. [ASSUMED] orka-api.md §4: cpu × 1.5 GiB, rounded to 0.1 GiB as Orka rounds every
// memory. MacStadium documents neither the formula nor whether it depends on the node, so use
// it only where a wrong answer costs nothing (to leave a value out of generated
// configuration when it equals what Orka would give anyway).
func DerivedMemoryGiB(cpu int) float64 {
	return math.Round(float64(cpu)*1.5*10) / 10
}
