package orka

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// APIError is an HTTP answer outside 2xx. It carries what a person needs to act (method, path,
// status, Orka's reason and message) and nothing of the request: no host credentials, no
// headers, no body.
type APIError struct {
	Method string
	Path   string // URL path only
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Reason is the Kubernetes Status "reason" (e.g. "NotFound") when the body had one.
	Reason string
	// Message is Orka's "message" when the body had one.
	Message string
	// BodyExcerpt is up to maxExcerpt bytes of a body that had no message (an HTML page from a
	// proxy, plain text), so the error still says something useful.
	BodyExcerpt string
	// RetryAfter is the parsed Retry-After header (seconds or HTTP date), 0 if none. It is
	// Orka's word, not capped.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
	// Token is what the client knew about the token it sent, so that a 403 can say whose
	// rights fell short.
	Token TokenKind
	// Credential describes the rejected token of a 401 (nil on other answers).
	Credential *Credential
	// noStatus is set when the body was no Kubernetes Status (plain text, HTML, nothing): a
	// 404 of that kind is what a server without the route answers (IsRouteMissing). An
	// APIError built by hand leaves it unset, so it never looks like a missing route.
	noStatus bool
}

// Namespace is the namespace the request addressed, from its path; "" for cluster-wide routes
// (the namespace list itself, cluster-info).
func (e *APIError) Namespace() string {
	rest, ok := strings.CutPrefix(e.Path, apiPrefix+"/namespaces/")
	if !ok {
		return ""
	}
	ns, _, _ := strings.Cut(rest, "/")
	if u, err := url.PathUnescape(ns); err == nil {
		return u
	}
	return ns
}

// Permission names what the request needed, such as `create vms` or `list
// secrets/registrycredentials`, from its method and path.
func (e *APIError) Permission() string {
	rest, _ := strings.CutPrefix(e.Path, apiPrefix+"/")
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	kind := "namespaces"
	if len(segs) >= 3 && segs[0] == "namespaces" {
		kind = segs[2]
		if kind == "secrets" && len(segs) >= 4 {
			kind += "/" + segs[3]
		}
	}
	verb := map[string]string{http.MethodGet: "read", http.MethodPost: "create", http.MethodDelete: "delete",
		http.MethodPut: "update", http.MethodPatch: "update"}[e.Method]
	if verb == "" {
		verb = strings.ToLower(e.Method)
	}
	return verb + " " + kind
}

// maxExcerpt bounds BodyExcerpt.
const maxExcerpt = 200

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, " (%s)", e.Reason)
	}
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.BodyExcerpt != "":
		b.WriteString(": " + e.BodyExcerpt)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (Retry-After %s)", e.RetryAfter.Round(time.Second))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", e.Attempts)
	}
	return b.String()
}

// AmbiguousError is a non-idempotent request (POST) that may have reached Orka but got no
// usable answer: the connection dropped after sending, the answer timed out, or a proxy said
// 502/504. It was not resent. The caller should look the object up by name and adopt it, or
// create it only when it is absent.
type AmbiguousError struct {
	Method string
	Path   string
	Err    error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %s: no usable answer, so the request may or may not have been carried out "+
		"(not resent): %s", e.Method, e.Path, causeText(e.Err))
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// TransportError is a request that got no HTTP answer at all (connection refused, DNS failure,
// TLS failure, timeouts) after its retries.
type TransportError struct {
	Method   string
	Path     string
	Err      error
	Attempts int
}

