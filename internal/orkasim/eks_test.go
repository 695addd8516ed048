package orkasim

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	eksKeyID  = "AKIAORKASIMTEST0001"
	eksSecret = "orkasim-test-secret-key"
	eksName   = "orka-prod"
)

// eksToken signs an STS GetCallerIdentity URL for cluster at signedAt, the way
// aws-iam-authenticator does, independently of the provider's client.
func eksToken(t *testing.T, host, cluster, keyID, secret string, signedAt time.Time, edit func(url.Values)) string {
	t.Helper()
	q := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}, "X-Amz-Expires": {"60"}}
	r, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://"+host+"/?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("x-k8s-aws-id", cluster)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, r, emptyPayloadHash, "sts", "eu-west-1", signedAt)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		u, _ := url.Parse(signed)
		uq := u.Query()
		edit(uq)
		u.RawQuery = uq.Encode()
		signed = u.String()
	}
	return eksTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(signed))
}

func TestEKSTokens(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	clock := now
	e := newEnv(t, Options{Now: func() time.Time { return clock }, EKSCluster: eksName,
		EKSIdentities: []EKSIdentity{{AccessKeyID: eksKeyID, SecretAccessKey: eksSecret, User: "eks-admin", Admin: true}}})
	const host = "sts.eu-west-1.amazonaws.com"
	good := eksToken(t, host, eksName, eksKeyID, eksSecret, now, nil)

	// Accepted as the mapped administrator: it may create a namespace (admin-only), and the
	// namespace list shows the work was done.
	e.sim.ClearRequests()
	if r := e.send(good, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-eks"}); r.code != http.StatusCreated {
		t.Fatalf("a good EKS token: %d %s", r.code, r.body)
	}
	if r := e.send(good, "GET", "/api/v1/namespaces/orka-eks", nil); r.code != http.StatusOK {
		t.Fatalf("reading back with the EKS token: %d %s", r.code, r.body)
	}

	// A release upgrade regenerates service-account tokens; an EKS token is none.
	if _, err := e.sim.Upgrade(UpgradeRequest{Type: "release", VMs: "none"}); err != nil {
		t.Fatal(err)
	}
	if r := e.send(good, "GET", "/api/v1/namespaces", nil); r.code != http.StatusOK {
		t.Fatalf("the EKS token after a release upgrade: %d %s", r.code, r.body)
	}

	cases := []struct {
		name, token, want string
	}{
		{"wrong cluster", eksToken(t, host, "another-cluster", eksKeyID, eksSecret, now, nil), "signed for another cluster"},
		{"wrong secret", eksToken(t, host, eksName, eksKeyID, "not-the-secret", now, nil), "does not verify"},
		{"unknown key", eksToken(t, host, eksName, "AKIAUNKNOWN000000000", eksSecret, now, nil), "mapped to no cluster user"},
		{"expired", eksToken(t, host, eksName, eksKeyID, eksSecret, now.Add(-15*time.Minute), nil), "expired at 2026-12-06T12:00:00Z"},
		{"signed in the future", eksToken(t, host, eksName, eksKeyID, eksSecret, now.Add(time.Hour), nil), "in the future"},
		{"not base64", eksTokenPrefix + "%%%", "not base64url"},
		{"not STS", eksToken(t, "sts.evil.example.com", eksName, eksKeyID, eksSecret, now, nil), "malformed"},
		{"other action", eksToken(t, host, eksName, eksKeyID, eksSecret, now, func(q url.Values) { q.Set("Action", "AssumeRole") }), "GetCallerIdentity"},
		{"no signature", eksToken(t, host, eksName, eksKeyID, eksSecret, now, func(q url.Values) { q.Del("X-Amz-Signature") }), "no AWS4-HMAC-SHA256 signature"},
		{"cluster header not signed", eksToken(t, host, eksName, eksKeyID, eksSecret, now, func(q url.Values) { q.Set("X-Amz-SignedHeaders", "host") }), "x-k8s-aws-id"},
		{"tampered parameter", eksToken(t, host, eksName, eksKeyID, eksSecret, now, func(q url.Values) { q.Set("X-Amz-Expires", "900") }), "does not verify"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.send(c.token, "GET", "/api/v1/namespaces", nil)
			if r.code != http.StatusUnauthorized {
				t.Fatalf("got %d %s, want 401", r.code, r.body)
			}
			if msg := r.status(t).Message; !strings.Contains(msg, c.want) {
				t.Errorf("message %q does not say %q", msg, c.want)
			}
		})
	}

	// Fourteen minutes later the same token still works; at fifteen it has expired.
	clock = now.Add(14 * time.Minute)
	if r := e.send(good, "GET", "/api/v1/namespaces", nil); r.code != http.StatusOK {
		t.Fatalf("a 14-minute-old EKS token: %d %s", r.code, r.body)
	}
	clock = now.Add(15 * time.Minute)
	if r := e.send(good, "GET", "/api/v1/namespaces", nil); r.code != http.StatusUnauthorized {
		t.Fatalf("a 15-minute-old EKS token: %d %s, want 401", r.code, r.body)
	}
}

func TestEKSTokens_nonAdminMapping(t *testing.T) {
	now := time.Now()
	e := newEnv(t, Options{})
	// Configured at run time through the control route.
	e.must(http.StatusOK, "POST", "/_sim/eks", EKSRequest{Cluster: eksName,
		Identities: []EKSIdentity{{AccessKeyID: eksKeyID, SecretAccessKey: eksSecret, User: "ci-bot"}}})
	tok := eksToken(t, "sts.amazonaws.com", eksName, eksKeyID, eksSecret, now, nil)
	if r := e.send(tok, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-x"}); r.code != http.StatusForbidden {
		t.Fatalf("a non-admin EKS identity creating a namespace: %d %s, want 403", r.code, r.body)
	}
	if r := e.send(tok, "GET", cfgPath, nil); r.code != http.StatusForbidden {
		t.Fatalf("a non-admin EKS identity not bound to orka-default: %d %s, want 403", r.code, r.body)
	}
	e.must(http.StatusCreated, "POST", base+"/rolebindings/orka-dev/subjects/add", map[string]any{"users": []string{"ci-bot"}})
	if r := e.send(tok, "GET", cfgPath, nil); r.code != http.StatusOK {
		t.Fatalf("the EKS identity bound as user ci-bot: %d %s", r.code, r.body)
	}
	e.must(http.StatusBadRequest, "POST", "/_sim/eks", EKSRequest{Identities: []EKSIdentity{{AccessKeyID: "A", SecretAccessKey: "s", User: "system:x"}}})
}

func TestEKSTokens_refusedWithoutCluster(t *testing.T) {
	e := newEnv(t, Options{})
	tok := eksToken(t, "sts.amazonaws.com", eksName, eksKeyID, eksSecret, time.Now(), nil)
	r := e.send(tok, "GET", "/api/v1/namespaces", nil)
	if r.code != http.StatusUnauthorized || !strings.Contains(r.status(t).Message, "accepts no EKS") {
		t.Fatalf("got %d %s", r.code, r.body)
	}
}
