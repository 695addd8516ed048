package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// options are the probe's choices beyond the connection.
type options struct {
	DeployVM        bool   // deploy VMs (uses capacity)
	DeployNamespace string // where the running VM is deployed and the image cached: it needs nodes
	DeployTimeout   int    // minutes, Orka's server-side deploy timeout
	CacheImage      string // cache this image on one node (uses node disk); "" skips
	Image           string // image of the VM configs; "" is the first one Orka lists
	TagNode         string // add and remove a scratch tag on this node; "" skips
	SaveImage       bool   // with DeployVM: save the VM into a scratch image (then deleted)
	PushImage       string // with DeployVM: push the VM to this OCI reference; "" skips
	// OtherToken is a second, non-administrator token (ORKA_CONFORMANCE_OTHER_TOKEN), for
	// vm-delete-ownership; "" skips.
	OtherToken   string
	PollInterval time.Duration
	CacheWait    time.Duration
	SaveWait     time.Duration // how long a save may stay Updating
}

// probe runs the checks against one cluster. It makes one request at a time, so the recorder's
// latest exchange is always the answer to the call that just returned.
type probe struct {
	c    *orka.Client
	raw  *rawClient // requests the client has no method for, with the run's token
	rec  *recorder
	rep  *report
	opts options
	log  io.Writer
	// token is the run's own token: only fingerprinted (upgrade records), never printed.
	token string
	// upgrade is the record of an -after-upgrade run, nil otherwise.
	upgrade *upgradeRecord
	// savedImages are the images a save may have created; the run deletes each one that
	// exists at its end (removeSavedImages).
	savedImages []string
	// leftOnPurpose are what the run leaves by design (what -push-image pushed), for the report.
	leftOnPurpose []string
	// other is the second token's state (vm-delete-ownership); nil without one.
	other *otherToken

	nsA, nsB string // the scratch namespaces: A holds everything, B is only for the 403 check
	image    string
	cfg      string // a VM config (cpu 4, VNC on) the deploy checks use
	// failures are steps that went wrong without contradicting an item (a deploy that found
	// no capacity, a create refused for a reason of its own): printed with the report.
	failures []string
	undo     []undoStep
}

// undoStep removes one thing this run created (or may have created: it is recorded before
// the create is sent, so an answer lost on the way is cleaned up too).
type undoStep struct {
	what string
	fn   func(context.Context) error
}

// errFatal stops the run: without it nothing else can be checked.
type errFatal struct{ msg string }

func (e errFatal) Error() string { return e.msg }

func fatalf(format string, args ...any) error { return errFatal{fmt.Sprintf(format, args...)} }

func (p *probe) track(what string, fn func(context.Context) error) {
	p.undo = append(p.undo, undoStep{what: what, fn: fn})
}

// fail notes a step that went wrong, with Orka's answer.
func (p *probe) fail(step string, err error) {
	p.failures = append(p.failures, fmt.Sprintf("%s: %s", step, err))
}

func apiError(err error) *orka.APIError {
	var ae *orka.APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// expectStatus checks that a call failed with the given status (and, if given, reason) and
// records the outcome for item id; the answer's body is checked for the Status shape too.
func (p *probe) expectStatus(id string, err error, code int, reason, what string) bool {
	ex := p.rec.latest()
	ae, ok := p.failedWith(id, err, code, what)
	switch {
	case !ok:
		return false
	case reason != "" && ae.Reason != reason:
		p.rep.contradict(id, ex, p.rec, "%s: answered %d with reason %q, expected %q", what, code, ae.Reason, reason)
		return false
	}
	p.rep.confirm(id, "%s: %d %s", what, code, ae.Reason)
	p.checkStatusBody(ex, what)
	return true
}

// expectCode checks only the status of a failed call (not its reason or body), for the items
// that rest on a documented status code.
func (p *probe) expectCode(id string, err error, code int, what string) bool {
	if _, ok := p.failedWith(id, err, code, what); !ok {
		return false
	}
	p.rep.confirm(id, "%s: %d", what, code)
	return true
}

// failedWith reports whether a call failed with the given status, recording item id as
// contradicted when it did not.
func (p *probe) failedWith(id string, err error, code int, what string) (*orka.APIError, bool) {
	ex := p.rec.latest()
	ae := apiError(err)
	switch {
	case err == nil:
		p.rep.contradict(id, ex, p.rec, "%s: succeeded, expected %d", what, code)
	case ae == nil:
		p.rep.contradict(id, ex, p.rec, "%s: expected %d, got: %v", what, code, err)
	case ae.StatusCode != code:
		p.rep.contradict(id, ex, p.rec, "%s: answered %d, expected %d", what, ae.StatusCode, code)
	default:
		return ae, true
	}
	return nil, false
}

// isStatusBody says whether an answer is a Kubernetes Status with a message.
func isStatusBody(ex *exchange) bool {
	if ex == nil {
		return false
	}
	var st struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	}
	return json.Unmarshal(ex.body, &st) == nil && st.Kind == "Status" && st.Message != ""
}

