package orka

import (
	"encoding/base64"
	"testing"
)

func jwtWithPayload(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJl"
}

// The client tells a service-account token by its subject, without verifying anything, and
// leaves every other token for Orka to judge.
func TestTokenKindOf(t *testing.T) {
	cases := []struct {
		name, token string
		want        TokenKind
	}{
		{"service account", jwtWithPayload(`{"sub":"system:serviceaccount:orka-ci:ci-bot","exp":1}`),
			TokenKind{ServiceAccount: true, Namespace: "orka-ci", Name: "ci-bot"}},
		{"user (OIDC)", jwtWithPayload(`{"sub":"a@example.com","email":"a@example.com"}`), TokenKind{}},
		{"opaque", "3fb563ba58c638ca6b9e", TokenKind{}},
		{"not base64", "a.%%%.c", TokenKind{}},
		{"not JSON", jwtWithPayload(`nope`), TokenKind{}},
		{"subject without name", jwtWithPayload(`{"sub":"system:serviceaccount:orka-ci"}`), TokenKind{}},
		{"empty", "", TokenKind{}},
	}
	for _, c := range cases {
		if got := tokenKindOf(c.token); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	c, err := New(Config{Endpoint: "http://10.0.0.1", Token: cases[0].token})
	if err != nil {
		t.Fatal(err)
	}
	if k := c.TokenKind(); k.CanAdminister() || k.String() != "a service-account token (orka-ci/ci-bot)" {
		t.Errorf("client's token kind: %+v, %q", k, k.String())
	}
	if k := c.WithToken("opaque").TokenKind(); !k.CanAdminister() {
		t.Errorf("WithToken kept the old token's kind: %+v", k)
	}
}

// A 403 says in which namespace and for what it was refused.
func TestAPIErrorNamespaceAndPermission(t *testing.T) {
	cases := []struct {
		method, path, ns, perm string
	}{
		{"POST", "/api/v1/namespaces/orka-ci/vms", "orka-ci", "create vms"},
		{"GET", "/api/v1/namespaces/orka-ci/secrets/registrycredentials", "orka-ci", "read secrets/registrycredentials"},
		{"DELETE", "/api/v1/namespaces/orka-team", "orka-team", "delete namespaces"},
		{"POST", "/api/v1/namespaces", "", "create namespaces"},
		{"POST", "/api/v1/namespaces/orka-ci/serviceaccounts/ci/token", "orka-ci", "create serviceaccounts"},
	}
	for _, c := range cases {
		e := &APIError{Method: c.method, Path: c.path, StatusCode: 403}
		if e.Namespace() != c.ns || e.Permission() != c.perm {
			t.Errorf("%s %s: namespace %q permission %q, want %q %q", c.method, c.path, e.Namespace(), e.Permission(), c.ns, c.perm)
		}
	}
}
