package orkasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/upgrade"
)

// faultRec is a parsed Fault with the number of matches it has left.
type faultRec struct {
	f           Fault
	skip        int // matching requests still to let through (Fault.After)
	left        int
	delay       time.Duration
	retryAfter  time.Duration
	maintenance time.Duration
	burst       time.Duration // Fault.For
	until       time.Time     // when a burst that has begun ends
}

func (f *faultRec) matches(method, path string) bool {
	if f.f.Method != "" && !strings.EqualFold(f.f.Method, method) {
		return false
	}
	if p, ok := strings.CutSuffix(f.f.Path, "*"); ok {
		return strings.HasPrefix(path, p)
	}
	return f.f.Path == path
}

// parseSeconds accepts a Go duration ("1s") or a whole number of seconds ("1").
func parseSeconds(field, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid value for %s: %q: must be a non-negative Go duration such as 1s", field, v)
	}
	return d, nil
}

// AddFault queues a fault. Faults are matched in the order they were added.
func (s *Server) AddFault(f Fault) error {
	if f.Path == "" {
		return errors.New("invalid value for path: is required (exact, or a prefix ending in *)")
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return fmt.Errorf("invalid value for status: %d: must be an HTTP status code", f.Status)
	}
	if f.Count < 0 {
		return fmt.Errorf("invalid value for count: %d: must be at least 0 (0 means 1)", f.Count)
	}
	delay, err := parseSeconds("delay", f.Delay)
	if err != nil {
		return err
	}
	retryAfter, err := parseSeconds("retryAfter", f.RetryAfter)
	if err != nil {
		return err
	}
	maintenance, err := parseSeconds("maintenance", f.Maintenance)
	if err != nil {
		return err
	}
	burst, err := parseSeconds("for", f.For)
	if err != nil {
		return err
	}
	if f.After < 0 {
		return fmt.Errorf("invalid value for after: %d: must be at least 0", f.After)
	}
	if f.Status == 0 && delay == 0 && !f.DropResponse && maintenance == 0 && !f.RevokeToken && !f.Uncache {
		return errors.New("invalid fault: set status, delay, dropResponse, maintenance, revokeToken or uncache")
	}
	if f.Uncache {
		if _, _, ok := cachePathImage(strings.TrimSuffix(f.Path, "*")); !ok {
			return fmt.Errorf("invalid value for path: %q: uncache needs a path under /api/v1/namespaces/{ns}/cache/images/{image}", f.Path)
		}
	}
	rec := &faultRec{f: f, skip: f.After, left: max(f.Count, 1), delay: delay, retryAfter: retryAfter, maintenance: maintenance, burst: burst}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, rec)
	return nil
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults lists the queued faults; Count is the number of matches each has left to fire and
// After the number of matching requests it still lets through first.
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Fault{}
	for _, f := range s.faults {
		x := f.f
		x.Count, x.After = f.left, f.skip
		out = append(out, x)
	}
	return out
}

// takeFault consumes one match of the first fault that matches the request and is due.
func (s *Server) takeFault(method, path string) *faultRec {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.matches(method, path) {
			if f.skip > 0 {
				f.skip--
				continue
			}
			if f.burst > 0 {
				// A burst: every matching request fails from the first one on, for f.burst.
				now := time.Now()
				if f.until.IsZero() {
					f.until = now.Add(f.burst)
				}
				if now.Before(f.until) {
					return f
				}
				continue // over; it stays listed until the faults are cleared
			}
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

// cachePathImage is the namespace and image a path of the image-cache family names.
func cachePathImage(path string) (ns, image string, ok bool) {
	rest, found := strings.CutPrefix(path, "/api/v1/namespaces/")
	if !found {
		return "", "", false
	}
	ns, rest, found = strings.Cut(rest, "/cache/images/")
	if !found || ns == "" || strings.Contains(ns, "/") {
		return "", "", false
	}
	image, _, _ = strings.Cut(rest, "/")
	return ns, image, image != ""
}

// uncache removes an image from every node's cache in a namespace at once (Fault.Uncache).
func (s *Server) uncache(path string) {
	nsName, image, ok := cachePathImage(path)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ns := s.st.namespaces[nsName]; ns != nil {
		delete(ns.caches, image)
	}
}

// startEffects begins what a fired fault starts beyond its own request: a maintenance window,
// a revoked admin token.
func (s *Server) startEffects(f *faultRec) {
	if f.maintenance > 0 {
		s.Maintenance(f.maintenance)
	}
	if f.f.RevokeToken {
		s.RevokeAdminToken(true)
	}
}

// RevokeAdminToken makes the /api/ routes refuse the admin token with 401 (revoked true), as
// when an administrator revokes the token a provider runs with, or accept it again (false).
// The /_sim/ routes always accept it, so a test can still steer the simulator.
func (s *Server) RevokeAdminToken(revoked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.adminRevoked = revoked
}

// Maintenance makes every /api/ route answer 503 for d from now; d <= 0 ends a window.
func (s *Server) Maintenance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		s.maintUntil = time.Time{}
		return
	}
	s.maintUntil = time.Now().Add(d)
}

