package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// rawClient makes the requests the provider's client has no method for: routes MacStadium
// documents that the client does not call (image deletion, the .../cache/images family), a
// deploy without a name, a read without a token, a save with a description. It goes through
// the same transport as the client (TLS settings and the recorder), so that every exchange is
// recorded and may be quoted, but it never retries a POST and decodes nothing: the checks look
// at the status and the raw body themselves.
type rawClient struct {
	endpoint string
	token    string // "" sends no Authorization header
	hc       *http.Client
	// retryWait is the pause before a GET or DELETE is tried again after a transport error
	// or a 502, 503 or 504 (at most twice).
	retryWait time.Duration
}

// rawTimeout bounds each attempt of a raw request but a deploy (which is synchronous: Orka
// answers when the VM runs or its own timeout ran out).
const rawTimeout = time.Minute

// withToken is a copy of r that sends another token ("" for none).
func (r *rawClient) withToken(token string) *rawClient {
	c := *r
	c.token = token
	return &c
}

// apiRoute joins path segments under /api/v1, escaping each one (an image reference with
// slashes stays one segment), as the client's own routes do.
func apiRoute(segments ...string) string {
	var b strings.Builder
	b.WriteString("/api/v1")
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// do sends one request and returns the answer as an exchange; err is set only when no answer
// came. body is nil (none), []byte (sent as is) or JSON-encoded.
func (r *rawClient) do(ctx context.Context, method, path string, body any) (*exchange, error) {
	return r.send(ctx, method, path, body, rawTimeout)
}

// deploy sends a deploy, which may take as long as Orka's own timeout; ctx bounds it.
func (r *rawClient) deploy(ctx context.Context, path string, body any) (*exchange, error) {
	return r.send(ctx, http.MethodPost, path, body, 0)
}

func (r *rawClient) send(ctx context.Context, method, path string, body any, timeout time.Duration) (*exchange, error) {
	var payload []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		payload = b
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("%s %s: encoding the body: %w", method, path, err)
		}
	}
	attempts := 1
	if method == http.MethodGet || method == http.MethodDelete {
		attempts = 3
	}
	var lastErr error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(r.retryWait):
			}
		}
		ex, err := r.once(ctx, method, path, payload, timeout)
		if err == nil && ex.Status != http.StatusBadGateway && ex.Status != http.StatusServiceUnavailable &&
			ex.Status != http.StatusGatewayTimeout {
			return ex, nil
		}
		if err == nil && i == attempts-1 {
			return ex, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func (r *rawClient) once(ctx context.Context, method, path string, payload []byte, timeout time.Duration) (*exchange, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.endpoint+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "orka-conformance/"+version)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: no answer: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRecordedBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return &exchange{Method: method, Path: req.URL.EscapedPath(), Status: resp.StatusCode, body: body}, nil
}

// ok says whether an answer is a success.
func (ex *exchange) ok() bool { return ex != nil && ex.Status >= 200 && ex.Status <= 299 }

// routeMissing says whether an answer is what a server gives for a route it does not serve:
// 405, or 404 with a body that is not a Kubernetes Status (Go's "404 page not found"). A 404
// with a Status body is an answer about an object (not found), from a route that exists.
func routeMissing(ex *exchange) bool {
	return ex != nil && (ex.Status == http.StatusMethodNotAllowed || ex.Status == http.StatusNotFound && !isStatusBody(ex))
}

// describe is a short account of an answer for a report's details.
func describe(ex *exchange) string {
	if ex == nil {
		return "no answer"
	}
	s := fmt.Sprintf("%s %s -> %d", ex.Method, ex.Path, ex.Status)
	switch {
	case ex.ok():
	case isStatusBody(ex):
		var st struct {
			Reason string `json:"reason"`
		}
		_ = json.Unmarshal(ex.body, &st)
		s += " Status " + st.Reason
	case len(bytes.TrimSpace(ex.body)) == 0:
		s += " (empty body)"
	default:
		s += " (not a Status body)"
	}
	return s
}

// objectKeys returns the keys of a JSON object that are present with a value other than null.
func objectKeys(obj map[string]json.RawMessage) []string {
	var keys []string
	for k, v := range obj {
		if string(bytes.TrimSpace(v)) != "null" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// jsonObject decodes a JSON object; nil when the body is not one.
func jsonObject(body []byte) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return nil
	}
	return obj
}

// listItem finds the item named name in a {"items": [...]} answer; nil when it is not there.
func listItem(body []byte, name string) map[string]json.RawMessage {
	var list struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if json.Unmarshal(body, &list) != nil {
		return nil
	}
	for _, it := range list.Items {
		var n string
		if json.Unmarshal(it["name"], &n) == nil && n == name {
			return it
		}
	}
	return nil
}

// stringField reads a string field of a decoded object ("" when absent or not a string).
func stringField(obj map[string]json.RawMessage, key string) string {
	var s string
	_ = json.Unmarshal(obj[key], &s)
	return s
}
