package orkasim

import (
	"net"
	"net/http"
	"sync"
)

// clusterCA stands in for the Kubernetes CA of cluster-info's certData.
var clusterCA = sync.OnceValue(func() string {
	_, pem, err := SelfSignedTLS()
	if err != nil {
		return ""
	}
	return string(pem)
})

func (s *Server) clusterInfo(c *call) (int, any, error) {
	host := c.r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" {
		host = "localhost"
	}
	return http.StatusOK, ClusterInfo{
		APIDomain:             host,
		APIEndpoint:           "https://" + net.JoinHostPort(host, "6443"),
		AppClientID:           "orkasim",
		BaseOAuthEndpoint:     "https://" + host + "/oauth2",
		CertData:              clusterCA(),
		GPUPassthroughEnabled: s.opts.GPUPassthrough,
	}, nil
}

// nsLocked returns an existing namespace or a 404 naming it.
func (s *Server) nsLocked(name string) (*nsState, error) {
	ns := s.st.namespaces[name]
	if ns == nil {
		return nil, notFound("namespace %q not found", name)
	}
	return ns, nil
}
