package orka

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func TestDebugLogRedactsSecrets(t *testing.T) {
	const (
		mintedToken = "eyJhbGciOiJSUzI1NiJ9.minted-sa-token.sig"
		nestedToken = "nested-k8s-token-77"
		password    = "hunter2-registry-pass"
	)
	tests := []struct {
		name     string
		respBody string
		call     func(ctx context.Context, c *Client) error
		path     string
		secrets  []string
	}{
		{
			name:     "token mint, Orka shape",
			respBody: `{"token":"` + mintedToken + `"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateServiceAccountToken(ctx, "orka-ci", "ci", TokenRequest{Duration: "720h"})
				return err
			},
			path:    "/api/v1/namespaces/orka-ci/serviceaccounts/ci/token",
			secrets: []string{mintedToken},
		},
		{
			name:     "token mint, Kubernetes shape",
			respBody: `{"status":{"token":"` + nestedToken + `","expirationTimestamp":"2026-01-01T00:00:00Z"}}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateServiceAccountToken(ctx, "orka-ci", "ci", TokenRequest{})
				return err
			},
			path:    "/api/v1/namespaces/orka-ci/serviceaccounts/ci/token",
			secrets: []string{nestedToken},
		},
		{
			name:     "token mint, bare string",
			respBody: `"` + mintedToken + `"`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateServiceAccountToken(ctx, "orka-ci", "ci", TokenRequest{})
				return err
			},
			path:    "/api/v1/namespaces/orka-ci/serviceaccounts/ci/token",
			secrets: []string{mintedToken},
		},
		{
			name: "registry add",
			call: func(ctx context.Context, c *Client) error {
				return c.AddRegistryCredential(ctx, "orka-ci", RegistryCredentialInput{
					Server: "https://ghcr.io", Username: "bot", Password: password,
				})
			},
			path:    "/api/v1/namespaces/orka-ci/secrets/registrycredentials/add",
			secrets: []string{password},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				reply(w, 200, tt.respBody)
			})
			var buf bytes.Buffer
			ctx := tflogtest.RootLogger(context.Background(), &buf)
			c := newTestClient(t, fs.URL)
			if err := tt.call(ctx, c); err != nil {
				t.Fatal(err)
			}
			log := buf.String()
			if !strings.Contains(log, tt.path) {
				t.Errorf("log lacks the path %s:\n%s", tt.path, log)
			}
			if !strings.Contains(log, `"orka_status":200`) {
				t.Errorf("log lacks the status:\n%s", log)
			}
			for _, s := range append(tt.secrets, testToken, "Bearer") {
				if strings.Contains(log, s) {
					t.Errorf("log contains secret %q:\n%s", s, log)
				}
			}
		})
	}
}

func TestDebugLogRedactsBearerTokenEchoedByServer(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		reply(w, 200, `{"items":[],"echo":"`+r.Header.Get("Authorization")+`","note":"plain `+testToken+`"}`)
	})
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	c := newTestClient(t, fs.URL)
	if _, err := c.ListVMs(ctx, "orka-ci"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), testToken) {
		t.Errorf("log contains the bearer token:\n%s", buf.String())
	}
}

func TestRedactJSON(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"token":"a","name":"n"}`, `{"name":"n","token":"***"}`},
		{`{"Password":"p","nested":{"TOKEN":"t","list":[{"password":"q","ok":1}]}}`, `{"Password":"***","nested":{"TOKEN":"***","list":[{"ok":1,"password":"***"}]}}`},
		{`{"status":{"token":"t","expirationTimestamp":"x"}}`, `{"status":{"expirationTimestamp":"x","token":"***"}}`},
		{`{"token":{"deep":"structure"}}`, `{"token":"***"}`},
		{`[1,2]`, `[1,2]`},
		{`{"cpu":12345678901234567890}`, `{"cpu":12345678901234567890}`},
	}
	for _, tt := range tests {
		got, ok := redactJSON([]byte(tt.in))
		if !ok || got != tt.want {
			t.Errorf("redactJSON(%s) = %s, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
	if _, ok := redactJSON([]byte(`not json`)); ok {
		t.Errorf("non-JSON accepted")
	}
	ci := &callInfo{secrets: []string{"s3cr3t"}}
	if got := ci.redactBody([]byte("text with s3cr3t"), false); strings.Contains(got, "s3cr3t") {
		t.Errorf("redactBody = %q", got)
	}
	if got := ci.redactBody([]byte(`"bare-token"`), true); strings.Contains(got, "bare-token") {
		t.Errorf("redactBody whole = %q", got)
	}
}

func TestMayHoldSecretField(t *testing.T) {
	for body, want := range map[string]bool{
		`{"items":[{"name":"vm"}]}`:            false,
		`{"token":"x"}`:                        true,
		`{"status":{"Token":"x"}}`:             true,
		`{"PASSWORD":"x"}`:                     true,
		`{"clientSecret":"x"}`:                 true,
		`{"\u0074oken":"x"}`:                   true,
		`{"name":"token-rotation","x":"pass"}`: false,
	} {
		if got := mayHoldSecretField([]byte(body)); got != want {
			t.Errorf("mayHoldSecretField(%s) = %v, want %v", body, got, want)
		}
	}
}