func (e *TransportError) Error() string {
	attempts := ""
	if e.Attempts > 1 {
		attempts = fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if addr := refusedAddress(e.Err); addr != "" {
		return fmt.Sprintf("%s %s: no answer from Orka%s: nothing listens at %s (connection refused)",
			e.Method, e.Path, attempts, addr)
	}
	var mm *SchemeMismatchError
	if errors.As(e.Err, &mm) {
		return fmt.Sprintf("%s %s: %s", e.Method, e.Path, mm.Error())
	}
	return fmt.Sprintf("%s %s: no answer from Orka%s: %s", e.Method, e.Path, attempts, causeText(e.Err))
}

func (e *TransportError) Unwrap() error { return e.Err }

// causeText shows an error without net/http's `Get "https://host/...":` prefix: our errors
// already name method and path.
func causeText(err error) string {
	if err == nil {
		return "unknown error"
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil && err == error(ue) { //nolint:errorlint // unwrap only a bare *url.Error
		return ue.Err.Error()
	}
	return err.Error()
}

func statusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsRouteMissing reports an answer that says the server has no such route, as opposed to
// Orka refusing the request: a 405, or a 404 whose body is no Kubernetes Status (Go's
// plain-text "404 page not found", an HTML page, nothing). A 404 that carries a Status (such as
// "image X is not cached") is Orka's own answer, not a missing route. A *RouteMissingError is
// a missing route too.
func IsRouteMissing(err error) bool {
	var rm *RouteMissingError
	if errors.As(err, &rm) {
		return true
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.StatusCode == http.StatusMethodNotAllowed || (ae.StatusCode == http.StatusNotFound && ae.noStatus)
}

// RouteMissingError is an operation for which the cluster served neither the documented route
// nor the older one: both answered as a server without the route does (IsRouteMissing). It
// does not unwrap to those answers, so that IsNotFound is false: a missing route proves nothing
// about the object.
type RouteMissingError struct {
	// Operation says what was attempted, such as "list the image caches".
	Operation string
	// Documented and Older are the two answers.
	Documented, Older *APIError
}

func (e *RouteMissingError) Error() string {
	return fmt.Sprintf("cannot %s: this Orka cluster serves neither the documented route (%s) nor the "+
		"older one (%s); check that the endpoint is the Orka API and that the cluster runs Orka 3.2 or "+
		"later, which added image caching", e.Operation, e.Documented, e.Older)
}

// ImageCachePartialError is an image-cache add or remove that Orka accepted (207 Multi-Status)
// but that failed on some or all of the selected nodes. The other nodes went ahead.
type ImageCachePartialError struct {
	Method, Path string
	// Action is "add" or "remove".
	Action string
	Image  string
	// Results is every node Orka reported on; Failed picks the failures.
	Results []ImageCacheResult
}

// Failed returns the nodes on which the operation failed.
func (e *ImageCachePartialError) Failed() []ImageCacheResult {
	var out []ImageCacheResult
	for _, r := range e.Results {
		if r.Failed() {
			out = append(out, r)
		}
	}
	return out
}

// FailedNodes returns the names of the nodes on which the operation failed.
func (e *ImageCachePartialError) FailedNodes() []string {
	failed := e.Failed()
	out := make([]string, len(failed))
	for i, r := range failed {
		out[i] = r.Node
	}
	return out
}

func (e *ImageCachePartialError) Error() string {
	failed := e.Failed()
	var b strings.Builder
	what := fmt.Sprintf("caching image %q", e.Image)
	if e.Action == "remove" {
		what = fmt.Sprintf("removing image %q from the cache", e.Image)
	}
	fmt.Fprintf(&b, "%s %s: %s failed on %d of %d node(s): ", e.Method, e.Path, what, len(failed), len(e.Results))
	for i, r := range failed {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(describeNodeResult(r))
	}
	if e.Action == "remove" {
		b.WriteString(" (the image stays cached on those nodes; removing it again retries)")
	}
	return b.String()
}

// describeNodeResult shows one node's result: `mini-arm-2 (Failed, code 500): disk full`.
func describeNodeResult(r ImageCacheResult) string {
	name := r.Node
	if name == "" {
		name = "(unnamed node)"
	}
	var detail []string
	if r.Status != "" {
		detail = append(detail, r.Status)
	}
	if r.Code != 0 {
		detail = append(detail, fmt.Sprintf("code %d", r.Code))
	}
	if len(detail) > 0 {
		name += " (" + strings.Join(detail, ", ") + ")"
	}
	if r.Message != "" {
		name += ": " + r.Message
	}
	return name
}

// IsConflict reports a 409 (the object already exists).
func IsConflict(err error) bool { return statusOf(err) == http.StatusConflict }

// IsUnauthorized reports a 401: the token is missing, expired or invalidated.
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsForbidden reports a 403: the token is valid but lacks the rights.
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsBadRequest reports a 400: Orka refused the input; its message names the field.
func IsBadRequest(err error) bool { return statusOf(err) == http.StatusBadRequest }

// IsUnavailable reports the "API is down / maintenance window" family: 502, 503, 504, or no
// answer at all. Failures that retrying cannot fix (certificate errors, an unknown host) and a
// caller's own cancellation are not in it.
func IsUnavailable(err error) bool {
	switch statusOf(err) {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case 0:
	default:
		return false
	}
	var te *TransportError
	if !errors.As(err, &te) {
		return false
	}
	if permanentTransportError(te.Err) {
		return false
	}
	if te.callerCancelled() {
		return false
	}
	return true
}

// callerCancelled is true when the failure is the caller's context ending rather than the API.
func (e *TransportError) callerCancelled() bool {
	return errors.Is(e.Err, context.Canceled)
}

// IsServerUnavailable reports an answer that says the API is there but not serving: 502, 503
// or 504 (a maintenance window, an API server restarting behind its proxy).
func IsServerUnavailable(err error) bool {
	switch statusOf(err) {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// IsUnreachable reports a request that got no HTTP answer at all for a network reason:
// connection refused, DNS failure, no route, timeouts. TLS failures and the caller's own
// cancellation are not in it.
func IsUnreachable(err error) bool {
	var te *TransportError
	if statusOf(err) != 0 || IsAmbiguous(err) || !errors.As(err, &te) {
		return false
	}
	_, mismatch := IsSchemeMismatch(err)
	return !tlsSetupError(te.Err) && !mismatch && !te.callerCancelled()
}

// IsTLSFailure reports a request that failed in the TLS handshake: an untrusted or invalid
// certificate, a host name mismatch, or HTTP spoken to an HTTPS port (or the reverse).
func IsTLSFailure(err error) bool {
	var te *TransportError
	return errors.As(err, &te) && tlsSetupError(te.Err)
}

// IsAmbiguous reports a POST that may or may not have been carried out (see AmbiguousError).
func IsAmbiguous(err error) bool {
	var ae *AmbiguousError
	return errors.As(err, &ae)
}

// RetryAfterOf returns Orka's Retry-After from an API error, if it sent one.
func RetryAfterOf(err error) (time.Duration, bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter, true
	}
	return 0, false
}

// excerpt makes a short, single-line, valid-UTF-8 excerpt of a body without a message.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) <= maxExcerpt {
		return strings.ToValidUTF8(s, "?")
	}
	cut := maxExcerpt
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "?") + "..."
}

// AsAPIError returns the HTTP answer inside err, if there is one.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}
