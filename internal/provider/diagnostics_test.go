package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// Each failure is described by its real cause, with the summary shared by every object it
// hits, and advice that fits that cause only.
func TestDescribeAPIError_namesTheRealCause(t *testing.T) {
	sim := orkasim.New(orkasim.Options{})
	plain := httptest.NewServer(sim)
	tlsSrv := httptest.NewTLSServer(sim)
	t.Cleanup(func() { sim.Close(); plain.Close(); tlsSrv.Close() })
	maintenance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(maintenance.Close)

	cases := []struct {
		name, endpoint, token string
		summary               string
		want, never           []string
	}{
		{
			name: "connection refused", endpoint: "http://127.0.0.1:1", token: "t",
			summary: summaryUnreachable,
			want:    []string{"nothing listens at 127.0.0.1:1 (connection refused)", "nothing listens on that port", "ORKA_ENDPOINT"},
			never:   []string{"maintenance", "terraform apply again", "VPN"},
		},
		{
			name: "https to a plain-HTTP server", endpoint: "https://" + strings.TrimPrefix(plain.URL, "http://"), token: "t",
			summary: summaryScheme,
			want:    []string{"the endpoint speaks plain HTTP: use " + plain.URL, "ORKA_ENDPOINT"},
			never:   []string{"ca_certificate", "network failure", "maintenance"},
		},
		{
			name: "http to a TLS server", endpoint: "http://" + strings.TrimPrefix(tlsSrv.URL, "https://"), token: "t",
			summary: summaryScheme,
			want:    []string{"the endpoint speaks HTTPS: use " + tlsSrv.URL, "ORKA_ENDPOINT"},
			never:   []string{"names the field", "network failure", "maintenance"},
		},
		{
			name: "unknown host", endpoint: "http://orka.invalid", token: "t",
			summary: summaryUnreachable,
			want:    []string{"unknown host"},
			never:   []string{"maintenance"},
		},
		{
			name: "untrusted certificate", endpoint: tlsSrv.URL, token: sim.AdminToken(),
			summary: summaryTLS,
			want:    []string{"ca_certificate", "ca_certificate_file", "ORKA_CA_CERTIFICATE_FILE", "insecure_skip_verify"},
			never:   []string{"maintenance", "orka3 CLI"},
		},
		{
			name: "maintenance window", endpoint: maintenance.URL, token: "t",
			summary: summaryUnavailable,
			want:    []string{"maintenance window", "Retry-After", "Run the same Terraform command again"},
			never:   []string{"terraform apply again"},
		},
		{
			name: "rejected token", endpoint: plain.URL, token: "not-a-token",
			summary: summaryTokenRejected,
			want:    []string{"orka3 serviceaccount token <name>", "ORKA_TOKEN"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client, err := orka.New(orka.Config{Endpoint: c.endpoint, Token: c.token, MaxRetries: 0,
				RequestTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err = client.ListVMs(ctx, "orka-ci")
			if err == nil {
				t.Fatal("the call succeeded")
			}
			summary, detail := describeAPIError(`Could not list the VMs in namespace "orka-ci"`, err)
			if summary != c.summary {
				t.Errorf("summary = %q, want %q (error: %v)", summary, c.summary, err)
			}
			if !strings.HasPrefix(detail, `Could not list the VMs in namespace "orka-ci".`) {
				t.Errorf("the detail does not start with the object it is about:\n%s", detail)
			}
			for _, w := range c.want {
				if !strings.Contains(detail, w) {
					t.Errorf("the detail lacks %q:\n%s", w, detail)
				}
			}
			for _, n := range c.never {
				if strings.Contains(detail, n) {
					t.Errorf("the detail says %q, which is not the cause:\n%s", n, detail)
				}
			}
		})
	}
}

// An error about one object keeps its own summary.
func TestDescribeAPIError_objectErrorsKeepTheirSummary(t *testing.T) {
	err := &orka.APIError{Method: "POST", Path: "/api/v1/namespaces/orka-ci/vms", StatusCode: 400, Message: "cpu: must be at least 2"}
	summary, detail := describeAPIError(`Could not deploy VM "runner-1"`, err)
	if summary != `Could not deploy VM "runner-1"` || !strings.Contains(detail, "names the field") {
		t.Errorf("got %q / %q", summary, detail)
	}
}

func TestTLSFailureIsNotUnavailable(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	client, err := orka.New(orka.Config{Endpoint: srv.URL, Token: "t", MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.ListImages(context.Background())
	if !orka.IsTLSFailure(err) || orka.IsUnreachable(err) || orka.IsServerUnavailable(err) {
		t.Fatalf("a certificate error is classified wrongly: %v", err)
	}
}

// A 403 names the orka3 command that grants the missing access, with the subject the token
// belongs to when the token says (a service account), and a placeholder for a user's email.
func TestForbiddenAdvice_namesTheGrantCommand(t *testing.T) {
	cases := []struct {
		token orka.TokenKind
		want  string
	}{
		{orka.TokenKind{ServiceAccount: true, Namespace: "orka-ci", Name: "ci-bot"},
			"`orka3 rb add-subject --namespace orka-ios --serviceaccount orka-ci:ci-bot`"},
		{orka.TokenKind{}, "`orka3 rb add-subject --namespace orka-ios --user <email>`"},
	}
	for _, c := range cases {
		err := &orka.APIError{Method: "GET", Path: "/api/v1/namespaces/orka-ios/vms", StatusCode: 403,
			Reason: "Forbidden", Message: "forbidden", Token: c.token}
		got := forbiddenAdvice(err)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: the advice lacks %s:\n%s", c.token, c.want, got)
		}
		if !strings.Contains(got, `read vms in namespace "orka-ios"`) {
			t.Errorf("%s: the advice does not name the permission and namespace:\n%s", c.token, got)
		}
	}
}
