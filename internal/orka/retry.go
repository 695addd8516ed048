package orka

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Retry policy. Orka's API server is one replica that is briefly unavailable while nodes drain
// (502/503, connection refused) and fully unavailable during maintenance windows (503, maybe
// with Retry-After). Reads and deletes are retried freely; a POST is only resent when Orka
// surely did not act on it, because resending a create or a deploy could duplicate work.

// idempotent reports methods that may be resent whatever happened to the previous attempt.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodPut, http.MethodOptions:
		return true
	}
	return false
}

// retryState is what one call learns across its attempts.
type retryState struct {
	method   string
	path     string
	attempts int
	// retryAfterMax is the longest Retry-After worth waiting for; a server that asks for
	// more (a maintenance window of hours) is not retried at all, so the caller hears at once.
	retryAfterMax time.Duration
	// refused counts the attempts that found nothing listening (see maxRefusedAttempts).
	refused int
	// last is the failure of the last attempt that was going to be retried (an *APIError or a
	// *TransportError), so that a caller's deadline that ends the wait still reports why.
	last error
}

// checkRetry is the per-call retryablehttp.CheckRetry. It returns a nil error always, so that
// retryablehttp hands back the last response or transport error untouched.
func (st *retryState) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st.attempts++
	if ctx.Err() != nil {
		return false, nil //nolint:nilerr // the caller reports the failure; nil only means "stop"
	}
	if err != nil {
		if permanentTransportError(err) {
			return false, nil
		}
		if connectionRefused(err) {
			st.refused++
			if st.refused >= maxRefusedAttempts {
				return false, nil
			}
		}
		if idempotent(st.method) || requestNotSent(err) {
			st.last = &TransportError{Method: st.method, Path: st.path, Err: err, Attempts: st.attempts}
			return true, nil
		}
		// A POST that may have been sent: never resend.
		return false, nil
	}
	retry := false
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		// Orka did not process the request: safe to resend, whatever the method, unless Orka
		// says it will be away for longer than is worth waiting for.
		retry = true
		if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && st.retryAfterMax > 0 && ra > st.retryAfterMax {
			retry = false
		}
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		// A proxy answered; Orka may have acted. Only idempotent requests are resent.
		retry = idempotent(st.method)
	}
	if retry {
		st.last = apiErrorFromResponse(st.method, st.path, resp, peekBody(resp), st.attempts)
	}
	return retry, nil
}

// maxRefusedAttempts is how many refused connections end a call. A refusal is an answer of a
// kind: the host is there and nothing listens on the port. An API server restarting behind
// its address refuses for a moment, so one more attempt after the backoff is worth it; a
// second refusal means a wrong port, a stopped server or a wrong host, which the remaining
// retries (about half a minute of backoff with the defaults) would only delay reporting.
const maxRefusedAttempts = 2

// connectionRefused reports an attempt that found nothing listening at the dialled address.
func connectionRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// refusedAddress is the host:port that refused the connection, or "".
func refusedAddress(err error) string {
	var op *net.OpError
	if connectionRefused(err) && errors.As(err, &op) && op.Addr != nil {
		return op.Addr.String()
	}
	return ""
}

// peekBody reads a response body and puts it back, so a retried response can still be reported.
func peekBody(resp *http.Response) []byte {
	if resp == nil || resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// requestNotSent reports transport failures that happen before any byte of the request can
// have reached the server: dialing (connection refused, DNS, no route) and TLS set-up.
func requestNotSent(err error) bool {
	if err == nil {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	return tlsSetupError(err)
}

// tlsSetupError reports failures of the TLS handshake, which precedes sending the request.
func tlsSetupError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	return errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) ||
		errors.As(err, &invalid) || errors.As(err, &recordErr) ||
		// net/http's word for a TLS handshake that got an HTTP answer.
		errors.Is(err, http.ErrSchemeMismatch)
}

// permanentTransportError reports transport failures that retrying cannot fix: certificate and
// TLS protocol errors (wrong CA, HTTP spoken to an HTTPS port), an endpoint of the wrong scheme
// and an unknown host name.
func permanentTransportError(err error) bool {
	if tlsSetupError(err) {
		return true
	}
	var mm *SchemeMismatchError
	if errors.As(err, &mm) {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

// backoff waits before retry number attempt+1 (attempt counts from 0). It honours Retry-After
// (seconds or HTTP date) but never beyond retryAfterMax; otherwise it is exponential from min,
// capped at max, with jitter (in the upper half of the interval, never below min) so that
// clients spread out.
func backoff(minWait, maxWait, retryAfterMax time.Duration, attempt int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil {
		if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			return min(ra, retryAfterMax)
		}
	}
	if minWait <= 0 {
		minWait = time.Millisecond
	}
	maxWait = max(maxWait, minWait)
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	lower := max(d/2, minWait)
	// The first retries would otherwise all wait exactly minWait: give them room too.
	upper := max(d, min(minWait+minWait/2, maxWait))
	if upper <= lower {
		return lower
	}
	return lower + rand.N(upper-lower+1) //nolint:gosec // jitter, not a secret
}

// parseRetryAfter parses a Retry-After header: delay-seconds or an HTTP date. ok is false when
// the header is absent, malformed or not in the future.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0, false
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
	}
	return 0, false
}

// newRetryClient builds the retryablehttp engine for one call: the policy depends on the
// method, and the state (attempt count, last failure) is per call.
func (c *Client) newRetryClient(hc *http.Client, st *retryState) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // logging.go logs every attempt, with redaction
		RetryWaitMin: c.retryWaitMin,
		RetryWaitMax: c.retryWaitMax,
		RetryMax:     c.maxRetries,
		CheckRetry:   st.checkRetry,
		Backoff: func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
			return backoff(minWait, maxWait, c.retryAfterMax, attempt, resp, time.Now())
		},
		// Hand back the last response or error as is: the caller builds an APIError with
		// Orka's message instead of retryablehttp's "giving up after N attempts".
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}