func (s *Server) maintenanceLeft() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.maintUntil.IsZero() {
		return 0
	}
	return time.Until(s.maintUntil)
}

func (s *Server) logRequest(method, path string) *RequestRecord {
	rec := &RequestRecord{Method: method, Path: path}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, rec)
	return rec
}

// Requests is every /api/ request since the last clear, in arrival order.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RequestRecord, len(s.log))
	for i, r := range s.log {
		out[i] = *r
	}
	return out
}

// ClearRequests empties the request log.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Upgrade applies the upgrade table of internal/upgrade to the cluster.
func (s *Server) Upgrade(req UpgradeRequest) (UpgradeResult, error) {
	res := UpgradeResult{DeletedVMs: []string{}, RemovedRegistryCredentials: []string{}}
	t, err := upgrade.ParseType(req.Type)
	if err != nil {
		return res, fmt.Errorf("invalid value for type: %q: must be release, infrastructure or patch", req.Type)
	}
	vms := req.VMs
	if vms == "" {
		vms = "all"
	}
	if vms != "all" && vms != "none" && vms != "some" {
		return res, fmt.Errorf("invalid value for vms: %q: must be all, none or some", req.VMs)
	}
	var maint time.Duration
	if req.Maintenance != "" {
		maint, err = time.ParseDuration(req.Maintenance)
		if err != nil || maint < 0 {
			return res, fmt.Errorf("invalid value for maintenance: %q: must be a non-negative Go duration such as 30m", req.Maintenance)
		}
	}

	s.mu.Lock()
	switch upgrade.EffectOf(t, upgrade.VMs) {
	case upgrade.Persists:
		vms = "none"
	case upgrade.MayBeDeleted:
		// as asked
	default:
		vms = "all"
	}
	if vms != "none" {
		for i, vm := range s.st.allVMs() {
			if vms == "some" && i%2 == 1 {
				continue
			}
			delete(s.st.namespaces[vm.vm.Namespace].vms, vm.vm.Name)
			res.DeletedVMs = append(res.DeletedVMs, vm.vm.Namespace+"/"+vm.vm.Name)
		}
		s.wakeLocked()
	}
	if upgrade.TokensMustBeRegenerated(t) {
		res.InvalidatedTokens = s.validTokenCountLocked()
		s.st.tokens = map[string]*tokenRec{}
	}
	regLost := upgrade.EffectOf(t, upgrade.RegistryCredentials).Destroys()
	cacheLost := upgrade.EffectOf(t, upgrade.ImageCache).Destroys()
	for _, name := range sortedKeys(s.st.namespaces) {
		ns := s.st.namespaces[name]
		if regLost {
			for _, server := range sortedKeys(ns.creds) {
				res.RemovedRegistryCredentials = append(res.RemovedRegistryCredentials, name+"/"+server)
			}
			ns.creds = map[string]RegistryCredential{}
		}
		if cacheLost {
			ns.settleCaches(time.Now())
			res.ClearedImageCaches += len(ns.caches)
			ns.caches = map[string]map[string]*cacheEntry{}
		}
	}
	s.mu.Unlock()
	if maint > 0 {
		s.Maintenance(maint)
	}
	return res, nil
}

