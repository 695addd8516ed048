package orkasim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Users ("tech users" of the access matrix, orka-api.md §1 and §5). On a real cluster their
// tokens come from MacStadium's SSO (orka3 login, then orka3 user get-token) and last an hour
// [DOC]; here AddUser mints them. A user that is not an administrator may use a namespace only
// as a User subject of its orka-dev binding, gets 403 on admin-only routes, and deletes only
// its own VMs and VM configs. User tokens come from outside the cluster, so upgrades leave them
// alone [ASSUMED, orka-api.md §9]; Reset drops the users.

// userTokenLifetime is the lifetime of a user token [DOC: one hour].
const userTokenLifetime = time.Hour

// adminGroup is the group an administrator's token names, as an OIDC identity provider of
// Orka on AWS sends it [DOC: orka-api.md §10]; informational only.
const adminGroup = "orka:cluster-admins"

// userRec is one user.
type userRec struct {
	name  string
	admin bool
}

// userTokenRec is one user token.
type userTokenRec struct {
	name string
	exp  time.Time
}

// UserRequest is the body of POST /_sim/users.
type UserRequest struct {
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
}

// AddUser creates the user name (an e-mail address, as Orka's SSO names users), or changes
// whether an existing one is an administrator, and returns a new token for it: a JWT whose
// payload carries sub and email (both name), iat and exp one hour later by Options.Now. Older
// tokens of the user stay valid until they expire. A name must be non-empty, without spaces,
// and not start with "system:" (Kubernetes' reserved prefix, service accounts' included);
// AddUser panics on such a name, as it is a mistake in the test that calls it.
func (s *Server) AddUser(name string, admin bool) (token string) {
	tok, err := s.addUser(name, admin)
	if err != nil {
		panic("orkasim: AddUser: " + err.Error())
	}
	return tok
}

func (s *Server) addUser(name string, admin bool) (string, error) {
	switch {
	case name == "":
		return "", fmt.Errorf("invalid value for name: is required")
	case strings.ContainsAny(name, " \t\r\n"):
		return "", fmt.Errorf("invalid value for name: %q: must not contain spaces", name)
	case strings.HasPrefix(name, "system:"):
		return "", fmt.Errorf(`invalid value for name: %q: must not start with "system:" (reserved for Kubernetes and service accounts)`, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.users[name] = &userRec{name: name, admin: admin}
	now := s.now()
	rec := &userTokenRec{name: name, exp: now.Add(userTokenLifetime)}
	tok := s.mintUserJWT(rec, admin, now)
	s.st.userTokens[tok] = rec
	return tok, nil
}

// validUserTokenLocked returns the user of a user token that is accepted now.
func (s *Server) validUserTokenLocked(tok string) *userRec {
	t := s.st.userTokens[tok]
	if t == nil || !s.now().Before(t.exp) {
		return nil
	}
	return s.st.users[t.name]
}

func (s *Server) mintUserJWT(t *userTokenRec, admin bool, now time.Time) string {
	claims := map[string]any{
		"iss":   "https://orkasim.invalid/sso",
		"sub":   t.name,
		"email": t.name,
		"aud":   []string{"orka"},
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   t.exp.Unix(),
		"jti":   randomHex(16),
	}
	if admin {
		claims["groups"] = []string{adminGroup}
	}
	return s.signJWT(claims)
}

// signJWT encodes claims as an HS256 JWT signed with the server's key (never checked: tokens
// are looked up, orka-api.md §1).
func (s *Server) signJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": "orkasim"})
	payload, _ := json.Marshal(claims)
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.jwtKey)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}
