package orkasim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mathrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the simulator. It is an http.Handler serving /api/v1/... and /_sim/....
type Server struct {
	opts   Options
	admin  string
	now    func() time.Time
	jwtKey []byte

	// mu guards everything below. It is never held while sleeping or waiting.
	mu           sync.Mutex
	st           *state
	capCh        chan struct{} // closed and replaced whenever capacity or a VM changes
	maintUntil   time.Time     // wall clock; zero when there is no maintenance window
	adminRevoked bool          // RevokeAdminToken: /api/ routes refuse the admin token
	failNextSave string        // FailNextSave: the next save ends Failed with this message
	faults       []*faultRec
	log          []*RequestRecord

	// latencyNs and jitterNs are Options.Latency and LatencyJitter, changed by SetLatency.
	latencyNs, jitterNs atomic.Int64
	// variants are the Options variants, changed by SetVariants.
	variants atomic.Pointer[Variants]
	// smallTeams is Options.SmallTeamsAdmin; nil without it.
	smallTeams *smallTeamsAdmin
	// eksCluster and eksIdentities are Options.EKSCluster and EKSIdentities (SetEKS).
	eksCluster    string
	eksIdentities map[string]EKSIdentity

	closeOnce sync.Once
	closed    chan struct{} // closed by Close: waiting deploys and delays end at once
}

// New returns a simulator in the seeded state.
func New(opts Options) *Server {
	if opts.Nodes <= 0 {
		opts.Nodes = 4
	}
	if opts.Minute <= 0 {
		opts.Minute = time.Minute
	}
	if opts.DeployDelay < 0 {
		opts.DeployDelay = 0
	}
	if opts.CacheDelay < 0 {
		opts.CacheDelay = 0
	}
	s := &Server{opts: opts, admin: opts.AdminToken, now: opts.Now, capCh: make(chan struct{}), closed: make(chan struct{})}
	s.SetLatency(opts.Latency, opts.LatencyJitter)
	s.SetVariants(Variants{OmitVMCustomMetadata: opts.OmitVMCustomMetadata, SparseVMItems: opts.SparseVMItems,
		LegacyImageCache: opts.LegacyImageCache})
	if s.admin == "" {
		s.admin = randomHex(32)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.jwtKey = []byte(randomHex(32))
	if opts.SmallTeamsAdmin != "" {
		ns, sa, err := parseSmallTeamsAdmin(opts.SmallTeamsAdmin)
		if err != nil {
			panic("orkasim: " + err.Error())
		}
		now := s.now()
		a := &smallTeamsAdmin{ns: ns, sa: sa, rec: tokenRec{ns: ns, sa: sa, exp: now.Add(defaultTokenLifetime)}}
		a.token = s.mintJWT(&a.rec, now)
		s.smallTeams = a
	}
	if err := s.SetEKS(EKSRequest{Cluster: opts.EKSCluster, Identities: opts.EKSIdentities}); err != nil {
		panic("orkasim: " + err.Error())
	}
	s.st = s.seed()
	return s
}

// seed is the seeded state: the nodes, the images, orka-default, and the Small Teams admin.
func (s *Server) seed() *state {
	st := newState(s.opts.Nodes)
	s.seedSmallTeamsAdmin(st)
	return st
}

// Close ends every wait in progress (deploys waiting for a node or in their DeployDelay,
// delayed requests), so that an http.Server or httptest.Server holding the simulator can shut
// down without waiting out a deploy timeout. Deploys cut short answer 503. The simulator
// still serves afterwards, but without waiting: call it only when shutting down.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}

func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// sleep waits for d, or less when the simulator is closed.
func (s *Server) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closed:
	}
}

// AdminToken is the administrator's bearer token.
func (s *Server) AdminToken() string { return s.admin }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// ServeHTTP serves the Orka API under /api/ and the control interface under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/api/"):
		s.serveAPI(w, r)
	case p == "/_sim" || strings.HasPrefix(p, "/_sim/"):
		s.serveSim(w, r)
	default:
		writeNoRoute(w)
	}
}