// checkStatusBody checks that an error answer is a Kubernetes Status.
func (p *probe) checkStatusBody(ex *exchange, what string) {
	if ex == nil {
		return
	}
	if !isStatusBody(ex) {
		p.rep.contradict("error-status-body", ex, p.rec, "%s: the answer is not a Kubernetes Status with a message", what)
		return
	}
	var st struct {
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(ex.body, &st)
	p.rep.confirm("error-status-body", "%s: kind Status, reason %q", what, st.Reason)
}

// run performs every check; it returns an errFatal when it cannot go on.
func (p *probe) run(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
		off  bool // the mode it belongs to is off
	}{
		{"cluster info", p.checkClusterInfo, false},
		{"the cluster against the record made before the upgrade", p.checkAfterUpgrade, p.upgrade == nil},
		{"authentication", p.checkAuth, false},
		{"scratch namespaces", p.createNamespaces, false},
		{"VM configs", p.checkVMConfigs, false},
		{"service accounts, tokens and role bindings", p.checkServiceAccounts, false},
		{"VM configs with a non-administrator token", p.checkVMConfigNonAdmin, false},
		{"VM-config ownership, with the second token", p.checkConfigOwnership, p.opts.OtherToken == ""},
		{"registry credentials", p.checkRegistryCredentials, false},
		{"nodes", p.checkNodes, false},
		{"node tags", p.checkNodeTag, p.opts.TagNode == ""},
		{"image cache", p.checkImageCache, false},
		{"VMs", p.checkVMs, false},
	}
	for _, s := range steps {
		if s.off {
			continue
		}
		if ctx.Err() != nil {
			return fatalf("interrupted before %s", s.name)
		}
		fmt.Fprintf(p.log, "checking %s\n", s.name)
		if err := s.fn(ctx); err != nil {
			var fe errFatal
			if errors.As(err, &fe) {
				return err
			}
			p.fail(s.name, err)
		}
	}
	if ctx.Err() != nil {
		return fatalf("interrupted during the checks")
	}
	p.finishOwnership()
	p.checkSuccessCodes()
	return nil
}

func (p *probe) checkClusterInfo(ctx context.Context) error {
	info, err := p.c.ClusterInfo(ctx)
	if err != nil {
		return fatalf("cannot read cluster-info: %v", err)
	}
	ex := p.rec.latest()
	const id = "cluster-info-kubernetes-ca"
	caPEM, ok := info.KubernetesCAPEM()
	u, uerr := url.Parse(info.APIEndpoint)
	switch {
	case !ok:
		p.rep.contradict(id, ex, p.rec, "certData is neither PEM nor base64 of PEM")
	case uerr != nil || u.Scheme != "https" || u.Host == "":
		p.rep.contradict(id, ex, p.rec, "apiEndpoint %q is not an https URL", info.APIEndpoint)
	case parseCertificate(caPEM) == nil:
		p.rep.contradict(id, ex, p.rec, "certData's PEM holds no X.509 certificate")
	default:
		cert := parseCertificate(caPEM)
		encoding := "PEM text"
		if !strings.HasPrefix(strings.TrimSpace(info.CertData), "-----BEGIN") {
			encoding = "base64 of PEM"
		}
		p.rep.confirm(id, "certData is %s: a certificate for %q (CA: %v); apiEndpoint %s", encoding,
			cert.Subject.CommonName, cert.IsCA, info.APIEndpoint)
	}
	return p.checkClusterInfoFields(ctx)
}

