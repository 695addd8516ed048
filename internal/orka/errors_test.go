package orka

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func asTransport(err error, te **TransportError) bool { return errors.As(err, te) }

func TestErrorMapping(t *testing.T) {
	pred := map[string]func(error) bool{
		"NotFound":     IsNotFound,
		"Conflict":     IsConflict,
		"Unauthorized": IsUnauthorized,
		"Forbidden":    IsForbidden,
		"BadRequest":   IsBadRequest,
		"Unavailable":  IsUnavailable,
		"Ambiguous":    IsAmbiguous,
	}
	tests := []struct {
		name     string
		status   int
		body     string
		header   map[string]string
		wantPred string // the one predicate that must hold ("" for none)
		wantText []string
	}{
		{
			name: "400 Status", status: 400, body: statusJSON(400, "BadRequest", `cpu: must be at least 2`),
			wantPred: "BadRequest", wantText: []string{"GET /api/v1/namespaces/orka-default/vms/x: 400 Bad Request (BadRequest): cpu: must be at least 2"},
		},
		{
			name: "401 Status", status: 401, body: statusJSON(401, "Unauthorized", "token expired"),
			wantPred: "Unauthorized", wantText: []string{"401 Unauthorized (Unauthorized): token expired"},
		},
		{
			name: "403 Status", status: 403, body: statusJSON(403, "Forbidden", "no access to namespace"),
			wantPred: "Forbidden", wantText: []string{"403 Forbidden (Forbidden): no access"},
		},
		{
			name: "404 Status", status: 404, body: statusJSON(404, "NotFound", `vm "x" not found`),
			wantPred: "NotFound", wantText: []string{`GET /api/v1/namespaces/orka-default/vms/x: 404 Not Found (NotFound): vm "x" not found`},
		},
		{
			name: "409 Status", status: 409, body: statusJSON(409, "AlreadyExists", "exists"),
			wantPred: "Conflict", wantText: []string{"409 Conflict (AlreadyExists): exists"},
		},
		{
			name: "500 Status", status: 500, body: statusJSON(500, "InternalError", "boom"),
			wantText: []string{"500 Internal Server Error (InternalError): boom"},
		},
		{
			name: "503 Status with Retry-After", status: 503, body: statusJSON(503, "ServiceUnavailable", "maintenance"),
			header: map[string]string{"Retry-After": "120"}, wantPred: "Unavailable",
			wantText: []string{"503 Service Unavailable (ServiceUnavailable): maintenance", "Retry-After 2m0s"},
		},
		{name: "404 empty body", status: 404, wantPred: "NotFound", wantText: []string{"GET /api/v1/namespaces/orka-default/vms/x: 404 Not Found"}},
		{name: "401 empty body", status: 401, wantPred: "Unauthorized", wantText: []string{"401 Unauthorized"}},
		{name: "500 empty body", status: 500, wantText: []string{"500 Internal Server Error"}},
		{
			name: "403 non-JSON", status: 403, body: "<html><body>Forbidden by\n  proxy</body></html>",
			wantPred: "Forbidden", wantText: []string{"403 Forbidden: <html><body>Forbidden by proxy</body></html>"},
		},
		{
			name: "500 long non-JSON is cut", status: 500, body: strings.Repeat("x", 1000),
			wantText: []string{"500 Internal Server Error: " + strings.Repeat("x", maxExcerpt) + "..."},
		},
		{
			name: "409 message only", status: 409, body: `{"message":"vm config ci already exists"}`,
			wantPred: "Conflict", wantText: []string{"409 Conflict: vm config ci already exists"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				if tt.body == "" {
					w.WriteHeader(tt.status)
					return
				}
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
			_, err := c.GetVM(context.Background(), "", "x")
			if err == nil {
				t.Fatal("no error")
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status {
				t.Fatalf("err = %#v, want an APIError with %d", err, tt.status)
			}
			if ae.Method != "GET" || ae.Path != "/api/v1/namespaces/orka-default/vms/x" || ae.Attempts != 1 {
				t.Errorf("APIError = %+v", ae)
			}
			for name, p := range pred {
				if got := p(err); got != (name == tt.wantPred) {
					t.Errorf("Is%s = %v", name, got)
				}
				// Wrapping must not matter.
				if got := p(fmt.Errorf("reading vm: %w", err)); got != (name == tt.wantPred) {
					t.Errorf("Is%s on a wrapped error = %v", name, got)
				}
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Error() = %q, want it to contain %q", err.Error(), s)
				}
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("Error() leaks token or host: %q", err.Error())
			}
			ra, ok := RetryAfterOf(err)
			if _, want := tt.header["Retry-After"]; ok != want || (ok && ra != 2*time.Minute) {
				t.Errorf("RetryAfterOf = %v, %v", ra, ok)
			}
		})
	}
}

func TestErrorBodyEchoingTokenIsScrubbed(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		reply(w, 400, "bad request; you sent Authorization: "+r.Header.Get("Authorization"))
	})
	c := newTestClient(t, fs.URL)
	err := c.Probe(context.Background())
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorTypesText(t *testing.T) {
	amb := &AmbiguousError{Method: "POST", Path: "/api/v1/namespaces/orka-ci/vms", Err: errors.New("EOF")}
	if !strings.Contains(amb.Error(), "POST /api/v1/namespaces/orka-ci/vms") || !strings.Contains(amb.Error(), "EOF") {
		t.Errorf("AmbiguousError text: %q", amb.Error())
	}
	if IsUnavailable(amb) || !IsAmbiguous(fmt.Errorf("x: %w", amb)) {
		t.Errorf("predicates on AmbiguousError")
	}
	te := &TransportError{Method: "GET", Path: "/api/v1/namespaces", Err: errors.New("connection refused"), Attempts: 5}
	if !strings.Contains(te.Error(), "after 5 attempts") || !IsUnavailable(fmt.Errorf("x: %w", te)) {
		t.Errorf("TransportError: %q", te.Error())
	}
	cancelled := &TransportError{Method: "GET", Path: "/", Err: context.Canceled}
	if IsUnavailable(cancelled) {
		t.Errorf("a cancelled call is not an unavailable API")
	}
	if IsNotFound(nil) || IsUnavailable(nil) || IsAmbiguous(nil) {
		t.Errorf("predicates on nil")
	}
	if _, ok := RetryAfterOf(errors.New("x")); ok {
		t.Errorf("RetryAfterOf on a plain error")
	}
}
