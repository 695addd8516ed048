package orkasim

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	base    = "/api/v1/namespaces/orka-default"
	cfgPath = base + "/vmconfigs"
	vmPath  = base + "/vms"
)

type env struct {
	t     *testing.T
	sim   *Server
	srv   *httptest.Server
	admin string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	sim := New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, srv: srv, admin: sim.AdminToken()}
}

type resp struct {
	code int
	body []byte
	hdr  http.Header
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// status decodes a Kubernetes Status body.
func (r resp) status(t *testing.T) status {
	t.Helper()
	var st status
	r.decode(t, &st)
	return st
}

// send makes one request with a token ("" = none) and a body (string as is, else JSON).
func (e *env) send(token, method, path string, body any) resp {
	e.t.Helper()
	r, err := e.try(token, method, path, body)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// try is send without t.Fatal, for goroutines.
func (e *env) try(token, method, path string, body any) (resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return resp{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		return resp{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	return resp{code: res.StatusCode, body: b, hdr: res.Header}, nil
}

func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	return e.send(e.admin, method, path, body)
}

// must asserts the code of an admin request and returns the answer.
func (e *env) must(code int, method, path string, body any) resp {
	e.t.Helper()
	r := e.do(method, path, body)
	if r.code != code {
		e.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.code, r.body, code)
	}
	return r
}

// expectError asserts an error answer: code, reason, and message fragments.
func expectError(t *testing.T, r resp, code int, reason string, frags ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("got %d %s, want %d", r.code, r.body, code)
	}
	st := r.status(t)
	if st.Kind != "Status" || st.APIVersion != "v1" || st.Status != "Failure" || st.Code != code || st.Reason != reason {
		t.Fatalf("bad Status body %s (want reason %s)", r.body, reason)
	}
	if r.hdr.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", r.hdr.Get("Content-Type"))
	}
	for _, f := range frags {
		if !strings.Contains(st.Message, f) {
			t.Errorf("message %q does not contain %q", st.Message, f)
		}
	}
}

func (e *env) createConfig(name string, extra map[string]any) VMConfig {
	e.t.Helper()
	body := map[string]any{"name": name, "image": "sequoia.orkasi"}
	for k, v := range extra {
		body[k] = v
	}
	var c VMConfig
	e.must(201, "POST", cfgPath, body).decode(e.t, &c)
	return c
}

func (e *env) deploy(ns string, body map[string]any) resp {
	e.t.Helper()
	return e.do("POST", "/api/v1/namespaces/"+ns+"/vms", body)
}

// mustDeploy deploys and returns the deploy answer, which carries only the documented fields.
func (e *env) mustDeploy(ns string, body map[string]any) DeployResponse {
	e.t.Helper()
	r := e.deploy(ns, body)
	if r.code != 201 {
		e.t.Fatalf("deploy %v: %d %s", body, r.code, r.body)
	}
	var vm DeployResponse
	r.decode(e.t, &vm)
	return vm
}

// getVM reads a VM back with the admin token.
func (e *env) getVM(ns, name string) VM {
	e.t.Helper()
	var vm VM
	e.must(200, "GET", "/api/v1/namespaces/"+ns+"/vms/"+name, nil).decode(e.t, &vm)
	return vm
}

// moveNode moves a node from the namespace it is in to ns through the admin route.
func (e *env) moveNode(node, from, to string) {
	e.t.Helper()
	e.must(200, "POST", "/api/v1/namespaces/"+from+"/nodes/"+node+"/namespace", map[string]any{"namespace": to})
}

func (e *env) createAccount(ns, name string) {
	e.t.Helper()
	e.must(201, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/"+name, nil)
}

func (e *env) token(ns, name string, body any) string {
	e.t.Helper()
	var tr TokenResponse
	e.must(201, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/"+name+"/token", body).decode(e.t, &tr)
	return tr.Token
}

// claims decodes the JWT payload.
func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload not base64url: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// eventually polls cond every few milliseconds for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// clock is an adjustable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTLSServer(t *testing.T, h http.Handler, cfg *tls.Config) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

func tlsClient(t *testing.T, caPEM []byte) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no certificate in PEM")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func (e *env) fault(f Fault) {
	e.t.Helper()
	if err := e.sim.AddFault(f); err != nil {
		e.t.Fatal(err)
	}
}