// checkClusterInfoFields reads cluster-info with no Authorization header at all, as
// MacStadium's clients do to find a cluster, and looks at the fields of the answer.
func (p *probe) checkClusterInfoFields(ctx context.Context) error {
	const id = "cluster-info-fields"
	ex, err := p.raw.withToken("").do(ctx, http.MethodGet, apiRoute("cluster-info"), nil)
	if err != nil {
		return err
	}
	if !ex.ok() {
		p.rep.contradict(id, ex, p.rec, "a read without a token answered %d", ex.Status)
		return nil
	}
	obj := jsonObject(ex.body)
	var missing []string
	for _, f := range []string{"apiDomain", "apiEndpoint", "appClientId", "baseOauthEndpoint", "certData", "gpuPassthroughEnabled"} {
		if !slices.Contains(objectKeys(obj), f) {
			missing = append(missing, f)
		}
	}
	var gpu bool
	switch {
	case obj == nil:
		p.rep.contradict(id, ex, p.rec, "the answer to a read without a token is not a JSON object")
	case len(missing) > 0:
		p.rep.contradict(id, ex, p.rec, "a read without a token lacks %s", strings.Join(missing, ", "))
	case json.Unmarshal(obj["gpuPassthroughEnabled"], &gpu) != nil:
		p.rep.contradict(id, ex, p.rec, "gpuPassthroughEnabled is not a boolean")
	default:
		p.rep.confirm(id, "a read without a token answered %d with all six fields (gpuPassthroughEnabled %v)", ex.Status, gpu)
	}
	return nil
}

// parseCertificate returns the first certificate of a PEM text, or nil.
func parseCertificate(text string) *x509.Certificate {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	return cert
}

func (p *probe) checkAuth(ctx context.Context) error {
	if err := p.c.Probe(ctx); err != nil {
		return fatalf("the token was not accepted: %v", err)
	}
	err := p.c.WithToken("orka-conformance-made-up-token").Probe(ctx)
	p.expectStatus("error-codes", err, http.StatusUnauthorized, "", "a made-up token")
	return nil
}

func (p *probe) createNamespaces(ctx context.Context) error {
	if _, err := p.c.ListNamespaces(ctx); err != nil {
		return fatalf("cannot list namespaces (the probe needs an administrator's token): %v", err)
	}
	p.nsA, p.nsB = scratch.Name("conf"), scratch.Name("conf")
	for _, ns := range []string{p.nsA, p.nsB} {
		p.track("namespace "+ns, func(ctx context.Context) error { return p.removeNamespace(ctx, ns) })
		if err := p.c.CreateNamespace(ctx, ns, false); err != nil {
			return fatalf("cannot create the scratch namespace %s: %v", ns, err)
		}
		got, err := p.c.GetNamespace(ctx, ns)
		if err != nil || got.Name != ns {
			return fatalf("cannot read back the scratch namespace %s: %v", ns, err)
		}
	}
	err := p.c.CreateNamespace(ctx, p.nsA, false)
	p.expectStatus("error-codes", err, http.StatusConflict, "AlreadyExists", "creating a namespace that exists")
	return nil
}

// removeNamespace deletes a scratch namespace and anything left in it (VMs must go first).
func (p *probe) removeNamespace(ctx context.Context, ns string) error {
	vms, err := p.c.ListVMs(ctx, ns)
	if err != nil && !orka.IsNotFound(err) {
		return err
	}
	for _, vm := range vms {
		if err := p.c.DeleteVM(ctx, ns, vm.Name); err != nil && !orka.IsNotFound(err) {
			return err
		}
	}
	return p.c.DeleteNamespace(ctx, ns)
}

func (p *probe) pickImage(ctx context.Context) error {
	images, err := p.c.ListImages(ctx)
	if err != nil {
		return err
	}
	p.checkImageItems(p.rec.latest())
	p.image = p.opts.Image
	if p.image == "" {
		if len(images) == 0 {
			return errors.New("the cluster lists no image; name one with -image")
		}
		p.image = images[0].Name
	}
	if len(images) > 0 {
		if _, err := p.c.GetImage(ctx, images[0].Name); err != nil {
			p.fail("reading image "+images[0].Name, err)
		}
	}
	return nil
}

