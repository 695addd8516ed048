package orkasim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	defaultTokenLifetime = 8760 * time.Hour
	minTokenLifetime     = 10 * time.Minute
)

func (s *Server) listServiceAccounts(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	out := []ServiceAccount{}
	for _, name := range slices.Sorted(maps.Keys(ns.accounts)) {
		out = append(out, ServiceAccount{Name: name, Namespace: ns.name})
	}
	return http.StatusOK, listOf(out), nil
}

// createServiceAccount also makes the account a subject of its namespace's orka-dev binding.
func (s *Server) createServiceAccount(c *call) (int, any, error) {
	name := c.params["name"]
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	if err := validateAccountName(name); err != nil {
		return 0, nil, err
	}
	if ns.accounts[name] {
		return 0, nil, alreadyExists("service account %q already exists in namespace %q", name, ns.name)
	}
	ns.accounts[name] = true
	ns.addSubject(Subject{Kind: KindServiceAccount, Name: name, Namespace: ns.name})
	return http.StatusCreated, ServiceAccount{Name: name, Namespace: ns.name}, nil
}

// deleteServiceAccount kills every token of the account and takes it out of its own
// namespace's orka-dev binding.
func (s *Server) deleteServiceAccount(c *call) (int, any, error) {
	name := c.params["name"]
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	if !ns.accounts[name] {
		return 0, nil, notFound("service account %q not found in namespace %q", name, ns.name)
	}
	delete(ns.accounts, name)
	s.st.dropTokens(func(t *tokenRec) bool { return t.ns == ns.name && t.sa == name })
	ns.removeSubject(Subject{Kind: KindServiceAccount, Name: name, Namespace: ns.name})
	return http.StatusOK, successStatus(fmt.Sprintf("service account %q deleted", name)), nil
}

func (st *state) dropTokens(match func(*tokenRec) bool) {
	for tok, t := range st.tokens {
		if match(t) {
			delete(st.tokens, tok)
		}
	}
}

// createToken mints a new Kubernetes-style JWT; older tokens stay valid.
func (s *Server) createToken(c *call) (int, any, error) {
	var in tokenInput
	if err := c.decodeOptional(&in); err != nil {
		return 0, nil, err
	}
	lifetime := defaultTokenLifetime
	if in.Duration != "" {
		if in.NoExpiration {
			return 0, nil, invalid("duration", in.Duration, "cannot be combined with noExpiration")
		}
		d, err := time.ParseDuration(in.Duration)
		if err != nil {
			return 0, nil, invalid("duration", in.Duration, "must be a Go duration such as 720h")
		}
		if d < minTokenLifetime {
			return 0, nil, invalid("duration", in.Duration, "must be at least 10m")
		}
		lifetime = d
	}
	name := c.params["name"]
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	if !ns.accounts[name] {
		return 0, nil, notFound("service account %q not found in namespace %q", name, ns.name)
	}
	now := s.now()
	rec := &tokenRec{ns: ns.name, sa: name, noExp: in.NoExpiration, exp: now.Add(lifetime)}
	tok := s.mintJWT(rec, now)
	s.st.tokens[tok] = rec
	return http.StatusCreated, TokenResponse{Token: tok}, nil
}

func (s *Server) mintJWT(t *tokenRec, now time.Time) string {
	claims := map[string]any{
		"iss": "kubernetes/serviceaccount",
		"sub": saSubject(t.ns, t.sa),
		"aud": []string{"orka"},
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"jti": randomHex(16),
		"kubernetes.io": map[string]any{
			"namespace":      t.ns,
			"serviceaccount": map[string]string{"name": t.sa},
		},
	}
	if !t.noExp {
		claims["exp"] = t.exp.Unix()
	}
	return s.signJWT(claims)
}

// smallTeamsAdmin is Options.SmallTeamsAdmin: the admin service account of Orka Small Teams,
// whose tokens act as an administrator on every route [DOC: the access matrix, orka-api.md
// §8], and the long-lived token minted for it when the simulator was made.
type smallTeamsAdmin struct {
	ns, sa string
	token  string
	rec    tokenRec
}

// parseSmallTeamsAdmin checks Options.SmallTeamsAdmin, "namespace/name".
func parseSmallTeamsAdmin(v string) (ns, sa string, err error) {
	ns, sa, ok := strings.Cut(v, "/")
	if !ok {
		return "", "", fmt.Errorf("invalid SmallTeamsAdmin %q: must be namespace/name, such as orka-default/orka-admin", v)
	}
	if err := validateNamespaceName(ns); err != nil {
		return "", "", fmt.Errorf("invalid SmallTeamsAdmin %q: namespace: %w", v, err)
	}
	if err := validateAccountName(sa); err != nil {
		return "", "", fmt.Errorf("invalid SmallTeamsAdmin %q: service account: %w", v, err)
	}
	return ns, sa, nil
}

// Validate reports a mistake in the options that New would panic on.
func (o Options) Validate() error {
	if o.SmallTeamsAdmin != "" {
		if _, _, err := parseSmallTeamsAdmin(o.SmallTeamsAdmin); err != nil {
			return err
		}
	}
	for _, id := range o.EKSIdentities {
		if err := validateEKSIdentity(id); err != nil {
			return err
		}
	}
	return nil
}

// isSmallTeamsAdmin reports whether a service account is the Small Teams admin.
func (s *Server) isSmallTeamsAdmin(ns, sa string) bool {
	return s.smallTeams != nil && s.smallTeams.ns == ns && s.smallTeams.sa == sa
}

// seedSmallTeamsAdmin puts the Small Teams admin service account (and its namespace, when
// missing) into a freshly seeded state, with the token minted when the simulator was made.
func (s *Server) seedSmallTeamsAdmin(st *state) {
	a := s.smallTeams
	if a == nil {
		return
	}
	ns := st.namespaces[a.ns]
	if ns == nil {
		ns = newNamespace(a.ns, false)
		st.namespaces[a.ns] = ns
	}
	ns.accounts[a.sa] = true
	ns.addSubject(Subject{Kind: KindServiceAccount, Name: a.sa, Namespace: a.ns})
	rec := a.rec
	st.tokens[a.token] = &rec
}

// SmallTeamsAdminToken is the token minted for Options.SmallTeamsAdmin when the simulator was
// made ("" without that option). It is a service-account token like any other: an upgrade
// that regenerates tokens invalidates it, and the administrator then mints a new one with POST
// .../serviceaccounts/{name}/token, which acts as an administrator too. Reset makes it valid
// again.
func (s *Server) SmallTeamsAdminToken() string {
	if s.smallTeams == nil {
		return ""
	}
	return s.smallTeams.token
}
