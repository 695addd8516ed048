package orka

import (
	"context"
	"net/http"
)

// ClusterInfo reads GET /api/v1/cluster-info, the one route that needs no token; MacStadium
// uses it as the reachability probe.
func (c *Client) ClusterInfo(ctx context.Context) (*ClusterInfo, error) {
	path := routeClusterInfo()
	body, err := c.do(ctx, call{method: http.MethodGet, path: path, noAuth: true})
	if err != nil {
		return nil, err
	}
	var info ClusterInfo
	if err := decodeInto(http.MethodGet, path, body, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// Probe makes the cheapest authenticated call (listing VM configs, as MacStadium's Jenkins
// plugin does to validate credentials). It fails with IsUnauthorized for a rejected token.
func (c *Client) Probe(ctx context.Context) error {
	return c.get(ctx, routeVMConfigs(), nil)
}
