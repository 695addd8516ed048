// Package orka is a client for the MacStadium Orka 3 REST API (see orka-api.md). It knows
// nothing of Terraform: it makes typed calls, retries what is safe to retry, and returns typed
// errors (APIError, AmbiguousError, TransportError) that say what happened without secrets.
package orka

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 60 * time.Second
	DefaultRetryWaitMin   = 1 * time.Second
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultRetryAfterMax  = 60 * time.Second
	DefaultUserAgent      = "terraform-provider-orka/dev"
)

// maxBodyBytes bounds how much of a response body is read. Orka's lists are not paginated, so
// this is generous.
const maxBodyBytes = 64 << 20

// idleConnTimeout is kept below common proxy keep-alive timeouts (60s and up), so that a POST
// rarely goes out on a connection the server is just closing: that would be an ambiguous
// failure that cannot be retried.
const idleConnTimeout = 30 * time.Second

// Config configures a Client.
type Config struct {
	// Endpoint is the base URL, e.g. https://acme.orka.app or http://10.0.0.1; routes are
	// appended under /api/v1.
	Endpoint string
	// Token is the bearer token; ClusterInfo does not need it. TokenSource, when set, is
	// used instead.
	Token string
	// TokenSource mints the bearer token of each request (exec command, EKS IAM); a 401 makes
	// the client ask it once for a fresh token and send the request again.
	TokenSource TokenSource
	// Now is the clock that judges whether a rejected token had expired; nil means time.Now.
	Now func() time.Time
	// CACertificatePEM is an extra CA for HTTPS, added to the system pool.
	CACertificatePEM   string
	InsecureSkipVerify bool
	// MaxRetries is the number of retries after the first attempt; 0 means none, a negative
	// value means DefaultMaxRetries.
	MaxRetries int
	// RequestTimeout bounds each attempt (0 means DefaultRequestTimeout). It does not apply to
	// DeployVM, which is synchronous and bounded by its context only.
	RequestTimeout time.Duration
	RetryWaitMin   time.Duration // 0 means DefaultRetryWaitMin
	RetryWaitMax   time.Duration // 0 means DefaultRetryWaitMax
	// RetryAfterMax caps how long an honoured Retry-After may make a call wait (0 means
	// DefaultRetryAfterMax).
	RetryAfterMax time.Duration
	UserAgent     string // empty means DefaultUserAgent
	// WrapTransport, when set, wraps the HTTP transport (TLS settings already applied), so that
	// a caller can see each raw exchange: the conformance probe shows the status and body of
	// an answer that contradicts the contract.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Client talks to one Orka cluster. It is safe for concurrent use.
type Client struct {
	endpoint      string // normalized base URL, no trailing slash
	source        TokenSource
	now           func() time.Time
	admin         *adminProbe // what Orka said of the token's administrator rights
	userAgent     string
	maxRetries    int
	retryWaitMin  time.Duration
	retryWaitMax  time.Duration
	retryAfterMax time.Duration
	// http bounds each attempt by RequestTimeout; long has no per-attempt bound (DeployVM).
	// Both share one transport and so one connection pool.
	http *http.Client
	long *http.Client
	// lists holds the lists that refreshes share; every write drops them.
	lists *listCache
	// cacheRoutes remembers which image-cache route family serves each operation
	// (imagecache.go).
	cacheRoutes *imageCacheRoutes
}

// New validates cfg and builds a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	endpoint, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	tlsConfig := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // explicit user choice only
	}
	if strings.TrimSpace(cfg.CACertificatePEM) != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(cfg.CACertificatePEM)) {
			return nil, errors.New("invalid CA certificate: no PEM-encoded certificate could be read from it " +
				"(expected one or more -----BEGIN CERTIFICATE----- blocks)")
		}
		tlsConfig.RootCAs = pool
	}
	transport := cleanhttp.DefaultPooledTransport()
	transport.TLSClientConfig = tlsConfig
	transport.IdleConnTimeout = idleConnTimeout
	var base http.RoundTripper = transport
	if cfg.WrapTransport != nil {
		base = cfg.WrapTransport(transport)
	}
	rt := &loggingTransport{base: base}

	c := &Client{
		endpoint:      endpoint,
		source:        cfg.TokenSource,
		now:           cfg.Now,
		admin:         &adminProbe{},
		userAgent:     cfg.UserAgent,
		maxRetries:    cfg.MaxRetries,
		retryWaitMin:  cfg.RetryWaitMin,
		retryWaitMax:  cfg.RetryWaitMax,
		retryAfterMax: cfg.RetryAfterMax,
		lists:         newListCache(),
		cacheRoutes:   newImageCacheRoutes(),
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.source == nil {
		c.source = StaticTokenSource(cfg.Token)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxRetries < 0 {
		c.maxRetries = DefaultMaxRetries
	}
	if c.retryWaitMin <= 0 {
		c.retryWaitMin = DefaultRetryWaitMin
	}
	if c.retryWaitMax <= 0 {
		c.retryWaitMax = DefaultRetryWaitMax
	}
	c.retryWaitMax = max(c.retryWaitMax, c.retryWaitMin)
	if c.retryAfterMax <= 0 {
		c.retryAfterMax = DefaultRetryAfterMax
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &http.Client{Transport: rt, Timeout: timeout, CheckRedirect: noRedirect}
	c.long = &http.Client{Transport: rt, CheckRedirect: noRedirect}
	return c, nil
}

// normalizeEndpoint checks that the endpoint is an absolute http(s) URL with a host, and
// returns it without a trailing slash (and without a trailing /api/v1 pasted in by mistake).
func normalizeEndpoint(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("the Orka endpoint is empty: set it to the cluster's base URL, " +
			"such as https://<company>.orka.app or http://<cluster IP>")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("the Orka endpoint is not a valid URL: use a form such as https://acme.orka.app")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("the Orka endpoint %q must be an absolute URL starting with https:// or "+
			"http://, such as https://<company>.orka.app or http://<cluster IP>", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("the Orka endpoint %q has no host name", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("the Orka endpoint must not carry credentials (user:password@); " +
			"authentication is by bearer token")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("the Orka endpoint %q must not have a query or fragment", raw)
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	path = strings.TrimSuffix(path, apiPrefix)
	path = strings.TrimRight(path, "/")
	return u.Scheme + "://" + u.Host + path, nil
}

// WithToken returns a client with the same settings and transport that sends another bearer
// token (e.g. to check a freshly minted service-account token).
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.source = StaticTokenSource(token)
	cp.lists = newListCache() // another token may be allowed to see other things
	// cp.cacheRoutes stays shared: which routes exist is the cluster's, not the token's.
	cp.admin = &adminProbe{}
	return &cp
}

// Endpoint returns the normalized base URL (no trailing slash).
func (c *Client) Endpoint() string { return c.endpoint }

// call describes one API call.
type call struct {
	method string
	path   string // escaped path, from a route function in wire.go
	body   any    // nil: no body; []byte: sent as is; otherwise JSON-encoded
	noAuth bool   // no Authorization header (cluster-info)
	// long disables the per-attempt timeout (synchronous deploy).
	long bool
	// secretResponse redacts the whole response body in debug logs (token endpoint).
	secretResponse bool
}

// do sends a call with retries and returns the 2xx response body (possibly empty).
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s %s: not sent: %w", cl.method, cl.path, err)
	}
	if cl.method != http.MethodGet {
		// The write may change any list: drop them now, and again once it has happened, so
		// that no list fetched meanwhile is kept.
		c.lists.invalidate()
		defer c.lists.invalidate()
	}
	var payload []byte
	switch b := cl.body.(type) {
	case nil:
	case []byte:
		payload = b
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("%s %s: encoding request body: %w", cl.method, cl.path, err)
		}
	}

	var tok Token
	if !cl.noAuth {
		var err error
		if tok, err = c.source.Token(ctx); err != nil {
			return nil, fmt.Errorf("%s %s: not sent: %w", cl.method, cl.path, err)
		}
	}
	body, err := c.send1(ctx, cl, payload, tok)
	if cl.noAuth || !IsUnauthorized(err) || !c.source.Renew(tok.Value) {
		return body, err
	}
	// Orka rejected a token the source can replace (it expired early, or the cluster was
	// upgraded): a 401 means nothing was carried out, so the request is sent once more with a
	// fresh token, whatever its method.
	fresh, ferr := c.source.Token(ctx)
	if ferr != nil {
		return nil, fmt.Errorf("%s %s: Orka rejected the token (HTTP 401), and a fresh one could not be had: %w",
			cl.method, cl.path, ferr)
	}
	body, err = c.send1(ctx, cl, payload, fresh)
	if ae, ok := AsAPIError(err); ok && ae.Credential != nil {
		ae.Credential.Renewed = true
	}
	if a, ok := c.source.(tokenAcceptor); ok && err == nil {
		a.accepted(fresh.Value)
	}
	return body, err
}

