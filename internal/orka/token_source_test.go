package orka

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tokenScript writes a script that counts its runs in a file and prints what printf formats
// with @N@ replaced by the run number, and returns the script's path and a counter.
func tokenScript(t *testing.T, format string) (cmd string, runs func() int) {
	t.Helper()
	dir := t.TempDir()
	count := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "token.sh")
	body := "#!/bin/sh\nn=$(cat \"$RUNS_FILE\" 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > \"$RUNS_FILE\"\n" +
		"echo '" + format + "' | sed \"s/@N@/$n/g\"\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil { //nolint:gosec // a test script must be executable
		t.Fatal(err)
	}
	t.Setenv("RUNS_FILE", count)
	return script, func() int {
		b, err := os.ReadFile(count) //nolint:gosec // the test's own file
		if err != nil {
			return 0
		}
		var n int
		_, _ = fmt.Sscan(string(b), &n)
		return n
	}
}

// acceptOnly answers 200 to bearer tokens that accept likes and 401 to the rest, recording
// the tokens seen.
func acceptOnly(t *testing.T, accept func(string) bool) (*fakeServer, func() []string) {
	t.Helper()
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !accept(tok) {
			reply(w, http.StatusUnauthorized, statusJSON(401, "Unauthorized", "Unauthorized: the token is invalid, expired or revoked"))
			return
		}
		reply(w, http.StatusOK, `{"items":[]}`)
	})
	return fs, func() []string {
		var out []string
		for _, r := range fs.requests() {
			out = append(out, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		}
		return out
	}
}

func TestExecTokenSource_plainTokenCachedAndRerunOn401(t *testing.T) {
	cmd, runs := tokenScript(t, "token-@N@")
	src, err := NewExecTokenSource(ExecConfig{Command: cmd})
	if err != nil {
		t.Fatal(err)
	}
	// Orka accepts token-1 once, then (as after an upgrade) only token-2.
	var mu sync.Mutex
	accepted := 0
	fs, seen := acceptOnly(t, func(tok string) bool {
		mu.Lock()
		defer mu.Unlock()
		accepted++
		return (tok == "token-1" && accepted == 1) || tok == "token-2"
	})
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.Token = ""; cfg.TokenSource = src })
	ctx := context.Background()
	if _, err := c.ListNamespaces(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListNamespaces(ctx); err != nil {
		t.Fatalf("after a 401, the command should run again and the request succeed: %v", err)
	}
	if _, err := c.ListNamespaces(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(seen(), ","), "token-1,token-1,token-2,token-2"; got != want {
		t.Errorf("tokens sent %s, want %s", got, want)
	}
	if runs() != 2 {
		t.Errorf("the command ran %d times, want 2 (once, and once more after the 401)", runs())
	}
	if got := c.TokenKind(); got.ServiceAccount {
		t.Errorf("TokenKind = %+v", got)
	}
}

func TestExecTokenSource_execCredentialCachedUntilExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	// Each run's token expires 10 minutes after 12:00 times the run number.
	cmd, runs := tokenScript(t, `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",`+
		`"status":{"token":"cred-@N@","expirationTimestamp":"2026-12-06T12:@N@0:00Z"}}`)
	src, err := NewExecTokenSource(ExecConfig{Command: cmd, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value != "cred-1" || !tok.Expiry.Equal(time.Date(2026, 12, 6, 12, 10, 0, 0, time.UTC)) {
		t.Fatalf("token %+v", tok)
	}
	clock.add(8*time.Minute + 59*time.Second)
	if tok, _ := src.Token(ctx); tok.Value != "cred-1" || runs() != 1 {
		t.Fatalf("9 minutes before expiry: %q after %d runs; want the cached cred-1", tok.Value, runs())
	}
	clock.add(time.Second) // one minute before expiry: renewed
	if tok, _ := src.Token(ctx); tok.Value != "cred-2" || runs() != 2 {
		t.Fatalf("a minute before expiry: %q after %d runs; want cred-2 from a second run", tok.Value, runs())
	}
}

func TestExecTokenSource_failuresNeverShowTheToken(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "fail.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho secret-tok-123\necho \"vault says no for secret-tok-123\" >&2\nexit 3\n"), 0o700); err != nil { //nolint:gosec // executable test script
		t.Fatal(err)
	}
	src, _ := NewExecTokenSource(ExecConfig{Command: script})
	_, err := src.Token(context.Background())
	if err == nil || !IsTokenSourceFailure(err) {
		t.Fatalf("err = %v, want a token-source failure", err)
	}
	if strings.Contains(err.Error(), "secret-tok-123") || !strings.Contains(err.Error(), "vault says no") ||
		!strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("error %q must show the exit status and standard error, with the token scrubbed", err)
	}
	for _, out := range []string{"", "two words", `{"kind":"ExecCredential","status":{}}`, `{"status":{"token":"t","expirationTimestamp":"soon"}}`} {
		if _, err := parseCommandToken([]byte(out)); err == nil {
			t.Errorf("output %q was accepted", out)
		}
	}
	// A client whose source fails sends nothing.
	fs := newFakeServer(t, nil)
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.TokenSource = src })
	if _, err := c.ListNamespaces(context.Background()); !IsTokenSourceFailure(err) || fs.count() != 0 {
		t.Fatalf("err = %v after %d requests", err, fs.count())
	}
}

