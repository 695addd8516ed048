package orka

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
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

// KubernetesCAPEM returns cluster-info's certData as PEM text, for clients of the cluster's
// Kubernetes API (apiEndpoint). ASSUMED: certData is the Kubernetes CA as PEM text (orka-api.md
// §3); a base64-encoded PEM, the way kubeconfig files carry certificate-authority-data, is
// accepted as well. ok is false when certData is neither.
func (ci *ClusterInfo) KubernetesCAPEM() (pem string, ok bool) {
	data := strings.TrimSpace(ci.CertData)
	if strings.HasPrefix(data, pemCertificateBegin) {
		return data + "\n", true
	}
	if raw, err := base64.StdEncoding.DecodeString(data); err == nil {
		if s := strings.TrimSpace(string(raw)); strings.HasPrefix(s, pemCertificateBegin) {
			return s + "\n", true
		}
	}
	return "", false
}

const pemCertificateBegin = "-----BEGIN CERTIFICATE-----"