// checkImageItems looks at the fields of every item of an image list answer.
func (p *probe) checkImageItems(ex *exchange) {
	const id = "image-item-fields"
	var list struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(ex.body, &list); err != nil {
		p.rep.contradict(id, ex, p.rec, "the image list is not {\"items\": [...]}")
		return
	}
	if len(list.Items) == 0 {
		p.rep.skip(id, "the cluster lists no image")
		return
	}
	for _, it := range list.Items {
		var missing []string
		for _, f := range []string{"name", "description", "type", "state"} {
			if _, ok := it[f]; !ok {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			p.rep.contradict(id, ex, p.rec, "image %q lacks %s", stringField(it, "name"), strings.Join(missing, ", "))
			return
		}
	}
	p.rep.confirm(id, "all %d image(s) carry name, description, type and state", len(list.Items))
}

// createConfig creates a VM config that cleanup deletes.
func (p *probe) createConfig(ctx context.Context, c *orka.Client, cfg orka.VMConfig) error {
	p.track("VM config "+cfg.Name, func(ctx context.Context) error { return p.c.DeleteVMConfig(ctx, cfg.Name) })
	_, err := c.CreateVMConfig(ctx, cfg)
	return err
}

func (p *probe) checkVMConfigs(ctx context.Context) error {
	if err := p.pickImage(ctx); err != nil {
		return err
	}
	// Keys in another case and an unknown key, as MacStadium's own clients send them.
	name := scratch.Name("cfg")
	rewrite := func(b []byte) []byte {
		b = bytes.Replace(b, []byte(`"cpu":`), []byte(`"CPU":`), 1)
		return append([]byte(`{"orkaConformanceUnknownKey":true,`), b[1:]...)
	}
	if err := p.createConfig(withRewrite(ctx, rewrite), p.c, orka.VMConfig{Name: name, Image: p.image, CPU: 4}); err != nil {
		p.rep.contradict("json-decoding", p.rec.latest(), p.rec, `creating a VM config with "CPU": 4 and an unknown key: %v`, err)
	} else if got, err := p.c.GetVMConfig(ctx, name); err != nil {
		p.fail("reading VM config "+name, err)
	} else if got.CPU != 4 {
		p.rep.contradict("json-decoding", p.rec.latest(), p.rec, `sent "CPU": 4, read back cpu %d`, got.CPU)
	} else {
		p.rep.confirm("json-decoding", `a VM config sent with "CPU": 4 and an unknown key was created with cpu 4`)
	}

	p.cfg = scratch.Name("cfg")
	vnc := true
	if err := p.createConfig(ctx, p.c, orka.VMConfig{Name: p.cfg, Image: p.image, CPU: 4, VNCConsole: &vnc}); err != nil {
		p.cfg = ""
		return fmt.Errorf("creating VM config with image %s: %w", p.image, err)
	}
	got, err := p.c.GetVMConfig(ctx, p.cfg)
	if err != nil {
		return err
	}
	ex := p.rec.latest()
	if got.VNCConsole != nil && *got.VNCConsole {
		p.rep.confirm("vmconfig-vnc-console", "created with vncConsole true, read back true")
	} else {
		p.rep.contradict("vmconfig-vnc-console", ex, p.rec, "created with vncConsole true, read back %v", boolText(got.VNCConsole))
	}
	if want := math.Round(4*1.5*10) / 10; got.Memory == want {
		p.rep.confirm("vmconfig-memory-derived", "cpu 4 without memory reads back memory %.1f", got.Memory)
	} else {
		p.rep.contradict("vmconfig-memory-derived", ex, p.rec, "cpu 4 without memory reads back memory %v, not %.1f", got.Memory, want)
	}
	configs, err := p.c.ListVMConfigs(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(configs, func(c orka.VMConfig) bool { return c.Name == p.cfg }) {
		p.fail("listing VM configs", fmt.Errorf("%s is not in the list", p.cfg))
	}

	_, err = p.c.CreateVMConfig(ctx, orka.VMConfig{Name: p.cfg, Image: p.image, CPU: 4})
	p.expectCode("vmconfig-name-taken-409", err, http.StatusConflict, "creating a VM config under a name that is taken")
	if p.expectStatus("vmconfig-conflict", err, http.StatusConflict, "AlreadyExists", "creating a VM config that exists") {
		p.rep.confirm("error-codes", "creating a VM config that exists: 409")
	}
	if err := p.checkConfigMemory(ctx); err != nil {
		return err
	}

	bad := scratch.Name("cfg")
	err = p.createConfig(ctx, p.c, orka.VMConfig{Name: bad, Image: p.image, CPU: 1})
	if p.expectStatus("error-codes", err, http.StatusBadRequest, "BadRequest", "a VM config with cpu 1") {
		if ae := apiError(err); !strings.Contains(strings.ToLower(ae.Message), "cpu") {
			p.rep.contradict("error-codes", p.rec.latest(), p.rec, "the 400's message does not name the field cpu")
		}
	}
	_, err = p.c.GetVMConfig(ctx, scratch.Name("missing"))
	p.expectCode("vmconfig-unknown-404", err, http.StatusNotFound, "reading a VM config that does not exist")
	p.expectStatus("error-codes", err, http.StatusNotFound, "NotFound", "reading a VM config that does not exist")
	return nil
}

// configMemory is the memory the probe gives a VM config, and what Orka's rounding to the
// nearest 0.1 GiB makes of it.
const configMemory, configMemoryRounded = 6.57, 6.6

// checkConfigMemory creates a VM config with a memory that is not a multiple of 0.1 GiB.
func (p *probe) checkConfigMemory(ctx context.Context) error {
	const id = "memory-read-back"
	name := scratch.Name("cfg")
	if err := p.createConfig(ctx, p.c, orka.VMConfig{Name: name, Image: p.image, CPU: 4, Memory: configMemory}); err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, "creating a VM config with memory %v: %v", configMemory, err)
		return nil
	}
	got, err := p.c.GetVMConfig(ctx, name)
	if err != nil {
		return err
	}
	if math.Abs(got.Memory-configMemoryRounded) < 1e-9 {
		p.rep.confirm(id, "a VM config created with memory %v reads back %v", configMemory, got.Memory)
	} else {
		p.rep.contradict(id, p.rec.latest(), p.rec, "a VM config created with memory %v reads back %v, not %v", configMemory, got.Memory, configMemoryRounded)
	}
	return p.c.DeleteVMConfig(ctx, name)
}

