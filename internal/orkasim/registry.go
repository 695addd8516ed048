package orkasim

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) listRegistryCredentials(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	out := []RegistryCredential{}
	for _, server := range slices.Sorted(maps.Keys(ns.creds)) {
		cr := ns.creds[server]
		cr.Password = "" // never returned (and not serialised either)
		out = append(out, cr)
	}
	return http.StatusOK, listOf(out), nil
}

func validateRegistryServer(server string, allowInsecure bool) error {
	if server == "" {
		return invalid("server", server, "is required")
	}
	scheme, _, ok := strings.Cut(server, "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return invalid("server", server, "must start with https:// or http://")
	}
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return invalid("server", server, "must be a URL with a host, such as https://ghcr.io")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return invalid("server", server, "port must be between 1 and 65535")
		}
	}
	if scheme == "http" && !allowInsecure {
		return invalid("server", server, "http:// registries require allowInsecure: true")
	}
	return nil
}

func (s *Server) addRegistryCredential(c *call) (int, any, error) {
	var in registryCredentialInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if err := validateRegistryServer(in.Server, in.AllowInsecure); err != nil {
		return 0, nil, err
	}
	if in.Username == "" {
		return 0, nil, invalid("username", "", "is required")
	}
	if in.Password == "" {
		return 0, nil, badRequest("invalid value for password: is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	if _, ok := ns.creds[in.Server]; ok && !in.Replace {
		return 0, nil, alreadyExists("a registry credential for %q already exists in namespace %q; set replace to overwrite it", in.Server, ns.name)
	}
	cr := RegistryCredential{Server: in.Server, Username: in.Username, Password: in.Password, AllowInsecure: in.AllowInsecure}
	ns.creds[in.Server] = cr
	cr.Password = ""
	return http.StatusCreated, cr, nil
}

func (s *Server) removeRegistryCredential(c *call) (int, any, error) {
	var in struct {
		Server string `json:"server"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Server == "" {
		return 0, nil, invalid("server", "", "is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	if _, ok := ns.creds[in.Server]; !ok {
		return 0, nil, notFound("no registry credential for %q in namespace %q", in.Server, ns.name)
	}
	delete(ns.creds, in.Server)
	return http.StatusOK, successStatus(fmt.Sprintf("registry credential for %q removed", in.Server)), nil
}