// tokenAcceptor is a token source told that Orka accepted the token sent again after a 401:
// that 401 was a stray one.
type tokenAcceptor interface{ accepted(token string) }

// send1 sends a call with one token (and the transport retries) and returns the 2xx body.
func (c *Client) send1(ctx context.Context, cl call, payload []byte, tok Token) ([]byte, error) {
	info := &callInfo{secretResponse: cl.secretResponse}
	if tok.Value != "" {
		info.secrets = []string{tok.Value}
	}
	info.requestBody = info.redactBody(payload, false)
	ctx = context.WithValue(ctx, callInfoKey{}, info)

	var rawBody any
	if payload != nil {
		rawBody = payload
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, c.endpoint+cl.path, rawBody)
	if err != nil {
		return nil, fmt.Errorf("%s %s: building request: %w", cl.method, cl.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok.Value != "" {
		req.Header.Set("Authorization", "Bearer "+tok.Value)
	}
	path := req.URL.EscapedPath()

	hc := c.http
	if cl.long {
		hc = c.long
	}
	st := &retryState{method: cl.method, path: path, retryAfterMax: c.retryAfterMax}
	resp, err := c.newRetryClient(hc, st).Do(req)
	if err != nil {
		return nil, c.transportFailure(ctx, st, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return nil, c.transportFailure(ctx, st, err)
	}
	if !successful(resp.StatusCode) {
		if mm := plainHTTPToTLS(c.endpoint, resp.StatusCode, body); mm != nil {
			return nil, &TransportError{Method: cl.method, Path: path, Err: mm, Attempts: st.attempts}
		}
		apiErr := apiErrorFromResponse(cl.method, path, resp, body, st.attempts)
		apiErr.Message = scrubToken(apiErr.Message, tok.Value)
		apiErr.BodyExcerpt = scrubToken(apiErr.BodyExcerpt, tok.Value)
		apiErr.Token = tokenKindOf(tok.Value)
		if resp.StatusCode == http.StatusUnauthorized && !cl.noAuth {
			apiErr.Credential = c.credentialOf(tok)
		}
		if !idempotent(cl.method) &&
			(resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout) {
			return nil, &AmbiguousError{Method: cl.method, Path: path, Err: apiErr}
		}
		return nil, apiErr
	}
	return body, nil
}

// transportFailure turns a failure without a usable HTTP answer into the right error type.
func (c *Client) transportFailure(ctx context.Context, st *retryState, err error) error {
	ctxErr := ctx.Err()
	// retryablehttp returns the bare context error when the context ends while it waits
	// between attempts: the previous attempt was a retryable one, so nothing is ambiguous.
	waiting := ctxErr != nil && err == ctxErr //nolint:errorlint // only the bare context error means "between attempts"
	if !waiting && !idempotent(st.method) && !requestNotSent(err) {
		return &AmbiguousError{Method: st.method, Path: st.path, Err: err}
	}
	if ctxErr != nil {
		if st.last != nil {
			// Keep why we were retrying (e.g. a 503 with Retry-After) and why we stopped.
			return fmt.Errorf("%w (stopped retrying: %w)", st.last, ctxErr)
		}
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("%s %s: %w", st.method, st.path, ctxErr)
		}
		return fmt.Errorf("%s %s: %s: %w", st.method, st.path, causeText(err), ctxErr)
	}
	return &TransportError{Method: st.method, Path: st.path, Err: tlsToPlainHTTP(c.endpoint, err), Attempts: st.attempts}
}

// scrubToken removes the bearer token sent from text that came from the server (a
// misbehaving proxy could echo request headers into an error page).
func scrubToken(s, token string) string {
	if token == "" || s == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "***")
}

// apiErrorFromResponse builds an APIError from a non-2xx response and its body.
func apiErrorFromResponse(method, path string, resp *http.Response, body []byte, attempts int) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Attempts: attempts,
		noStatus: !isKubernetesStatus(body)}
	if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = ra
	}
	if reason, message, ok := decodeErrorBody(body); ok {
		e.Reason, e.Message = reason, message
	} else if len(bytes.TrimSpace(body)) > 0 {
		e.BodyExcerpt = excerpt(body)
	}
	if loc := resp.Header.Get("Location"); e.Message == "" && loc != "" &&
		resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		// Redirects are not followed (a POST must not turn into a GET, and the token must not
		// travel elsewhere); say where the server points so the endpoint can be corrected.
		e.Message = "redirected to " + excerpt([]byte(loc)) + "; set the endpoint to the final URL"
	}
	return e
}