func boolText(b *bool) string {
	if b == nil {
		return "nothing"
	}
	return fmt.Sprint(*b)
}

// mint mints a token whose value is then scrubbed from everything the probe prints.
func (p *probe) mint(ctx context.Context, ns, sa string, req orka.TokenRequest) (string, error) {
	tok, err := p.c.CreateServiceAccountToken(ctx, ns, sa, req)
	p.rec.addSecret(tok)
	return tok, err
}

// createAccount creates a service account that cleanup deletes (and unbinds, should Orka
// leave it in its namespace's orka-dev binding).
func (p *probe) createAccount(ctx context.Context, ns, name string) error {
	p.track("service account "+ns+"/"+name, func(ctx context.Context) error {
		if err := p.c.DeleteServiceAccount(ctx, ns, name); err != nil && !orka.IsNotFound(err) {
			return err
		}
		subs, err := p.c.ListRoleBindingSubjects(ctx, ns)
		if err != nil {
			return nil //nolint:nilerr // the namespace may be gone with its binding
		}
		if slices.ContainsFunc(subs, func(s orka.RoleBindingSubject) bool { return s.Name == name && s.Namespace == ns }) {
			return p.c.RemoveRoleBindingSubjects(ctx, ns, orka.SubjectsChange{
				ServiceAccounts: []orka.ServiceAccountRef{{Name: name, Namespace: ns}}})
		}
		return nil
	})
	return p.c.CreateServiceAccount(ctx, ns, name)
}

func (p *probe) checkServiceAccounts(ctx context.Context) error {
	sa := scratch.Name("sa")
	if err := p.createAccount(ctx, p.nsA, sa); err != nil {
		return err
	}
	accounts, err := p.c.ListServiceAccounts(ctx, p.nsA)
	if err != nil {
		p.rep.contradict("serviceaccount-list-shape", p.rec.latest(), p.rec, "listing: %v", err)
	} else {
		i := slices.IndexFunc(accounts, func(a orka.ServiceAccount) bool { return a.Name == sa })
		switch {
		case i < 0:
			p.rep.contradict("serviceaccount-list-shape", p.rec.latest(), p.rec, "the new account %s is not in the list", sa)
		case accounts[i].Namespace != p.nsA:
			p.rep.contradict("serviceaccount-list-shape", p.rec.latest(), p.rec, "the item's namespace is %q", accounts[i].Namespace)
		default:
			p.rep.confirm("serviceaccount-list-shape", "the new account is listed as {name, namespace}")
		}
	}
	err = p.c.CreateServiceAccount(ctx, p.nsA, sa)
	if p.expectStatus("serviceaccount-conflict", err, http.StatusConflict, "AlreadyExists", "creating a service account that exists") {
		p.rep.confirm("error-codes", "creating a service account that exists: 409")
	}

	tok, err := p.mint(ctx, p.nsA, sa, orka.TokenRequest{})
	if err != nil {
		return err
	}
	p.checkTokenShape(p.rec.latest())
	p.checkTokenOptions(ctx, sa, tok)
	p.checkRBAC(ctx, tok)
	return p.checkSubjects(ctx, sa)
}

