package orka

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// SchemeMismatchError is an endpoint written with the scheme its server does not speak:
// https:// against a plain-HTTP server (the TLS handshake gets an HTTP answer, or no TLS
// record), or http:// against a TLS server (Go's and most TLS servers answer 400 "Client sent an
// HTTP request to an HTTPS server"). Retrying cannot help; the endpoint has to change.
type SchemeMismatchError struct {
	// Speaks is what the server speaks: "plain HTTP", "HTTPS", or "something other than TLS".
	Speaks string
	// Use is the endpoint to write instead, such as "http://10.221.188.20".
	Use string
	// Err is the failure as the transport reported it (nil for the HTTP answer case).
	Err error
}

func (e *SchemeMismatchError) Error() string {
	if e.Speaks == speaksNotTLS {
		return fmt.Sprintf("the endpoint does not speak TLS (its first bytes are not a TLS handshake); if it serves "+
			"plain HTTP, use %s", e.Use)
	}
	return fmt.Sprintf("the endpoint speaks %s: use %s", e.Speaks, e.Use)
}

func (e *SchemeMismatchError) Unwrap() error { return e.Err }

const speaksNotTLS = "something other than TLS"

// IsSchemeMismatch reports an endpoint whose scheme its server does not speak, and the
// endpoint to use instead.
func IsSchemeMismatch(err error) (use string, ok bool) {
	var sm *SchemeMismatchError
	if errors.As(err, &sm) {
		return sm.Use, true
	}
	return "", false
}

// tlsToPlainHTTP recognises the failure of a request to an https:// endpoint whose server does
// not speak TLS, and says so with the endpoint to use. Any other error is returned as it is.
func tlsToPlainHTTP(endpoint string, err error) error {
	rest, ok := strings.CutPrefix(endpoint, "https://")
	if err == nil || !ok {
		return err
	}
	var rh tls.RecordHeaderError
	switch {
	case errors.Is(err, http.ErrSchemeMismatch),
		errors.As(err, &rh) && strings.HasPrefix(string(rh.RecordHeader[:]), "HTTP/"):
		return &SchemeMismatchError{Speaks: "plain HTTP", Use: "http://" + rest, Err: err}
	case errors.As(err, &rh):
		return &SchemeMismatchError{Speaks: speaksNotTLS, Use: "http://" + rest, Err: err}
	}
	return err
}

// plainHTTPToTLS recognises the answer a TLS server gives a plain-HTTP request to an http://
// endpoint, or nil.
func plainHTTPToTLS(endpoint string, status int, body []byte) *SchemeMismatchError {
	rest, ok := strings.CutPrefix(endpoint, "http://")
	if !ok || status != http.StatusBadRequest ||
		!strings.Contains(strings.ToLower(string(body)), "http request to an https server") {
		return nil
	}
	return &SchemeMismatchError{Speaks: "HTTPS", Use: "https://" + rest}
}
