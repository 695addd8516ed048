package orka

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRetryPolicy runs one call against a server that answers attempt n with script(n).
func TestRetryPolicy(t *testing.T) {
	const (
		ok      = 200
		dropped = -1 // hijack and close the connection without answering
	)
	tests := []struct {
		name       string
		method     string
		script     []int // answer per attempt; the last one repeats
		retryAfter string
		wantCalls  int  // exact number of requests the server saw; 0 means "at least 2"
		wantErr    bool // whether the call fails
		check      func(t *testing.T, err error)
	}{
		{name: "GET 503 then success", method: "GET", script: []int{503, ok}, wantCalls: 2},
		{name: "GET 502 then success", method: "GET", script: []int{502, ok}, wantCalls: 2},
		{name: "GET 504 then success", method: "GET", script: []int{504, ok}, wantCalls: 2},
		// Orka saying it is away for longer than the cap (a maintenance window) is not waited for.
		{name: "GET 503 with Retry-After beyond the cap fails at once", method: "GET", script: []int{503, ok}, retryAfter: "3600", wantCalls: 1, wantErr: true,
			check: func(t *testing.T, err error) {
				if ra, ok := RetryAfterOf(err); !IsUnavailable(err) || !ok || ra != time.Hour {
					t.Errorf("err = %v, RetryAfterOf = %v, %v", err, ra, ok)
				}
			}},
		{name: "GET 500 not retried", method: "GET", script: []int{500, ok}, wantCalls: 1, wantErr: true},
		{name: "GET 404 not retried", method: "GET", script: []int{404, ok}, wantCalls: 1, wantErr: true,
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "GET dropped connection retried", method: "GET", script: []int{dropped, ok}},
		{name: "DELETE 502 retried", method: "DELETE", script: []int{502, 502, ok}, wantCalls: 3},
		{name: "DELETE dropped connection retried", method: "DELETE", script: []int{dropped, ok}},
		{name: "POST 503 retried", method: "POST", script: []int{503, ok}, wantCalls: 2},
		{name: "POST 429 retried", method: "POST", script: []int{429, ok}, wantCalls: 2},
		{name: "POST dropped connection is ambiguous, not resent", method: "POST", script: []int{dropped, ok}, wantCalls: 1, wantErr: true,
			check: func(t *testing.T, err error) {
				var amb *AmbiguousError
				if !errors.As(err, &amb) || amb.Method != "POST" || amb.Path != "/api/v1/namespaces/orka-ci/vms" {
					t.Errorf("err = %#v, want an AmbiguousError", err)
				}
				if IsUnavailable(err) {
					t.Errorf("a dropped POST is ambiguous, not unavailable")
				}
			}},
		{name: "POST 502 is ambiguous, not resent", method: "POST", script: []int{502, ok}, wantCalls: 1, wantErr: true,
			check: func(t *testing.T, err error) {
				var ae *APIError
				if !IsAmbiguous(err) || !errors.As(err, &ae) || ae.StatusCode != 502 {
					t.Errorf("err = %#v, want an AmbiguousError wrapping the 502", err)
				}
			}},
		{name: "POST 504 is ambiguous, not resent", method: "POST", script: []int{504, ok}, wantCalls: 1, wantErr: true,
			check: func(t *testing.T, err error) {
				if !IsAmbiguous(err) {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "POST 409 not retried", method: "POST", script: []int{409, ok}, wantCalls: 1, wantErr: true,
			check: func(t *testing.T, err error) {
				if !IsConflict(err) || IsAmbiguous(err) {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "GET retries exhausted keeps last status and message", method: "GET", script: []int{503}, wantCalls: 4, wantErr: true,
			check: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Attempts != 4 || ae.Message != "maintenance window" {
					t.Fatalf("err = %#v", err)
				}
				if !IsUnavailable(err) || !strings.Contains(err.Error(), "maintenance window") ||
					!strings.Contains(err.Error(), "gave up after 4 attempts") {
					t.Errorf("Error() = %q", err.Error())
				}
			}},
		{name: "POST retries exhausted on 503", method: "POST", script: []int{503}, wantCalls: 4, wantErr: true,
			check: func(t *testing.T, err error) {
				var ae *APIError
				if IsAmbiguous(err) || !errors.As(err, &ae) || ae.Attempts != 4 {
					t.Errorf("err = %#v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				code := tt.script[min(n, len(tt.script))-1]
				switch code {
				case dropped:
					hijackAndClose(t, w)
				case ok:
					reply(w, 201, `{"name":"vm1","status":"Running"}`)
				default:
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					reply(w, code, statusJSON(code, "ServiceUnavailable", "maintenance window"))
				}
			})
			c := newTestClient(t, fs.URL)
			// A deadline far below any honoured Retry-After: the cap must keep us well inside it.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			switch tt.method {
			case "GET":
				_, err = c.GetVM(ctx, "orka-ci", "vm1")
			case "DELETE":
				err = c.DeleteVM(ctx, "orka-ci", "vm1")
			case "POST":
				_, err = c.DeployVM(ctx, "orka-ci", DeployVMRequest{Name: "vm1", VMConfig: "ci"})
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if ctx.Err() != nil {
				t.Fatalf("the call outlived its deadline: Retry-After was not capped")
			}
			calls := fs.count()
			if tt.wantCalls == 0 && calls < 2 || tt.wantCalls > 0 && calls != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d (0 = at least 2)", calls, tt.wantCalls)
			}
			for _, r := range fs.requests() {
				if r.Method != tt.method {
					t.Errorf("method %s, want %s", r.Method, tt.method)
				}
				if tt.method == "POST" && r.Body == "" {
					t.Errorf("a resent POST lost its body")
				}
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

// closedAddress returns the URL of a port where nothing listens.
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// A refused connection is retried once, whatever the method (the request surely did not reach
// the server), and then reported as what it is: nothing listens there. The remaining retries
// would only delay the error by the whole backoff.
func TestConnectionRefusedIsRetriedOnceForEveryMethod(t *testing.T) {
	endpoint := closedAddress(t)
	c := newTestClient(t, endpoint, func(cfg *Config) { cfg.MaxRetries = 4 })
	ctx := context.Background()
	calls := map[string]func() error{
		"GET":    func() error { _, err := c.GetVM(ctx, "orka-ci", "vm1"); return err },
		"DELETE": func() error { return c.DeleteVM(ctx, "orka-ci", "vm1") },
		"POST": func() error {
			_, err := c.DeployVM(ctx, "orka-ci", DeployVMRequest{Name: "vm1"})
			return err
		},
	}
	for method, call := range calls {
		t.Run(method, func(t *testing.T) {
			err := call()
			var te *TransportError
			if !errors.As(err, &te) {
				t.Fatalf("err = %#v, want a TransportError", err)
			}
			if te.Attempts != maxRefusedAttempts {
				t.Errorf("attempts = %d, want %d: a second refusal ends the call", te.Attempts, maxRefusedAttempts)
			}
			if want := "nothing listens at " + strings.TrimPrefix(endpoint, "http://") + " (connection refused)"; !strings.Contains(err.Error(), want) {
				t.Errorf("Error() = %q, want it to say %q", err.Error(), want)
			}
			if IsAmbiguous(err) || !IsUnavailable(err) {
				t.Errorf("refused connection: ambiguous=%v unavailable=%v", IsAmbiguous(err), IsUnavailable(err))
			}
			if !strings.Contains(err.Error(), method+" /api/v1/namespaces/orka-ci/vms") || !strings.Contains(err.Error(), "refused") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			select { // hang until the client gives up on this attempt
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		reply(w, 200, `{"name":"vm1","status":"Running"}`)
	})
	ctx := context.Background()

	t.Run("GET is retried after a timed-out attempt", func(t *testing.T) {
		c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.RequestTimeout = 20 * time.Millisecond })
		if _, err := c.GetVM(ctx, "orka-ci", "vm1"); err != nil {
			t.Fatal(err)
		}
		if fs.count() != 2 {
			t.Errorf("requests = %d", fs.count())
		}
	})
	t.Run("POST that timed out is ambiguous", func(t *testing.T) {
		fs.mu.Lock()
		fs.reqs = nil
		fs.mu.Unlock()
		c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.RequestTimeout = 20 * time.Millisecond })
		err := c.CreateNamespace(ctx, "orka-ci", false)
		if !IsAmbiguous(err) || fs.count() != 1 {
			t.Fatalf("err = %v, requests = %d", err, fs.count())
		}
	})
}

func TestDeployVMHasNoPerAttemptTimeout(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		time.Sleep(30 * time.Millisecond)
		reply(w, 201, `{"name":"vm1","status":"Running"}`)
	})
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.RequestTimeout = 5 * time.Millisecond })
	vm, err := c.DeployVM(context.Background(), "orka-ci", DeployVMRequest{Name: "vm1", VMConfig: "ci"})
	if err != nil || vm.Status != VMStatusRunning {
		t.Fatalf("DeployVM = %+v, %v", vm, err)
	}
	if fs.count() != 1 {
		t.Errorf("requests = %d", fs.count())
	}
}

func TestContextEndsWhileWaitingForRetryAfter(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "3600")
		reply(w, 503, statusJSON(503, "ServiceUnavailable", "maintenance window"))
	})
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.RetryAfterMax = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := c.CreateNamespace(ctx, "orka-ci", false)
	if !errors.Is(err, context.DeadlineExceeded) || !IsUnavailable(err) || IsAmbiguous(err) {
		t.Fatalf("err = %v: want the 503 and the deadline", err)
	}
	if ra, ok := RetryAfterOf(err); !ok || ra != time.Hour {
		t.Errorf("RetryAfterOf = %v, %v", ra, ok)
	}
	if !strings.Contains(err.Error(), "maintenance window") {
		t.Errorf("Error() = %q", err.Error())
	}
	if fs.count() != 1 {
		t.Errorf("requests = %d", fs.count())
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	fs := newFakeServer(t, nil)
	c := newTestClient(t, fs.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.DeployVM(ctx, "orka-ci", DeployVMRequest{Name: "vm1"})
	if !errors.Is(err, context.Canceled) || IsAmbiguous(err) || IsUnavailable(err) {
		t.Fatalf("err = %v", err)
	}
	if fs.count() != 0 {
		t.Errorf("requests = %d", fs.count())
	}
}

func TestBackoff(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	withRA := func(v string) *http.Response {
		return &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": []string{v}}}
	}
	tests := []struct {
		name          string
		min, max, cap time.Duration
		attempt       int
		resp          *http.Response
		lo, hi        time.Duration
	}{
		{name: "Retry-After seconds capped", min: time.Second, max: 30 * time.Second, cap: 10 * time.Millisecond, resp: withRA("3600"), lo: 10 * time.Millisecond, hi: 10 * time.Millisecond},
		{name: "Retry-After seconds honoured", min: time.Second, max: 30 * time.Second, cap: time.Minute, resp: withRA("7"), lo: 7 * time.Second, hi: 7 * time.Second},
		{name: "Retry-After date honoured", min: time.Second, max: 30 * time.Second, cap: time.Minute, resp: withRA(now.Add(20 * time.Second).Format(http.TimeFormat)), lo: 20 * time.Second, hi: 20 * time.Second},
		{name: "Retry-After date capped", min: time.Second, max: 30 * time.Second, cap: time.Minute, resp: withRA(now.Add(3 * time.Hour).Format(http.TimeFormat)), lo: time.Minute, hi: time.Minute},
		{name: "Retry-After in the past ignored", min: time.Second, max: 30 * time.Second, cap: time.Minute, resp: withRA(now.Add(-time.Hour).Format(http.TimeFormat)), lo: time.Second, hi: 1500 * time.Millisecond},
		{name: "Retry-After garbage ignored", min: time.Second, max: 30 * time.Second, cap: time.Minute, resp: withRA("soon"), lo: time.Second, hi: 1500 * time.Millisecond},
		{name: "first retry waits about min", min: time.Second, max: 30 * time.Second, cap: time.Minute, attempt: 0, lo: time.Second, hi: 1500 * time.Millisecond},
		{name: "exponential with jitter", min: time.Second, max: 30 * time.Second, cap: time.Minute, attempt: 3, lo: 4 * time.Second, hi: 8 * time.Second},
		{name: "capped at max", min: time.Second, max: 30 * time.Second, cap: time.Minute, attempt: 20, lo: 15 * time.Second, hi: 30 * time.Second},
		{name: "huge attempt does not overflow", min: time.Second, max: 30 * time.Second, cap: time.Minute, attempt: 1000, lo: 15 * time.Second, hi: 30 * time.Second},
		{name: "no Retry-After on 502", min: time.Millisecond, max: 2 * time.Millisecond, cap: time.Minute, attempt: 1, resp: &http.Response{StatusCode: 502, Header: http.Header{}}, lo: time.Millisecond, hi: 2 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				got := backoff(tt.min, tt.max, tt.cap, tt.attempt, tt.resp, now)
				if got < tt.lo || got > tt.hi {
					t.Fatalf("backoff = %v, want within [%v, %v]", got, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, false},
		{"-5", 0, false},
		{" 90 ", 90 * time.Second, true},
		{now.Add(time.Minute).Format(http.TimeFormat), time.Minute, true},
		{"Thu, 01 Jan 1970 00:00:00 GMT", 0, false},
		{"later", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