// checkTokenShape looks at the raw token answer; nothing of it is ever printed.
func (p *probe) checkTokenShape(ex *exchange) {
	var top struct {
		Token  any `json:"token"`
		Status any `json:"status"`
	}
	err := json.Unmarshal(ex.body, &top)
	s, ok := top.Token.(string)
	switch {
	case err == nil && ok && s != "":
		p.rep.confirm("token-response-shape", `the answer is {"token": "<...>"}`)
	case err == nil && top.Status != nil:
		p.rep.contradict("token-response-shape", ex, p.rec, "the answer is shaped like a Kubernetes TokenRequest (status.token); the client reads it")
	default:
		p.rep.contradict("token-response-shape", ex, p.rec, "the answer is not a JSON object with a token field; the client read it as a bare string")
	}
}

func (p *probe) checkTokenOptions(ctx context.Context, sa, tok string) {
	claims, err := orka.ParseTokenClaims(tok)
	switch {
	case err != nil:
		p.rep.contradict("token-jwt-claims", nil, p.rec, "the default token: %v", err)
	case claims.IssuedAt.IsZero() || claims.ExpiresAt.IsZero():
		p.rep.contradict("token-jwt-claims", nil, p.rec, "the default token lacks iat or exp")
	default:
		p.rep.confirm("token-jwt-claims", "the default token carries iat and exp; lifetime %s", claims.ExpiresAt.Sub(claims.IssuedAt))
	}

	const want = 720 * time.Hour
	ok := true
	tok720, err := p.mint(ctx, p.nsA, sa, orka.TokenRequest{Duration: "720h"})
	if err != nil {
		p.rep.contradict("token-request-options", p.rec.latest(), p.rec, `asking for {"duration": "720h"}: %v`, err)
		ok = false
	} else if c, err := orka.ParseTokenClaims(tok720); err == nil {
		if got := c.ExpiresAt.Sub(c.IssuedAt); c.ExpiresAt.IsZero() || (got-want).Abs() > 2*time.Minute {
			p.rep.contradict("token-request-options", nil, p.rec, `asked for {"duration": "720h"}, got a lifetime of %s`, got)
			ok = false
		}
	}
	tokNever, err := p.mint(ctx, p.nsA, sa, orka.TokenRequest{NoExpiration: true})
	if err != nil {
		p.rep.contradict("token-request-options", p.rec.latest(), p.rec, `asking for {"noExpiration": true}: %v`, err)
		ok = false
	} else if c, err := orka.ParseTokenClaims(tokNever); err == nil && !c.ExpiresAt.IsZero() {
		p.rep.contradict("token-request-options", nil, p.rec, `asked for {"noExpiration": true}, got a token that expires at %s`, c.ExpiresAt.Format(time.RFC3339))
		ok = false
	}
	if ok {
		p.rep.confirm("token-request-options", `"duration": "720h" gave a 720h token; "noExpiration": true a token without exp`)
	}
}

func (p *probe) checkRBAC(ctx context.Context, tok string) {
	sac := p.c.WithToken(tok)
	if _, err := sac.ListVMs(ctx, p.nsA); err != nil {
		p.fail("listing VMs of "+p.nsA+" with its own service account's token", err)
	}
	_, err := sac.ListVMs(ctx, p.nsB)
	if p.expectStatus("rbac-forbidden", err, http.StatusForbidden, "Forbidden", "a service account of "+p.nsA+" listing VMs of "+p.nsB) {
		p.rep.confirm("error-codes", "a token without rights: 403")
	}
	_, err = sac.ListServiceAccounts(ctx, p.nsA)
	p.expectStatus("serviceaccount-not-admin", err, http.StatusForbidden, "Forbidden",
		"a service account listing its own namespace's service accounts")
	p.checkNodesForbidden(ctx, sac)
}

