package orka

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An endpoint written with the scheme its server does not speak is reported with the scheme
// the server does speak and the endpoint to write, at once (retrying cannot help), and not as a
// bad request, a certificate problem or an unreachable cluster.
func TestSchemeMismatchSaysWhichSchemeTheServerSpeaks(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"items":[]}`)
	})
	plain := httptest.NewServer(handler)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewUnstartedServer(handler)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	notTLS := rawServer(t, "SSH-2.0-OpenSSH_9.6\r\n")

	host := func(u string) string { return u[strings.Index(u, "://")+3:] }
	cases := []struct {
		name, endpoint, use, says string
	}{
		{"https to plain HTTP", "https://" + host(plain.URL), "http://" + host(plain.URL),
			"the endpoint speaks plain HTTP: use http://" + host(plain.URL)},
		{"http to TLS", "http://" + host(tlsSrv.URL), "https://" + host(tlsSrv.URL),
			"the endpoint speaks HTTPS: use https://" + host(tlsSrv.URL)},
		{"https to neither", "https://" + notTLS, "http://" + notTLS,
			"the endpoint does not speak TLS (its first bytes are not a TLS handshake); if it serves plain HTTP, use http://" + notTLS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client := newTestClient(t, c.endpoint, func(cfg *Config) { cfg.MaxRetries = 4 })
			for method, call := range map[string]func() error{
				"GET": func() error { _, err := client.ListVMs(context.Background(), "orka-ci"); return err },
				"POST": func() error {
					_, err := client.DeployVM(context.Background(), "orka-ci", DeployVMRequest{Name: "vm1"})
					return err
				},
			} {
				err := call()
				use, ok := IsSchemeMismatch(err)
				if !ok || use != c.use {
					t.Fatalf("%s: IsSchemeMismatch(%v) = %q, %v; want %q", method, err, use, ok, c.use)
				}
				if !strings.Contains(err.Error(), c.says) {
					t.Errorf("%s: Error() = %q, want it to say %q", method, err.Error(), c.says)
				}
				var te *TransportError
				if !errors.As(err, &te) || te.Attempts != 1 {
					t.Errorf("%s: %#v, want a TransportError after 1 attempt (retrying cannot help)", method, err)
				}
				if IsBadRequest(err) || IsUnreachable(err) || IsUnavailable(err) || IsAmbiguous(err) {
					t.Errorf("%s: misclassified: bad request %v, unreachable %v, unavailable %v, ambiguous %v", method,
						IsBadRequest(err), IsUnreachable(err), IsUnavailable(err), IsAmbiguous(err))
				}
			}
		})
	}
}

// A 400 that is Orka's own answer stays a bad request.
func TestBadRequestIsNotASchemeMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, statusJSON(400, "BadRequest", "cpu must be at least 2"))
	}))
	t.Cleanup(srv.Close)
	_, err := newTestClient(t, srv.URL).ListVMs(context.Background(), "orka-ci")
	if _, ok := IsSchemeMismatch(err); ok || !IsBadRequest(err) {
		t.Errorf("err = %v: want a bad request, not a scheme mismatch", err)
	}
}

// rawServer answers every connection with greeting and closes it: a port that speaks
// neither TLS nor HTTP.
func rawServer(t *testing.T, greeting string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(conn, greeting)
			_ = conn.Close()
		}
	}()
	return l.Addr().String()
}
