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

// imagesNamespace checks that images are asked for in orka-default, where they all live.
func (s *Server) imagesNamespace(ns string) error {
	if _, err := s.nsLocked(ns); err != nil {
		return err
	}
	if ns != defaultNamespace {
		return invalid("namespace", ns, "images live in namespace orka-default")
	}
	return nil
}

func (s *Server) listImages(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.imagesNamespace(c.ns()); err != nil {
		return 0, nil, err
	}
	s.st.settleSaves()
	return http.StatusOK, listOf(append([]Image{}, s.st.images...)), nil
}

func (s *Server) getImage(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.imagesNamespace(c.ns()); err != nil {
		return 0, nil, err
	}
	img := s.st.image(c.params["name"])
	if img == nil {
		return 0, nil, notFound("image %q not found in namespace %s", c.params["name"], defaultNamespace)
	}
	return http.StatusOK, *img, nil
}
