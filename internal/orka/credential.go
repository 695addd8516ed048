package orka

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// Credential is what the client knew of a token that Orka rejected with 401, so that the
// message can say whose token it was, whether it had simply expired or was refused while
// still valid, and where it came from. It holds nothing secret.
type Credential struct {
	// Source names where the token came from (TokenSource.Describe).
	Source string
	// Kind is "static" (the `token` argument or ORKA_TOKEN), "exec" or "eks".
	Kind string
	// Account names the token's holder, such as `service account orka-ci/ci-bot` or `user
	// alice@example.com`; "" when the token does not say.
	Account string
	// ExpiresAt is the token's expiry when known (a JWT's exp; an EKS token's signing time plus
	// 15 minutes; an ExecCredential's expirationTimestamp).
	ExpiresAt time.Time
	// Expired is true when ExpiresAt had passed, by the client's clock, when Orka answered.
	Expired bool
	// Renewed is true when the source minted a fresh token after a first 401 and Orka
	// rejected that one too.
	Renewed bool
}

// Credential kinds.
const (
	CredentialStatic = "static"
	CredentialExec   = "exec"
	CredentialEKS    = "eks"
)

// credentialOf describes the token tok as this client's source handed it out.
func (c *Client) credentialOf(tok Token) *Credential {
	cr := &Credential{Source: c.source.Describe(), Kind: CredentialStatic, ExpiresAt: tok.Expiry}
	switch c.source.(type) {
	case *renewingSource:
		cr.Kind = CredentialExec
		if strings.HasPrefix(tok.Value, EKSTokenPrefix) {
			cr.Kind = CredentialEKS
		}
	}
	if cr.ExpiresAt.IsZero() {
		if cl, err := ParseTokenClaims(tok.Value); err == nil {
			cr.ExpiresAt = cl.ExpiresAt
		}
	}
	cr.Account = AccountOf(tok.Value)
	cr.Expired = !cr.ExpiresAt.IsZero() && !c.now().Before(cr.ExpiresAt)
	return cr
}

// AccountOf names the holder of a token from what it carries, read without verification: a
// Kubernetes service account (`sub` system:serviceaccount:<ns>:<name>), a user (`email`, else
// `sub`), or, for an EKS IAM token, the AWS access key that signed it (shown by its last four
// characters only). "" when the token says nothing.
func AccountOf(token string) string {
	if k := tokenKindOf(token); k.ServiceAccount {
		return serviceAccountAccountPrefix + k.Namespace + "/" + k.Name
	}
	if rest, ok := strings.CutPrefix(token, EKSTokenPrefix); ok {
		return eksAccount(rest)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Sub   string `json:"sub"`
		Email string `json:"email"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	switch {
	case claims.Email != "":
		return "user " + claims.Email
	case claims.Sub != "":
		return "user " + claims.Sub
	}
	return ""
}

// eksAccount names the AWS access key of an EKS IAM token's X-Amz-Credential.
func eksAccount(encoded string) string {
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return ""
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return ""
	}
	key, _, _ := strings.Cut(u.Query().Get("X-Amz-Credential"), "/")
	if len(key) < 8 {
		return ""
	}
	return "the AWS identity of access key …" + key[len(key)-4:]
}

// ServiceAccountOfAccount splits an AccountOf name of a service account into its namespace and
// name; ok is false for any other account.
func ServiceAccountOfAccount(account string) (namespace, name string, ok bool) {
	rest, found := strings.CutPrefix(account, serviceAccountAccountPrefix)
	if !found {
		return "", "", false
	}
	namespace, name, found = strings.Cut(rest, "/")
	return namespace, name, found && namespace != "" && name != ""
}

const serviceAccountAccountPrefix = "service account "