// writeNoRoute answers a path that no route serves the way a Go HTTP gateway without such a
// route does (net/http's NotFound): 404 with the plain-text body "404 page not found", not a
// Kubernetes Status. Clients that probe for a route tell "no such route" from "no such object"
// by exactly this. ASSUMED: the Orka API server is a Go gateway (orka-api.md §0).
func writeNoRoute(w http.ResponseWriter) {
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// serveAPI runs one /api/ request through the request log, faults, maintenance, auth and
// the route. The answer is buffered so that its status can be logged and a dropResponse
// fault can throw it away after the work was done.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	// Read the body first: a delayed or detached request must not depend on the client.
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeError(w, badRequest("reading request body: %v", err))
		return
	}
	rec := s.logRequest(r.Method, r.URL.Path)
	f := s.takeFault(r.Method, r.URL.Path)

	bw := newBufferedWriter()
	if f != nil && f.delay > 0 {
		s.sleep(f.delay)
	}
	if f != nil && f.f.Uncache {
		s.uncache(r.URL.Path)
	}
	switch {
	case f != nil && !f.f.DropResponse && f.f.Status != 0:
		e := errorf(f.f.Status, reasonFor(f.f.Status), "injected fault: %d %s", f.f.Status, http.StatusText(f.f.Status))
		if f.retryAfter > 0 {
			e.retryAfter = ceilSeconds(f.retryAfter)
		}
		writeError(bw, e)
	default:
		if left := s.maintenanceLeft(); left > 0 {
			e := errorf(http.StatusServiceUnavailable, "ServiceUnavailable",
				"the Orka cluster is in a maintenance window for another %s", left.Round(time.Second))
			e.retryAfter = ceilSeconds(left)
			writeError(bw, e)
			break
		}
		s.route(bw, r, body)
	}

	s.mu.Lock()
	rec.Status = bw.code
	s.mu.Unlock()
	if f != nil {
		s.startEffects(f)
	}

	if d := s.latency(); d > 0 {
		s.sleep(d)
	}
	if f != nil && f.f.DropResponse {
		dropConnection(w)
		return
	}
	bw.copyTo(w)
}

// SetLatency changes Options.Latency and Options.LatencyJitter for the answers that follow
// (negative values mean none), so that one simulator can be measured near and far.
func (s *Server) SetLatency(latency, jitter time.Duration) {
	s.latencyNs.Store(int64(max(latency, 0)))
	s.jitterNs.Store(int64(max(jitter, 0)))
}

// SetVariants changes the variants (Options.OmitVMCustomMetadata, SparseVMItems and
// LegacyImageCache) for the requests that follow. Reset keeps them.
func (s *Server) SetVariants(v Variants) { s.variants.Store(&v) }

// Variants returns the variants in force.
func (s *Server) Variants() Variants { return *s.variants.Load() }

// latency is how long this answer is held back: the latency plus a random share of the jitter.
func (s *Server) latency() time.Duration {
	d := s.latencyNs.Load()
	if j := s.jitterNs.Load(); j > 0 {
		d += mathrand.Int64N(j + 1)
	}
	return time.Duration(d)
}

// dropConnection closes the client's connection without any answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 or a wrapper without Hijack: abort the stream; net/http sends nothing.
	panic(http.ErrAbortHandler)
}

func ceilSeconds(d time.Duration) int {
	n := int(math.Ceil(d.Seconds()))
	if n < 1 {
		n = 1
	}
	return n
}

// bufferedWriter records a whole answer before it is sent.
type bufferedWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: http.Header{}} }

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.code == 0 {
		b.code = http.StatusOK
	}
	w.WriteHeader(b.code)
	_, _ = w.Write(b.body.Bytes())
}

// adminSubject is who the admin token acts as, for ownership: Kubernetes' well-known name of
// the superuser, which no user of AddUser can take.
const adminSubject = "system:admin"

// principal is who a request acts as.
type principal struct {
	// admin: acts as an administrator. The admin token, an administrator user and the Small
	// Teams admin service account do.
	admin bool
	// subject names the principal for ownership and in messages: adminSubject, a user's name,
	// or system:serviceaccount:<ns>:<name>.
	subject string
	ns, sa  string // the service account, when it is one
	user    string // the user, when it is one
}

