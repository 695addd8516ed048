package orka

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
)

// TokenKind is what the client can tell about its own token without asking Orka: whether it
// is a service-account token, and whose. It is decided once, in New, from the token's JWT
// claims, which are read but never verified or trusted for anything else.
//
// ASSUMED (orka-api.md §1 and §8): service-account tokens are Kubernetes JWTs whose `sub` is
// `system:serviceaccount:<namespace>:<name>`, and no REST route makes a service account an
// administrator. Any other token (a user token from `orka3 user get-token`, an opaque token)
// is of unknown rights: the client does not guess, Orka decides.
type TokenKind struct {
	// ServiceAccount is true for a service-account token.
	ServiceAccount bool
	// Namespace and Name identify the service account (empty for other tokens).
	Namespace, Name string
}

// serviceAccountSubjectPrefix starts the `sub` claim of a Kubernetes service-account token.
const serviceAccountSubjectPrefix = "system:serviceaccount:"

// String names the token for people, such as `a service-account token (orka-ci/ci-bot)`.
func (k TokenKind) String() string {
	if k.ServiceAccount {
		return "a service-account token (" + k.Namespace + "/" + k.Name + ")"
	}
	return "a user or administrator token"
}

// CanAdminister reports whether the token may be an administrator's from its kind alone:
// false for a service-account token. Client.MayAdminister asks Orka when that is not enough.
func (k TokenKind) CanAdminister() bool { return !k.ServiceAccount }

// adminProbe remembers Orka's definite answer about the token's administrator rights.
type adminProbe struct {
	mu      sync.Mutex
	decided bool
	admin   bool
}

// MayAdminister reports whether the client's token may do administrator-only work: false only
// when it is known not to. A user token may (Orka decides). A service-account token usually
// may not, but the admin service account of Orka Small Teams may (orka-api.md §8), and
// nothing in the token tells them apart, so Orka is asked once with an administrator-only
// read (listing the service accounts of the token's own namespace): 403 means no, success
// means yes, and any other answer (unreachable, a maintenance window) leaves it open, so the
// token is let through and Orka decides at apply.
func (c *Client) MayAdminister(ctx context.Context) bool {
	kind := c.TokenKind()
	if kind.CanAdminister() {
		return true
	}
	p := c.admin
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.decided {
		return p.admin
	}
	err := c.get(ctx, routeServiceAccounts(kind.Namespace), nil)
	switch {
	case err == nil:
		p.decided, p.admin = true, true
	case IsForbidden(err):
		p.decided, p.admin = true, false
	default:
		return true
	}
	return p.admin
}

// tokenKindOf reads the kind of a bearer token from its JWT payload.
func tokenKindOf(token string) TokenKind {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return TokenKind{}
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return TokenKind{}
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return TokenKind{}
	}
	rest, ok := strings.CutPrefix(claims.Sub, serviceAccountSubjectPrefix)
	if !ok {
		return TokenKind{}
	}
	ns, name, ok := strings.Cut(rest, ":")
	if !ok || ns == "" || name == "" {
		return TokenKind{}
	}
	return TokenKind{ServiceAccount: true, Namespace: ns, Name: name}
}

// TokenKind returns what is known about the client's own token: the configured one, or the
// one its source handed out last (a source that has minted none yet is of unknown rights,
// and Orka decides).
func (c *Client) TokenKind() TokenKind { return tokenKindOf(c.source.Current()) }
