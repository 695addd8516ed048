package orka

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testToken = "test-bearer-token-3f9a"

// recorded is one request as the fake server saw it.
type recorded struct {
	Method string
	Path   string // escaped
	Body   string
	Header http.Header
}

// fakeServer records every request and answers with respond.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	respond func(w http.ResponseWriter, r *http.Request, n int)
}

func newFakeServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *fakeServer {
	t.Helper()
	fs := &fakeServer{respond: respond}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.reqs = append(fs.reqs, recorded{Method: r.Method, Path: r.URL.EscapedPath(), Body: string(body), Header: r.Header.Clone()})
		n := len(fs.reqs)
		fs.mu.Unlock()
		if fs.respond != nil {
			fs.respond(w, r, n)
		}
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fakeServer) requests() []recorded {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]recorded(nil), fs.reqs...)
}

func (fs *fakeServer) count() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.reqs)
}

// testConfig has tiny waits so that retry tests take milliseconds.
func testConfig(endpoint string) Config {
	return Config{
		Endpoint:       endpoint,
		Token:          testToken,
		MaxRetries:     3,
		RequestTimeout: 5 * time.Second,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   2 * time.Millisecond,
		RetryAfterMax:  5 * time.Millisecond,
	}
}

func newTestClient(t *testing.T, endpoint string, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := testConfig(endpoint)
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// reply writes a status and a body.
func reply(w http.ResponseWriter, status int, body string) {
	if body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// hijackAndClose carries out nothing more: it drops the connection without any answer.
func hijackAndClose(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Errorf("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

func statusJSON(code int, reason, message string) string {
	b, _ := json.Marshal(map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{}, "status": "Failure",
		"message": message, "reason": reason, "code": code,
	})
	return string(b)
}
