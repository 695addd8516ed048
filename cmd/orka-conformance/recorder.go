package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
)

// exchange is one HTTP request the probe made and the answer it got.
type exchange struct {
	Method string
	Path   string
	Status int    // 0 when no answer came
	body   []byte // the raw answer; never printed (see recorder.excerpt)
	token  bool   // a token route: its body is never quoted at all
}

// recorder wraps the client's transport: it keeps each exchange, so that the report can quote
// the status and (redacted) body of an answer that contradicts the contract, and it rewrites a
// request body when the request's context asks for it (the json-decoding check).
type recorder struct {
	base http.RoundTripper

	mu        sync.Mutex
	exchanges []*exchange
	secrets   []string // literal values scrubbed from every excerpt
}

// maxRecordedBody bounds how much of an answer is kept.
const maxRecordedBody = 1 << 20

type rewriteKey struct{}

// withRewrite returns a context whose requests get their body passed through f first.
func withRewrite(ctx context.Context, f func([]byte) []byte) context.Context {
	return context.WithValue(ctx, rewriteKey{}, f)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if f, ok := req.Context().Value(rewriteKey{}).(func([]byte) []byte); ok && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = f(body)
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	ex := &exchange{Method: req.Method, Path: req.URL.EscapedPath(), token: strings.HasSuffix(req.URL.Path, "/token")}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRecordedBody))
	_ = resp.Body.Close()
	r.mu.Lock()
	ex.Status, ex.body = resp.StatusCode, body
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// addSecret makes sure a value (a minted token, a password) never appears in an excerpt.
func (r *recorder) addSecret(s string) {
	if s == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
}

// latest is the most recent exchange (the probe makes one request at a time), or nil.
func (r *recorder) latest() *exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exchanges) == 0 {
		return nil
	}
	return r.exchanges[len(r.exchanges)-1]
}

// all returns every exchange so far.
func (r *recorder) all() []*exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*exchange(nil), r.exchanges...)
}

// excerpt is what the report may show of an answer: redacted by the client's own rules, with
// every known secret scrubbed; nothing at all of a token route's answer.
func (r *recorder) excerpt(ex *exchange) string {
	if ex == nil {
		return ""
	}
	if ex.token {
		return "(a token route's answer is never shown)"
	}
	r.mu.Lock()
	secrets := append([]string(nil), r.secrets...)
	r.mu.Unlock()
	return redactedExcerpt(ex.body, secrets)
}

// scrubText removes every known secret from a message (errors quote Orka's own messages).
func (r *recorder) scrubText(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, secret := range r.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}