func saSubject(ns, sa string) string { return fmt.Sprintf("system:serviceaccount:%s:%s", ns, sa) }

// authenticate maps the Authorization header to a principal.
func (s *Server) authenticate(r *http.Request) (principal, *apiError) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		if t, ok2 := strings.CutPrefix(h, "bearer "); ok2 {
			tok, ok = t, true
		}
	}
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return principal{}, errorf(http.StatusUnauthorized, "Unauthorized", "Unauthorized: a bearer token is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok == s.admin && !s.adminRevoked {
		return principal{admin: true, subject: adminSubject}, nil
	}
	if strings.HasPrefix(tok, eksTokenPrefix) {
		return s.authenticateEKSLocked(tok)
	}
	if t := s.validTokenLocked(tok); t != nil {
		return principal{admin: s.isSmallTeamsAdmin(t.ns, t.sa), subject: saSubject(t.ns, t.sa), ns: t.ns, sa: t.sa}, nil
	}
	if u := s.validUserTokenLocked(tok); u != nil {
		return principal{admin: u.admin, subject: u.name, user: u.name}, nil
	}
	return principal{}, errorf(http.StatusUnauthorized, "Unauthorized", "Unauthorized: the token is invalid, expired or revoked")
}

// authLevel is what a route asks of its caller.
type authLevel int

const (
	authNone      authLevel = iota // no token needed
	authAny                        // any valid token
	authAdmin                      // the admin token
	authNamespace                  // admin, or a service account or user with access to {ns}
)

// call is one routed request.
type call struct {
	r      *http.Request
	body   []byte
	p      principal
	params map[string]string
}

func (c *call) ns() string { return c.params["ns"] }

// decode reads a required JSON body the way encoding/json does (case-insensitive keys,
// unknown keys ignored).
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return badRequest("a JSON request body is required")
	}
	return decodeJSON(c.body, v)
}

// decodeOptional accepts an empty body as "{}".
func (c *call) decodeOptional(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	return decodeJSON(c.body, v)
}

func decodeJSON(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return badRequest("malformed JSON body: expected an object, got %s", te.Value)
		}
		return badRequest("invalid value for %s: must be of type %s, got JSON %s", field, te.Type, te.Value)
	}
	return badRequest("malformed JSON body: %v", err)
}

type handler func(s *Server, c *call) (int, any, error)

type route struct {
	method string
	segs   []string
	auth   authLevel
	h      handler
	// served says whether the route exists on this cluster now; nil means always. A route
	// that is not served answers like a path no route serves (writeNoRoute).
	served func(*Server) bool
}

func mkRoute(method, pattern string, auth authLevel, h handler) route {
	return route{method: method, segs: strings.Split(strings.Trim(pattern, "/"), "/"), auth: auth, h: h}
}

// onlyWhen makes a route exist only while served says so.
func (rt route) onlyWhen(served func(*Server) bool) route {
	rt.served = served
	return rt
}

