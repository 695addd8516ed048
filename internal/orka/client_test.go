package orka

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewEndpoint(t *testing.T) {
	tests := []struct {
		endpoint string
		want     string
		wantErr  string
	}{
		{endpoint: "https://acme.orka.app", want: "https://acme.orka.app"},
		{endpoint: "https://acme.orka.app/", want: "https://acme.orka.app"},
		{endpoint: "http://10.0.0.1", want: "http://10.0.0.1"},
		{endpoint: "http://10.0.0.1:8080/", want: "http://10.0.0.1:8080"},
		{endpoint: " https://acme.orka.app/api/v1/ ", want: "https://acme.orka.app"},
		{endpoint: "https://proxy.example.com/orka/", want: "https://proxy.example.com/orka"},
		{endpoint: "", wantErr: "empty"},
		{endpoint: "acme.orka.app", wantErr: "must be an absolute URL"},
		{endpoint: "ftp://acme.orka.app", wantErr: "must be an absolute URL"},
		{endpoint: "https://", wantErr: "no host"},
		{endpoint: "https://:8080", wantErr: "no host"},
		{endpoint: "http://a b", wantErr: "not a valid URL"},
		{endpoint: "https://u:p@acme.orka.app", wantErr: "credentials"},
		{endpoint: "https://acme.orka.app/?x=1", wantErr: "query"},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			c, err := New(Config{Endpoint: tt.endpoint})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(tt.endpoint, "u:p@") && strings.Contains(err.Error(), "u:p") {
					t.Errorf("error repeats credentials: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Endpoint() != tt.want {
				t.Errorf("Endpoint() = %q, want %q", c.Endpoint(), tt.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{Endpoint: "http://x", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != DefaultMaxRetries || c.retryWaitMin != DefaultRetryWaitMin ||
		c.retryWaitMax != DefaultRetryWaitMax || c.retryAfterMax != DefaultRetryAfterMax ||
		c.http.Timeout != DefaultRequestTimeout || c.long.Timeout != 0 || c.userAgent != DefaultUserAgent {
		t.Errorf("defaults not applied: %+v", c)
	}
	c, _ = New(Config{Endpoint: "http://x"})
	if c.maxRetries != 0 {
		t.Errorf("MaxRetries 0 must mean no retries, got %d", c.maxRetries)
	}
}

func TestCACertificate(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reply(w, 200, `{"apiDomain":"tls.example"}`)
	}))
	defer ts.Close()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))
	ctx := context.Background()

	t.Run("invalid PEM", func(t *testing.T) {
		_, err := New(Config{Endpoint: ts.URL, CACertificatePEM: "not a certificate"})
		if err == nil || !strings.Contains(err.Error(), "PEM") {
			t.Fatalf("err = %v, want one saying the PEM is invalid", err)
		}
	})
	t.Run("custom CA trusted", func(t *testing.T) {
		c := newTestClient(t, ts.URL, func(cfg *Config) { cfg.CACertificatePEM = caPEM })
		info, err := c.ClusterInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.APIDomain != "tls.example" {
			t.Errorf("info = %+v", info)
		}
	})
	t.Run("unknown CA fails without retries", func(t *testing.T) {
		c := newTestClient(t, ts.URL)
		_, err := c.ClusterInfo(ctx)
		var te *TransportError
		if err == nil || !asTransport(err, &te) {
			t.Fatalf("err = %v, want a TransportError", err)
		}
		if te.Attempts != 1 {
			t.Errorf("certificate error retried: %d attempts", te.Attempts)
		}
		if IsUnavailable(err) {
			t.Errorf("certificate error reported as unavailable")
		}
		if !strings.Contains(err.Error(), "certificate") {
			t.Errorf("error does not mention the certificate: %v", err)
		}
	})
	t.Run("insecure skip verify", func(t *testing.T) {
		c := newTestClient(t, ts.URL, func(cfg *Config) { cfg.InsecureSkipVerify = true })
		if _, err := c.ClusterInfo(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRedirectNotFollowed(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, "https://elsewhere.example/api/v1/namespaces", http.StatusMovedPermanently)
	})
	c := newTestClient(t, fs.URL)
	err := c.CreateNamespace(context.Background(), "orka-ci", false)
	if err == nil || !strings.Contains(err.Error(), "301") || !strings.Contains(err.Error(), "https://elsewhere.example") {
		t.Fatalf("err = %v", err)
	}
	if fs.count() != 1 {
		t.Errorf("requests = %d", fs.count())
	}
}