// serveSim serves the control interface. It needs the admin token and is not logged.
func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok != s.admin {
		writeError(w, errorf(http.StatusUnauthorized, "Unauthorized", "Unauthorized: the /_sim/ routes need the admin token"))
		return
	}
	decode := func(v any) bool {
		if err := json.NewDecoder(r.Body).Decode(v); err != nil {
			writeError(w, badRequest("malformed JSON body: %v", err))
			return false
		}
		return true
	}
	switch r.Method + " " + strings.TrimSuffix(r.URL.Path, "/") {
	case "POST /_sim/upgrade":
		var req UpgradeRequest
		if !decode(&req) {
			return
		}
		res, err := s.Upgrade(req)
		if err != nil {
			writeError(w, badRequest("%v", err))
			return
		}
		writeJSON(w, http.StatusOK, res)
	case "POST /_sim/maintenance":
		var req struct {
			Duration string `json:"duration"`
		}
		if !decode(&req) {
			return
		}
		d, err := time.ParseDuration(req.Duration)
		if err != nil {
			writeError(w, invalid("duration", req.Duration, "must be a Go duration such as 30s"))
			return
		}
		s.Maintenance(d)
		until := ""
		if d > 0 {
			until = time.Now().Add(d).UTC().Format(time.RFC3339)
		}
		writeJSON(w, http.StatusOK, map[string]string{"duration": d.String(), "until": until})
	case "POST /_sim/faults":
		var f Fault
		if !decode(&f) {
			return
		}
		if err := s.AddFault(f); err != nil {
			writeError(w, badRequest("%v", err))
			return
		}
		writeJSON(w, http.StatusCreated, f)
	case "GET /_sim/faults":
		writeJSON(w, http.StatusOK, listOf(s.Faults()))
	case "DELETE /_sim/faults":
		s.ClearFaults()
		writeJSON(w, http.StatusOK, successStatus("faults cleared"))
	case "POST /_sim/admin-token":
		var req struct {
			Revoked *bool `json:"revoked"`
		}
		if !decode(&req) {
			return
		}
		if req.Revoked == nil {
			writeError(w, badRequest("invalid value for revoked: is required (true or false)"))
			return
		}
		s.RevokeAdminToken(*req.Revoked)
		writeJSON(w, http.StatusOK, map[string]bool{"revoked": *req.Revoked})
	case "POST /_sim/users":
		var req UserRequest
		if !decode(&req) {
			return
		}
		tok, err := s.addUser(req.Name, req.Admin)
		if err != nil {
			writeError(w, badRequest("%v", err))
			return
		}
		writeJSON(w, http.StatusCreated, TokenResponse{Token: tok})
	case "POST /_sim/eks":
		var req EKSRequest
		if !decode(&req) {
			return
		}
		if err := s.SetEKS(req); err != nil {
			writeError(w, badRequest("%v", err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"cluster": req.Cluster, "identities": len(req.Identities)})
	case "GET /_sim/variants":
		writeJSON(w, http.StatusOK, s.Variants())
	case "POST /_sim/variants":
		// Only the switches named in the body change; the answer is all of them.
		var req struct {
			OmitVMCustomMetadata *bool `json:"omitVMCustomMetadata"`
			SparseVMItems        *bool `json:"sparseVMItems"`
			LegacyImageCache     *bool `json:"legacyImageCache"`
		}
		if !decode(&req) {
			return
		}
		v := s.Variants()
		for _, f := range []struct {
			dst *bool
			src *bool
		}{{&v.OmitVMCustomMetadata, req.OmitVMCustomMetadata}, {&v.SparseVMItems, req.SparseVMItems}, {&v.LegacyImageCache, req.LegacyImageCache}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		s.SetVariants(v)
		writeJSON(w, http.StatusOK, v)
	case "GET /_sim/requests":
		writeJSON(w, http.StatusOK, listOf(s.Requests()))
	case "DELETE /_sim/requests":
		s.ClearRequests()
		writeJSON(w, http.StatusOK, successStatus("request log cleared"))
	case "POST /_sim/reset":
		s.Reset()
		writeJSON(w, http.StatusOK, successStatus("simulator reset"))
	default:
		writeError(w, notFound("no control route %s %s", r.Method, r.URL.Path))
	}
}
