package orka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Debug logging of every attempt through terraform-plugin-log, with secrets redacted: no
// header is logged (so never Authorization), JSON fields with secret names are replaced by
// "***" at any depth, whole token responses are replaced, and the bearer token is scrubbed
// from anything else that is logged.

// redacted replaces a secret value in logs.
const redacted = "***"

// maxLoggedBody bounds a logged body.
const maxLoggedBody = 16 << 10

// secretKeys are JSON field names (compared case-insensitively) whose values are never logged.
var secretKeys = map[string]bool{
	"token":        true,
	"password":     true,
	"accesstoken":  true,
	"refreshtoken": true,
	"idtoken":      true,
	"secret":       true,
	"clientsecret": true,
}

// callInfoKey carries a *callInfo in a request's context to the logging transport.
type callInfoKey struct{}

// callInfo is what the logging transport needs to know about the call an attempt belongs to.
type callInfo struct {
	requestBody    string   // already redacted
	secretResponse bool     // log no byte of the response body
	secrets        []string // literal values to scrub (the bearer token)
	attempt        atomic.Int32
}

// redactBody makes a body safe to log.
func (ci *callInfo) redactBody(body []byte, whole bool) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return ""
	}
	if whole {
		return fmt.Sprintf("%s (%d bytes redacted)", redacted, len(body))
	}
	s := string(body)
	if mayHoldSecretField(body) {
		if out, ok := redactJSON(body); ok {
			s = out
		}
	}
	s = ci.scrub(s)
	if len(s) > maxLoggedBody {
		s = strings.ToValidUTF8(s[:maxLoggedBody], "") + "...(truncated)"
	}
	return s
}

func (ci *callInfo) scrub(s string) string {
	for _, secret := range ci.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// mayHoldSecretField reports whether a body could hold a secret field: it names one of the
// secret keys (in any case), or escapes characters, which could spell one. A body that cannot
// skips the JSON round trip, most of the cost of logging a large list.
func mayHoldSecretField(body []byte) bool {
	if bytes.Contains(body, []byte(`\u`)) {
		return true
	}
	lower := bytes.ToLower(body)
	for k := range secretKeys {
		if bytes.Contains(lower, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

// redactJSON re-encodes a JSON body with every secret field's value replaced. ok is false when
// the body is not JSON.
func redactJSON(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false
	}
	if dec.More() {
		return "", false
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return "", false
	}
	return string(out), true
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretKeys[strings.ToLower(k)] {
				x[k] = redacted
			} else {
				x[k] = redactValue(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
	}
	return v
}

// loggingTransport logs each attempt (method, path, status, duration, redacted bodies) and
// buffers the response body, so that a connection that drops mid-body is a failed attempt
// (retried or reported as ambiguous) rather than a surprise for the decoder.
type loggingTransport struct {
	base http.RoundTripper
}

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	info, _ := ctx.Value(callInfoKey{}).(*callInfo)
	if info == nil {
		info = &callInfo{}
	}
	fields := map[string]any{
		"orka_method":  req.Method,
		"orka_path":    req.URL.EscapedPath(),
		"orka_attempt": info.attempt.Add(1),
	}
	reqFields := map[string]any{}
	if info.requestBody != "" {
		reqFields["orka_request_body"] = info.requestBody
	}
	tflog.Debug(ctx, "Orka API request", fields, reqFields)

	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		tflog.Debug(ctx, "Orka API request failed", fields, map[string]any{
			"orka_duration_ms": time.Since(start).Milliseconds(),
			"error":            info.scrub(err.Error()),
		})
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	_ = resp.Body.Close()
	if err == nil && len(body) > maxBodyBytes {
		err = fmt.Errorf("response body larger than %d bytes", maxBodyBytes)
	}
	if err != nil {
		tflog.Debug(ctx, "Orka API response body could not be read", fields, map[string]any{
			"orka_status":      resp.StatusCode,
			"orka_duration_ms": time.Since(start).Milliseconds(),
			"error":            info.scrub(err.Error()),
		})
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))

	respFields := map[string]any{
		"orka_status":      resp.StatusCode,
		"orka_duration_ms": time.Since(start).Milliseconds(),
	}
	if b := info.redactBody(body, info.secretResponse); b != "" {
		respFields["orka_response_body"] = b
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		respFields["orka_retry_after"] = ra
	}
	tflog.Debug(ctx, "Orka API response", fields, respFields)
	return resp, nil
}