// routes is every route of orka-api.md.
var routes = []route{
	mkRoute("GET", "/api/v1/cluster-info", authNone, (*Server).clusterInfo),

	mkRoute("GET", "/api/v1/namespaces", authAny, (*Server).listNamespaces),
	mkRoute("POST", "/api/v1/namespaces", authAdmin, (*Server).createNamespace),
	mkRoute("GET", "/api/v1/namespaces/{ns}", authNamespace, (*Server).getNamespace),
	mkRoute("DELETE", "/api/v1/namespaces/{ns}", authAdmin, (*Server).deleteNamespace),

	mkRoute("GET", "/api/v1/namespaces/{ns}/vmconfigs", authNamespace, (*Server).listVMConfigs),
	mkRoute("POST", "/api/v1/namespaces/{ns}/vmconfigs", authNamespace, (*Server).createVMConfig),
	mkRoute("GET", "/api/v1/namespaces/{ns}/vmconfigs/{name}", authNamespace, (*Server).getVMConfig),
	mkRoute("DELETE", "/api/v1/namespaces/{ns}/vmconfigs/{name}", authNamespace, (*Server).deleteVMConfig),

	mkRoute("GET", "/api/v1/namespaces/{ns}/vms", authNamespace, (*Server).listVMs),
	mkRoute("POST", "/api/v1/namespaces/{ns}/vms", authNamespace, (*Server).deployVM),
	mkRoute("GET", "/api/v1/namespaces/{ns}/vms/{name}", authNamespace, (*Server).getVM),
	mkRoute("DELETE", "/api/v1/namespaces/{ns}/vms/{name}", authNamespace, (*Server).deleteVM),
	mkRoute("POST", "/api/v1/namespaces/{ns}/vms/{name}/save", authNamespace, (*Server).saveVM),
	mkRoute("POST", "/api/v1/namespaces/{ns}/vms/{name}/push", authNamespace, (*Server).pushVM),

	mkRoute("GET", "/api/v1/namespaces/{ns}/serviceaccounts", authAdmin, (*Server).listServiceAccounts),
	mkRoute("POST", "/api/v1/namespaces/{ns}/serviceaccounts/{name}", authAdmin, (*Server).createServiceAccount),
	mkRoute("DELETE", "/api/v1/namespaces/{ns}/serviceaccounts/{name}", authAdmin, (*Server).deleteServiceAccount),
	mkRoute("POST", "/api/v1/namespaces/{ns}/serviceaccounts/{name}/token", authAdmin, (*Server).createToken),

	mkRoute("GET", "/api/v1/namespaces/{ns}/secrets/registrycredentials", authAdmin, (*Server).listRegistryCredentials),
	mkRoute("POST", "/api/v1/namespaces/{ns}/secrets/registrycredentials/add", authAdmin, (*Server).addRegistryCredential),
	mkRoute("DELETE", "/api/v1/namespaces/{ns}/secrets/registrycredentials/remove", authAdmin, (*Server).removeRegistryCredential),

	mkRoute("GET", "/api/v1/namespaces/{ns}/rolebindings/{rb}/subjects", authAdmin, (*Server).listSubjects),
	mkRoute("POST", "/api/v1/namespaces/{ns}/rolebindings/{rb}/subjects/add", authAdmin, (*Server).addSubjects),
	mkRoute("DELETE", "/api/v1/namespaces/{ns}/rolebindings/{rb}/subjects/remove", authAdmin, (*Server).removeSubjects),

	mkRoute("GET", "/api/v1/namespaces/{ns}/nodes", authNamespace, (*Server).listNodes),
	mkRoute("POST", "/api/v1/namespaces/{ns}/nodes/{node}/namespace", authAdmin, (*Server).moveNode),
	mkRoute("POST", "/api/v1/namespaces/{ns}/nodes/{node}/tag", authAdmin, (*Server).tagNode),
	mkRoute("POST", "/api/v1/namespaces/{ns}/nodes/{node}/untag", authAdmin, (*Server).untagNode),
	mkRoute("GET", "/api/v1/namespaces/{ns}/images", authNamespace, (*Server).listImages),
	mkRoute("GET", "/api/v1/namespaces/{ns}/images/{name}", authNamespace, (*Server).getImage),
	mkRoute("DELETE", "/api/v1/namespaces/{ns}/images/{name}", authNamespace, (*Server).deleteImage),
	mkRoute("POST", "/api/v1/namespaces/{ns}/images/{name}/description", authNamespace, (*Server).describeImage),
	mkRoute("POST", "/api/v1/namespaces/{ns}/images/{name}/copy", authNamespace, (*Server).copyImage),

	// The image cache's documented family (orka-api.md §8): remove is DOC; list, read and add
	// are ASSUMED by analogy and are not served under Variants.LegacyImageCache.
	mkRoute("GET", "/api/v1/namespaces/{ns}/cache/images", authNamespace, (*Server).listImageCaches).onlyWhen(documentedCacheReads),
	mkRoute("GET", "/api/v1/namespaces/{ns}/cache/images/{image}", authNamespace, (*Server).getImageCache).onlyWhen(documentedCacheReads),
	mkRoute("POST", "/api/v1/namespaces/{ns}/cache/images/{image}/add", authNamespace, (*Server).addCachedImage).onlyWhen(documentedCacheReads),
	mkRoute("POST", "/api/v1/namespaces/{ns}/cache/images/{image}/remove", authNamespace, (*Server).removeCachedImage),
	// The older assumed image-cache routes, always served.
	mkRoute("GET", "/api/v1/namespaces/{ns}/imagecache", authNamespace, (*Server).listImageCaches),
	mkRoute("GET", "/api/v1/namespaces/{ns}/imagecache/{image}", authNamespace, (*Server).getImageCache),
	mkRoute("POST", "/api/v1/namespaces/{ns}/imagecache/add", authNamespace, (*Server).addImageCache),
	mkRoute("POST", "/api/v1/namespaces/{ns}/imagecache/remove", authNamespace, (*Server).removeImageCache),
}