// decodeInto decodes a 2xx body into out tolerantly (decode.go); an empty body leaves out
// untouched.
func decodeInto(method, path string, body []byte, out any) error {
	return decodeAnswer(method, path, body, out)
}

// get sends a GET and decodes a non-empty answer into out (out may be nil).
func (c *Client) get(ctx context.Context, path string, out any) error {
	body, err := c.do(ctx, call{method: http.MethodGet, path: path})
	if err != nil || out == nil {
		return err
	}
	return decodeInto(http.MethodGet, path, body, out)
}

// list sends a GET of a list route and decodes {"items": [...]}.
func list[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	body, err := c.do(ctx, call{method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	return decodeListAnswer[T](http.MethodGet, path, body)
}

// send sends a request with a JSON body (or none) and ignores the answer's body.
func (c *Client) send(ctx context.Context, method, path string, body any) error {
	_, err := c.do(ctx, call{method: method, path: path, body: body})
	return err
}

// namespaceOrDefault maps an empty namespace to orka-default.
func namespaceOrDefault(ns string) string {
	if ns == "" {
		return DefaultNamespace
	}
	return ns
}

// requireName refuses a name that would turn a route into another one: an empty last segment
// of .../vms/{name} would address the list, and "." or ".." could be resolved by a proxy.
func requireName(what, name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("orka: the %s name is empty", what)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("orka: %q is not a valid %s name", name, what)
	}
	return nil
}

// notFound builds the 404 of an object that a list did not contain.
func notFound(path, what, name, ns string) *APIError {
	return &APIError{
		Method:     http.MethodGet,
		Path:       path,
		StatusCode: http.StatusNotFound,
		Reason:     "NotFound",
		Message:    fmt.Sprintf("%s %q not found in namespace %q", what, name, ns),
		Attempts:   1,
	}
}