// checkNodesForbidden lists the nodes of a namespace with a token that has no rights there;
// MacStadium's clients read either 403 or 404 as "no access".
func (p *probe) checkNodesForbidden(ctx context.Context, sac *orka.Client) {
	const id = "nodes-forbidden-or-notfound"
	_, err := sac.ListNodes(ctx, p.nsB)
	ex := p.rec.latest()
	ae := apiError(err)
	what := "a service account of " + p.nsA + " listing the nodes of " + p.nsB
	switch {
	case err == nil:
		p.rep.contradict(id, ex, p.rec, "%s: succeeded", what)
	case ae == nil:
		p.rep.contradict(id, ex, p.rec, "%s: %v", what, err)
	case ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusNotFound:
		p.rep.variant(id, fmt.Sprint(ae.StatusCode))
		p.rep.confirm(id, "%s: %d %s", what, ae.StatusCode, ae.Reason)
	default:
		p.rep.contradict(id, ex, p.rec, "%s: answered %d, neither 403 nor 404", what, ae.StatusCode)
	}
}

func (p *probe) checkSubjects(ctx context.Context, sa string) error {
	const id = "rolebinding-subjects-list"
	has := func(subs []orka.RoleBindingSubject, want orka.RoleBindingSubject) bool {
		return slices.Contains(subs, want)
	}
	subs, err := p.c.ListRoleBindingSubjects(ctx, p.nsA)
	if err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, "listing: %v", err)
		return nil
	}
	saSubject := orka.RoleBindingSubject{Kind: orka.SubjectKindServiceAccount, Name: sa, Namespace: p.nsA}
	if !has(subs, saSubject) {
		p.rep.contradict(id, p.rec.latest(), p.rec, "the new service account is not listed as {kind: ServiceAccount, name, namespace}")
		return nil
	}
	user := scratch.Name("user") + "@example.com"
	change := orka.SubjectsChange{Users: []string{user}}
	p.track("subject "+user+" of "+p.nsA, func(ctx context.Context) error {
		err := p.c.RemoveRoleBindingSubjects(ctx, p.nsA, change)
		if orka.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err := p.c.AddRoleBindingSubjects(ctx, p.nsA, change); err != nil {
		return err
	}
	if subs, err = p.c.ListRoleBindingSubjects(ctx, p.nsA); err != nil {
		return err
	}
	if !has(subs, orka.RoleBindingSubject{Kind: orka.SubjectKindUser, Name: user}) {
		p.rep.contradict(id, p.rec.latest(), p.rec, "an added user is not listed as {kind: User, name}")
		return nil
	}
	if err := p.c.RemoveRoleBindingSubjects(ctx, p.nsA, change); err != nil {
		return err
	}
	if subs, err = p.c.ListRoleBindingSubjects(ctx, p.nsA); err != nil {
		return err
	}
	if slices.ContainsFunc(subs, func(s orka.RoleBindingSubject) bool { return s.Name == user }) {
		p.rep.contradict(id, p.rec.latest(), p.rec, "a removed user is still listed")
		return nil
	}
	p.rep.confirm(id, "the account is listed as kind ServiceAccount with its namespace; a user as kind User, until removed")
	return nil
}

// checkVMConfigNonAdmin uses a service account of orka-default (bound there, not an
// administrator) to create and delete a VM config.
func (p *probe) checkVMConfigNonAdmin(ctx context.Context) error {
	if p.cfg == "" {
		return nil
	}
	sa := scratch.Name("sa")
	if err := p.createAccount(ctx, orka.DefaultNamespace, sa); err != nil {
		return err
	}
	tok, err := p.mint(ctx, orka.DefaultNamespace, sa, orka.TokenRequest{})
	if err != nil {
		return err
	}
	sac := p.c.WithToken(tok)
	name := scratch.Name("cfg")
	if err := p.createConfig(ctx, sac, orka.VMConfig{Name: name, Image: p.image, CPU: 3}); err != nil {
		p.rep.contradict("vmconfig-non-admin", p.rec.latest(), p.rec, "creating a VM config with a token of orka-default: %v", err)
		return nil
	}
	if err := sac.DeleteVMConfig(ctx, name); err != nil {
		p.rep.contradict("vmconfig-non-admin", p.rec.latest(), p.rec, "deleting a VM config with a token of orka-default: %v", err)
		return nil
	}
	p.rep.confirm("vmconfig-non-admin", "a service account of orka-default created and deleted a VM config")
	return nil
}

func (p *probe) checkRegistryCredentials(ctx context.Context) error {
	server := "https://" + scratch.Name("registry") + ".example.com"
	var b [16]byte
	_, _ = rand.Read(b[:])
	password := hex.EncodeToString(b[:])
	p.rec.addSecret(password)
	in := orka.RegistryCredentialInput{Server: server, Username: "orka-conformance", Password: password}
	p.track("registry credential "+server, func(ctx context.Context) error {
		err := p.c.RemoveRegistryCredential(ctx, p.nsA, server)
		if orka.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err := p.c.AddRegistryCredential(ctx, p.nsA, in); err != nil {
		return err
	}
	creds, err := p.c.ListRegistryCredentials(ctx, p.nsA)
	ex := p.rec.latest()
	const id = "registry-credential-list-shape"
	if err != nil {
		p.rep.contradict(id, ex, p.rec, "listing: %v", err)
	} else {
		i := slices.IndexFunc(creds, func(c orka.RegistryCredential) bool { return c.Server == server })
		switch {
		case bytes.Contains(ex.body, []byte(password)):
			p.rep.contradict(id, ex, p.rec, "the list shows the password")
		case i < 0:
			p.rep.contradict(id, ex, p.rec, "the new credential's server is not in the list")
		case creds[i].Username != in.Username || creds[i].AllowInsecure:
			p.rep.contradict(id, ex, p.rec, "the item reads username %q, allowInsecure %v", creds[i].Username, creds[i].AllowInsecure)
		default:
			p.rep.confirm(id, "the new credential is listed with server, username and allowInsecure, without password")
		}
	}
	err = p.c.AddRegistryCredential(ctx, p.nsA, in)
	if p.expectStatus("registry-credential-conflict", err, http.StatusConflict, "", "adding a credential for a server that has one") {
		p.rep.confirm("error-codes", "adding a registry credential that exists: 409")
	}
	in.Replace = true
	if err := p.c.AddRegistryCredential(ctx, p.nsA, in); err != nil {
		p.fail("replacing the registry credential", err)
	}
	return p.c.RemoveRegistryCredential(ctx, p.nsA, server)
}

func (p *probe) checkNodes(ctx context.Context) error {
	if _, err := p.c.ListNodes(ctx, p.nsA); err != nil {
		p.fail("listing the nodes of "+p.nsA, err)
	}
	nodes, err := p.c.ListNodes(ctx, orka.DefaultNamespace)
	if err != nil {
		return err
	}
	if len(nodes) == 0 {
		p.rep.skip("node-arch", "no node is listed in orka-default")
		return nil
	}
	var arches []string
	for _, n := range nodes {
		if n.Arch != "arm64" && n.Arch != "amd64" {
			p.rep.contradict("node-arch", p.rec.latest(), p.rec, "node %s has arch %q", n.Name, n.Arch)
			return nil
		}
		if !slices.Contains(arches, n.Arch) {
			arches = append(arches, n.Arch)
		}
	}
	p.rep.confirm("node-arch", "%d node(s) in orka-default, arch %s", len(nodes), strings.Join(arches, ", "))
	return nil
}

// checkSuccessCodes looks at every answer so far: successes must be 2xx, nothing else
// (redirects, 1xx) may appear.
func (p *probe) checkSuccessCodes() {
	const id = "success-any-2xx"
	codes := map[string][]int{}
	emptyDelete := false
	for _, ex := range p.rec.all() {
		switch {
		case ex.Status >= 200 && ex.Status <= 299:
			if !slices.Contains(codes[ex.Method], ex.Status) {
				codes[ex.Method] = append(codes[ex.Method], ex.Status)
			}
			if ex.Method == http.MethodDelete && len(bytes.TrimSpace(ex.body)) == 0 {
				emptyDelete = true
			}
		case ex.Status != 0 && ex.Status < 400:
			p.rep.contradict(id, ex, p.rec, "an answer that is neither a success nor an error")
		}
	}
	var parts []string
	for _, m := range []string{"GET", "POST", "DELETE"} {
		slices.Sort(codes[m])
		parts = append(parts, fmt.Sprintf("%s %v", m, codes[m]))
	}
	p.rep.confirm(id, "successes: %s; a delete with an empty body: %v", strings.Join(parts, ", "), emptyDelete)
}

// cleanup undoes everything this run created, newest first, and says what it could not.
func (p *probe) cleanup(ctx context.Context) (left []string) {
	for i := len(p.undo) - 1; i >= 0; i-- {
		u := p.undo[i]
		if err := u.fn(ctx); err != nil && !orka.IsNotFound(err) {
			left = append(left, fmt.Sprintf("%s: %v", u.what, err))
		}
	}
	return left
}