// documentedCacheReads: the documented image-cache family serves list, read and add unless
// Variants.LegacyImageCache holds.
func documentedCacheReads(s *Server) bool { return !s.Variants().LegacyImageCache }

// splitPath splits the escaped path into unescaped segments, so that an image name escaped
// as one segment (ghcr.io%2Forg%2Fmacos:sonoma) stays one segment.
func splitPath(r *http.Request) ([]string, bool) {
	p := strings.Trim(r.URL.EscapedPath(), "/")
	raw := strings.Split(p, "/")
	out := make([]string, len(raw))
	for i, seg := range raw {
		u, err := url.PathUnescape(seg)
		if err != nil || u == "" {
			return nil, false
		}
		out[i] = u
	}
	return out, true
}

// match finds the route for a request among the routes s serves now: the one with the right
// method and the most literal segments. pathMatched reports whether the path matched a
// served route of some other method.
func (s *Server) match(rts []route, method string, segs []string) (best *route, params map[string]string, pathMatched bool) {
	bestLit := -1
	for i := range rts {
		rt := &rts[i]
		if len(rt.segs) != len(segs) || (rt.served != nil && !rt.served(s)) {
			continue
		}
		lit, ok := 0, true
		for j, ps := range rt.segs {
			if strings.HasPrefix(ps, "{") {
				continue
			}
			if ps != segs[j] {
				ok = false
				break
			}
			lit++
		}
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method == method && lit > bestLit {
			best, bestLit = rt, lit
		}
	}
	if best != nil {
		params = map[string]string{}
		for j, ps := range best.segs {
			if strings.HasPrefix(ps, "{") {
				params[strings.Trim(ps, "{}")] = segs[j]
			}
		}
	}
	return best, params, pathMatched
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	segs, ok := splitPath(r)
	if !ok {
		writeNoRoute(w)
		return
	}
	rt, params, pathMatched := s.match(routes, r.Method, segs)
	if rt == nil {
		if pathMatched {
			writeError(w, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "method %s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		writeNoRoute(w)
		return
	}
	c := &call{r: r, body: body, params: params}
	if rt.auth != authNone {
		p, aerr := s.authenticate(r)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		c.p = p
		if aerr := s.authorize(rt.auth, c); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	code, out, err := rt.h(s, c)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = internalError("%v", err)
		}
		writeError(w, ae)
		return
	}
	if out == nil {
		out = successStatus("")
	}
	writeJSON(w, code, out)
}

// authorize answers 403 with a Kubernetes Status to a valid token without the rights a route
// asks for. Every namespaced route that is not admin-only asks for authNamespace, so that a
// service account or user without rights in {ns} gets 403, as Kubernetes RBAC answers (the
// Jenkins plugin reads 403 on .../nodes as "no access to this namespace").
func (s *Server) authorize(level authLevel, c *call) *apiError {
	p := c.p
	if p.admin {
		return nil
	}
	who := p.subject
	switch level {
	case authAdmin:
		return forbidden("%s cannot %s %s: the operation is for administrators only", who, c.r.Method, c.r.URL.Path)
	case authNamespace:
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.st.canUseNamespaceLocked(p, c.ns()) {
			return forbidden("%s has no access to namespace %q: it is not a subject of the namespace's orka-dev role binding", who, c.ns())
		}
	}
	return nil
}
