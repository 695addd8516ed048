package orkasim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
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
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": "orkasim"})
	claims := map[string]any{
		"iss": "kubernetes/serviceaccount",
		"sub": fmt.Sprintf("system:serviceaccount:%s:%s", t.ns, t.sa),
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
	payload, _ := json.Marshal(claims)
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.jwtKey)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}