// setStaticAWSCredentials gives the AWS SDK's default chain static credentials and nothing
// else, so that signing works offline.
func setStaticAWSCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAORKATEST00000001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "orka-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// decodeEKS returns the presigned URL inside an EKS token.
func decodeEKS(t *testing.T, tok string) *url.URL {
	t.Helper()
	rest, ok := strings.CutPrefix(tok, "k8s-aws-v1.")
	if !ok {
		t.Fatalf("token %.20q... lacks the k8s-aws-v1. prefix", tok)
	}
	if strings.ContainsAny(rest, "=+/") {
		t.Fatal("the token is not unpadded base64url")
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestEKSTokenSource_formAndRenewal(t *testing.T) {
	setStaticAWSCredentials(t)
	clock := &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	src, err := NewEKSTokenSource(EKSConfig{ClusterName: "orka-prod", Region: "eu-west-1", Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := decodeEKS(t, tok.Value)
	q := u.Query()
	for k, want := range map[string]string{
		"Action": "GetCallerIdentity", "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Expires": "60",
		"X-Amz-Date": "20261206T120000Z", "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
		"X-Amz-Credential": "AKIAORKATEST00000001/20261206/eu-west-1/sts/aws4_request",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if u.Scheme != "https" || u.Host != "sts.eu-west-1.amazonaws.com" || len(q.Get("X-Amz-Signature")) != 64 {
		t.Errorf("presigned URL %s://%s with signature %q", u.Scheme, u.Host, q.Get("X-Amz-Signature"))
	}
	if !tok.Expiry.Equal(clock.now().Add(15 * time.Minute)) {
		t.Errorf("expiry %s, want 15 minutes after signing", tok.Expiry)
	}
	if strings.Contains(tok.Value, "orka-test-secret") {
		t.Error("the token carries the secret key")
	}

	clock.add(13*time.Minute + 59*time.Second)
	if again, _ := src.Token(ctx); again.Value != tok.Value {
		t.Error("the token was renewed before 14 minutes")
	}
	clock.add(time.Second)
	renewed, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Value == tok.Value || decodeEKS(t, renewed.Value).Query().Get("X-Amz-Date") != "20261206T121400Z" {
		t.Error("after 14 minutes the token was not signed again")
	}
	if !src.Renew(renewed.Value) {
		t.Error("an EKS token source must offer a fresh token after a 401")
	}
}

func TestEKSTokenSource_noCredentials(t *testing.T) {
	setStaticAWSCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	src, _ := NewEKSTokenSource(EKSConfig{ClusterName: "orka", Region: "us-east-1"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := src.Token(ctx)
	var tse *TokenSourceError
	if !errors.As(err, &tse) || !strings.Contains(err.Error(), "EKS IAM token source") {
		t.Fatalf("err = %v, want a token-source failure naming the EKS source", err)
	}
}

func TestClient_401DescribesTheCredential(t *testing.T) {
	fs, _ := acceptOnly(t, func(string) bool { return false })
	clock := &fakeClock{t: time.Unix(2000, 0)}
	expired := jwtWith(t, `{"sub":"system:serviceaccount:orka-ci:bot","exp":1000}`)
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.Token = expired; cfg.Now = clock.now })
	_, err := c.ListNamespaces(context.Background())
	ae, ok := AsAPIError(err)
	if !ok || ae.Credential == nil {
		t.Fatalf("err = %v: no credential", err)
	}
	cr := ae.Credential
	if cr.Kind != CredentialStatic || cr.Account != "service account orka-ci/bot" || !cr.Expired ||
		!cr.ExpiresAt.Equal(time.Unix(1000, 0)) || cr.Renewed {
		t.Errorf("credential %+v", cr)
	}
	if fs.count() != 1 {
		t.Errorf("a static token was sent %d times after a 401, want once", fs.count())
	}

	valid := jwtWith(t, `{"sub":"alice","email":"alice@example.com","exp":3000}`)
	c = newTestClient(t, fs.URL, func(cfg *Config) { cfg.Token = valid; cfg.Now = clock.now })
	_, err = c.ListNamespaces(context.Background())
	if ae, _ := AsAPIError(err); ae.Credential.Expired || ae.Credential.Account != "user alice@example.com" {
		t.Errorf("credential %+v", ae.Credential)
	}
}

func jwtWith(t *testing.T, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".sig"
}

// settableTokenScript writes a script that counts its runs and prints the contents of a file
// the test changes, and returns the script, a setter and the run counter.
func settableTokenScript(t *testing.T, first string) (cmd string, set func(string), runs func() int) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "token")
	set = func(tok string) {
		if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	set(first)
	cmd, runs = tokenScript(t, "unused")
	body := "#!/bin/sh\nn=$(cat \"$RUNS_FILE\" 2>/dev/null || echo 0)\necho $((n+1)) > \"$RUNS_FILE\"\ncat '" + file + "'\n"
	if err := os.WriteFile(cmd, []byte(body), 0o700); err != nil { //nolint:gosec // a test script must be executable
		t.Fatal(err)
	}
	return cmd, set, runs
}

// A command that keeps printing the token Orka rejects runs twice (the first token, and once
// more after the first 401), not once per failing request, until a minute has passed; the
// token it printed again is still sent once more, in case the 401 was a stray one.
func TestExecTokenSource_sameRejectedTokenNotMintedPerRequest(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	cmd, set, runs := settableTokenScript(t, "revoked")
	src, err := NewExecTokenSource(ExecConfig{Command: cmd, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	fs, seen := acceptOnly(t, func(tok string) bool { return tok == "renewed" })
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.Token = ""; cfg.TokenSource = src })
	ctx := context.Background()
	for i := range 10 {
		_, err := c.ListNamespaces(ctx)
		if !IsUnauthorized(err) {
			t.Fatalf("request %d: %v, want a 401", i+1, err)
		}
	}
	if runs() != 2 {
		t.Errorf("the command ran %d times for 10 rejected requests, want 2", runs())
	}
	if n := len(seen()); n != 11 {
		t.Errorf("%d requests sent, want 11 (the first one twice, the others once)", n)
	}
	// A minute later, someone has renewed the credential behind the command: the next 401
	// runs it again, and the request goes through with the new token.
	set("renewed")
	clock.add(sameTokenPause)
	if _, err := c.ListNamespaces(ctx); err != nil {
		t.Fatalf("a minute later, with a renewed credential: %v", err)
	}
	if runs() != 3 {
		t.Errorf("the command ran %d times, want 3", runs())
	}
}

// A stray 401 (the same token works when sent again) does not keep the source from minting at
// once when the token is really revoked later.
func TestExecTokenSource_strayRejectionForgotten(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	cmd, set, runs := settableTokenScript(t, "first")
	src, err := NewExecTokenSource(ExecConfig{Command: cmd, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	calls := 0
	fs, _ := acceptOnly(t, func(tok string) bool {
		mu.Lock()
		defer mu.Unlock()
		calls++
		// The first request is refused once by mistake; from the third on, "first" is revoked.
		return (tok == "first" && calls == 2) || tok == "second"
	})
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.Token = ""; cfg.TokenSource = src })
	ctx := context.Background()
	if _, err := c.ListNamespaces(ctx); err != nil {
		t.Fatalf("a stray 401 should be overcome by sending the token again: %v", err)
	}
	set("second")
	if _, err := c.ListNamespaces(ctx); err != nil {
		t.Fatalf("the revoked token should be replaced at once: %v", err)
	}
	if runs() != 3 {
		t.Errorf("the command ran %d times, want 3", runs())
	}
}
