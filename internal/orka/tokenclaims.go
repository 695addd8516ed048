package orka

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// TokenClaims are the times a service-account token carries. Orka's tokens are Kubernetes
// JWTs; the claims are read, never trusted for anything but scheduling a regeneration, and the
// signature is not checked (only Orka can judge a token).
type TokenClaims struct {
	IssuedAt  time.Time // zero when the token carries no iat
	ExpiresAt time.Time // zero when the token never expires
}

// ParseTokenClaims reads iat and exp from the payload, the second dot-separated part, in
// base64url. ASSUMED (Kubernetes behaviour): service-account tokens are JWTs carrying iat and
// exp in Unix seconds. An error never quotes the token.
func ParseTokenClaims(token string) (TokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return TokenClaims{}, fmt.Errorf("the token is not a JSON Web Token (it has %d dot-separated parts, not 3)", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return TokenClaims{}, errors.New("the token's payload is not base64url")
	}
	var claims struct {
		IssuedAt  *json.Number `json:"iat"`
		ExpiresAt *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		return TokenClaims{}, errors.New("the token's payload is not a JSON object with numeric iat and exp")
	}
	var out TokenClaims
	if out.IssuedAt, err = unixClaim("iat", claims.IssuedAt); err != nil {
		return TokenClaims{}, err
	}
	if out.ExpiresAt, err = unixClaim("exp", claims.ExpiresAt); err != nil {
		return TokenClaims{}, err
	}
	return out, nil
}

func unixClaim(name string, n *json.Number) (time.Time, error) {
	if n == nil {
		return time.Time{}, nil
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > math.MaxInt32*4 {
		return time.Time{}, fmt.Errorf("the token's %s claim is not a Unix time", name)
	}
	return time.Unix(int64(f), 0).UTC(), nil
}
