package provider

// Orka's rules for the values users write, in one place. Each rule is a plain function that
// says what is wrong with a value (or nothing), so that the same rule checks an attribute at
// plan time (the validator types below) and a part of an import ID before any request
// (import_id.go). Messages start with the attribute's path and state the rule, so that
// `terraform validate` points at the argument and says how to fix it.

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// nameValidator checks a name against Orka's rules and says which rule it broke, with the
// attribute's path, at plan time.
type nameValidator struct {
	what    string // "VM config name"
	maxLen  int
	pattern *regexp.Regexp
	rule    string // the rule in words, for the docs and the error
}

var _ validator.String = nameValidator{}

func (v nameValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a valid %s: at most %d characters; %s", v.what, v.maxLen, v.rule)
}

func (v nameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// problem says what is wrong with s, or "" when it is a valid name.
func (v nameValidator) problem(s string) string {
	switch {
	case len(s) == 0 || len(s) > v.maxLen:
		return fmt.Sprintf("%q is %d characters long; a %s must be 1 to %d characters", s, len(s), v.what, v.maxLen)
	case !v.pattern.MatchString(s):
		return fmt.Sprintf("%q is not a valid %s: %s", s, v.what, v.rule)
	}
	return ""
}

func (v nameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := v.problem(req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.what, fmt.Sprintf("%s: %s.", req.Path, p))
	}
}

// vmNamePattern is the DNS label rule with a letter first: the orka3 CLI reference says VM
// names start with a letter (orka-api.md §5).
var vmNamePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// dnsSubdomain is Kubernetes' rule for node names: DNS labels joined by dots.
var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

func vmConfigNameValidator() nameValidator {
	return nameValidator{
		what: "VM config name", maxLen: 50,
		pattern: regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`),
		rule:    "use lowercase letters, digits and '-', start with a letter and end with a letter or digit",
	}
}

func namespaceNameValidator() nameValidator {
	return nameValidator{
		what: "namespace name", maxLen: 63,
		pattern: regexp.MustCompile(`^orka-[a-z0-9-]*[a-z0-9]$`),
		rule:    "start with \"orka-\", use lowercase letters, digits and '-', and end with a letter or digit",
	}
}

func vmNameValidator() nameValidator {
	return nameValidator{
		what: "VM name", maxLen: 63,
		pattern: vmNamePattern,
		rule:    "use lowercase letters, digits and '-', start with a letter, and end with a letter or digit",
	}
}

// vmNamePrefixValidator refuses a prefix that no VM name can start with: it would silently
// match nothing.
func vmNamePrefixValidator() nameValidator {
	return nameValidator{
		what: "VM name prefix", maxLen: 63,
		pattern: regexp.MustCompile(`^[a-z][a-z0-9-]*$`),
		rule:    "VM names use lowercase letters, digits and '-' and start with a letter, so a prefix must too",
	}
}

// serviceAccountNameValidator is Orka's rule for service-account names (orka-api.md §6).
func serviceAccountNameValidator() nameValidator {
	return nameValidator{
		what: "service account name", maxLen: 253,
		pattern: regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`),
		rule:    "use lowercase letters, digits, '-' and '.', and start and end with a letter or digit",
	}
}

// nodeNameValidator is Kubernetes' rule for node names, which Orka's nodes are.
func nodeNameValidator() nameValidator {
	return nameValidator{
		what: "node name", maxLen: 253,
		pattern: dnsSubdomain,
		rule:    "use lowercase letters, digits, '-' and '.', and start and end with a letter or digit (see data.orka_nodes)",
	}
}

// nodeTag is the rule for Orka node tags (orka-api.md §8): a tag that breaks it can never be
// on a node, so a VM or cache that asks for it could never be placed.
const nodeTagMaxLen = 63

var nodeTag = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

// nodeTagValidator checks a node tag; a VM config's tag is limited to 32 characters by Orka,
// a node's own tags to 63.
func nodeTagValidator(maxLen int) nameValidator {
	return nameValidator{
		what: "node tag", maxLen: maxLen,
		pattern: nodeTag,
		rule:    "use letters, digits, '-', '_' and '.', and start and end with a letter or digit",
	}
}

// userNameValidator is the rule for an Orka user in a role binding: the e-mail address the
// user logs in with, or (on clusters whose identity provider uses them) a plain user name.
// ASSUMED: Orka publishes no rule; these are the forms its docs and identity providers use.
func userNameValidator() nameValidator {
	return nameValidator{
		what: "user name", maxLen: 253,
		pattern: regexp.MustCompile(`^([^\s@/,:;<>()\[\]\\"]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+|[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)$`),
		rule: "use the e-mail address the user logs in with, such as dev@example.com (or a user name of " +
			"letters, digits, '.', '_' and '-'), with no spaces, '/', ',' or ':'",
	}
}

// stringRule adapts a rule function (what is wrong with a value, or "") to a validator.
type stringRule struct {
	summary string // "Invalid image"
	doc     string // the rule in words
	check   func(string) string
}

var _ validator.String = stringRule{}

func (v stringRule) Description(context.Context) string             { return v.doc }
func (v stringRule) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v stringRule) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := v.check(req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, fmt.Sprintf("%s: %s.", req.Path, p))
	}
}

// Images: a local image name (orka-api.md §4: `*.img`, `*.orkasi`) or an OCI reference, by
// the grammar of the OCI distribution spec: [registry[:port]/]repository[:tag][@digest], the
// repository in lowercase. Whether the image exists only Orka can say, at apply.
var (
	localImageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	ociHost        = `(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?`
	ociPathPart    = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	ociReference   = regexp.MustCompile(`^(?:(` + ociHost + `)/)?(` + ociPathPart + `(?:/` + ociPathPart + `)*)` +
		`(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,})?$`)
)

const imageRule = "an image is a local image name (letters, digits, '.', '_' and '-', such as " +
	"90gbsonomassd.orkasi) or an OCI reference [registry[:port]/]repository[:tag][@digest] whose repository " +
	"path is lowercase, such as ghcr.io/org/macos:sonoma"

func imageProblem(s string) string {
	switch {
	case s == "":
		return "is empty; " + imageRule
	case len(s) > 255:
		return fmt.Sprintf("is %d characters long; an image reference has at most 255", len(s))
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return fmt.Sprintf("%q contains white space; %s", s, imageRule)
	case !strings.ContainsAny(s, "/:@"):
		if localImageName.MatchString(s) {
			return ""
		}
	default:
		if m := ociReference.FindStringSubmatch(s); m != nil {
			// A first component without '.', ':' or "localhost" is a repository path, which
			// the grammar reads only when it is lowercase; that is what the match checked.
			if m[1] == "" || strings.ContainsAny(m[1], ".:[") || m[1] == "localhost" || strings.ToLower(m[1]) == m[1] {
				return ""
			}
		}
	}
	return fmt.Sprintf("%q is neither a local image name nor an OCI reference: %s", s, imageRule)
}

func imageValidator() validator.String {
	return stringRule{summary: "Invalid image", doc: "must be " + imageRule, check: imageProblem}
}

// Registry servers (orka-api.md §7): scheme, host and optional port, optionally a path (such
// as Docker Hub's https://index.docker.io/v1/); nothing else a credential could not match.
func registryServerProblem(s string) string {
	const example = "such as \"https://ghcr.io\" or \"https://registry.example.com:5000\""
	scheme, _, _ := strings.Cut(s, "://")
	if !strings.Contains(s, "://") || (scheme != "https" && scheme != "http") {
		return fmt.Sprintf("%q must start with https:// (or http:// with allow_insecure = true), %s", s, example)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("%q is not a URL with a host, %s", s, example)
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return fmt.Sprintf("%q contains white space; a registry server is a URL, %s", s, example)
	case u.User != nil:
		return fmt.Sprintf("a registry server must not carry a user name or password (user@host); set them in "+
			"username and password instead, %s", example)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Sprintf("%q must not have a query (?...) or fragment (#...): a registry server is scheme, host, "+
			"port and path only, %s", s, example)
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q has port %q; a port must be between 1 and 65535", s, p)
		}
	}
	return ""
}

func registryServerValidator() validator.String {
	return stringRule{summary: "Invalid registry server",
		doc: "must be a URL with scheme https:// or http://, a host and optionally a port and path", check: registryServerProblem}
}

// registryUsernameProblem refuses what HTTP basic authentication, which registries use, cannot
// carry in a user name.
func registryUsernameProblem(s string) string {
	switch {
	case s == "":
		return "is empty; set the registry user name"
	case strings.Contains(s, ":"):
		return fmt.Sprintf("%q contains ':', which registry logins (HTTP basic authentication) cannot carry in a user name", s)
	case strings.IndexFunc(s, unicode.IsControl) >= 0 || strings.TrimSpace(s) != s:
		return fmt.Sprintf("%q has leading or trailing white space or control characters", s)
	}
	return ""
}

func registryUsernameValidator() validator.String {
	return stringRule{summary: "Invalid registry user name", doc: "must not be empty or contain ':'", check: registryUsernameProblem}
}

// endpointProblem is the client's own rule for the endpoint (orka.New makes no request).
func endpointProblem(s string) string {
	if _, err := orka.New(orka.Config{Endpoint: s}); err != nil {
		return err.Error()
	}
	return ""
}

func endpointValidator() validator.String {
	return stringRule{summary: "Invalid Orka endpoint",
		doc: "must be an absolute http:// or https:// URL with a host and no query", check: endpointProblem}
}

// tokenProblem refuses what cannot go into an Authorization header, typically the newline of a
// token read with file(). It never repeats the secret.
func tokenProblem(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "the token contains white space or control characters (often a trailing newline from file(); " +
			"use trimspace()); a bearer token is one line without spaces"
	}
	return ""
}

func tokenValidator() validator.String {
	return stringRule{summary: "Invalid Orka token", doc: "must not contain white space", check: tokenProblem}
}

// caCertificateProblem checks that the value holds PEM certificates and nothing else, so a
// pasted private key or a truncated block is named at plan time, not as a TLS failure later.
func caCertificateProblem(s string) string {
	rest := []byte(strings.TrimSpace(s))
	n := 0
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Sprintf("holds a PEM block of type %q; only CERTIFICATE blocks belong here (never a private key)", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Sprintf("certificate %d cannot be read: %v", n+1, err)
		}
		n++
		rest = []byte(strings.TrimSpace(string(rest)))
	}
	switch {
	case n == 0:
		return "holds no PEM-encoded certificate; expected one or more -----BEGIN CERTIFICATE----- blocks " +
			"(the PEM text itself, such as file(\"ca.pem\"), not a path)"
	case len(rest) > 0:
		return fmt.Sprintf("has text after certificate %d that is not a PEM certificate block", n)
	}
	return ""
}

func caCertificateValidator() validator.String {
	return stringRule{summary: "Invalid CA certificate",
		doc: "must hold one or more PEM-encoded CERTIFICATE blocks", check: caCertificateProblem}
}

// durationValidator accepts Go duration strings ("90s", "2h45m") of at least min.
type durationValidator struct {
	min time.Duration
}

var _ validator.String = durationValidator{}

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a Go duration such as \"30s\", \"15m\" or \"720h\", of at least %s", v.min)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s: %q is not a duration: use a number and a unit (s, m or h), such as \"30s\", \"15m\" or \"720h\".", req.Path, s))
	case d <= 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Duration not positive",
			fmt.Sprintf("%s: %q is not longer than zero; it must be a duration of at least %s.", req.Path, s, v.min))
	case d < v.min:
		resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
			fmt.Sprintf("%s: %q is shorter than the minimum of %s.", req.Path, s, v.min))
	}
}

// timeoutsBlock is the framework's timeouts block with a check that each timeout is at least a
// second: the framework's own validator accepts "-5m" and "0s", which would make every
// operation fail at once.
func timeoutsBlock(ctx context.Context, opts timeouts.Opts) schema.Block {
	block, ok := timeouts.Block(ctx, opts).(schema.SingleNestedBlock)
	if !ok {
		panic("timeouts.Block is no longer a SingleNestedBlock")
	}
	for name, a := range block.Attributes {
		if s, ok := a.(schema.StringAttribute); ok {
			s.Validators = []validator.String{durationValidator{min: time.Second}}
			s.Description += " At least `1s`."
			block.Attributes[name] = s
		}
	}
	return block
}

// rfc3339Validator accepts timestamps such as "2026-12-05T22:00:00Z".
type rfc3339Validator struct{}

var _ validator.String = rfc3339Validator{}

func (rfc3339Validator) Description(context.Context) string {
	return "must be an RFC 3339 time such as \"2026-12-05T22:00:00Z\""
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time",
			fmt.Sprintf("%s: %q is not an RFC 3339 time: use a form such as \"2026-12-05T22:00:00Z\" or "+
				"\"2026-12-05T23:00:00+01:00\".", req.Path, req.ConfigValue.ValueString()))
	}
}

// portMappingValidator checks one reserved port mapping, NODEPORT:VMPORT[/tcp|/udp].
type portMappingValidator struct{}

var portMapping = regexp.MustCompile(`^(\d{1,5}):(\d{1,5})(/(tcp|udp))?$`)

func (portMappingValidator) Description(context.Context) string {
	return "must be NODEPORT:VMPORT with an optional /tcp or /udp, ports 1 to 65535"
}
func (v portMappingValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (portMappingValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	m := portMapping.FindStringSubmatch(s)
	ok := m != nil
	if ok {
		for _, p := range m[1:3] {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				ok = false
			}
		}
	}
	if !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid reserved port",
			fmt.Sprintf("%s: %q is not a port mapping: use NODEPORT:VMPORT with an optional /tcp or /udp, "+
				"ports 1 to 65535, such as \"8080:80\" or \"5353:53/udp\".", req.Path, s))
	}
}

// metadataTextValidator refuses ',' and '=', which Orka's custom metadata cannot hold.
type metadataTextValidator struct{ what string }

func (v metadataTextValidator) Description(context.Context) string {
	return "must not contain ',' or '='"
}
func (v metadataTextValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v metadataTextValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if s == "" && v.what == "key" || strings.ContainsAny(s, ",=") {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid custom metadata "+v.what,
			fmt.Sprintf("custom_metadata %s %q: Orka's custom metadata %ss must not be empty or contain ',' or '='.", v.what, s, v.what))
	}
}

// onlyTrueValidator is for a switch whose only meaning is "on" (the image cache's `all`): false
// selects nothing, which Orka refuses, so the user should leave the attribute out instead.
type onlyTrueValidator struct{ instead string }

var _ validator.Bool = onlyTrueValidator{}

func (v onlyTrueValidator) Description(context.Context) string {
	return "can only be true; " + v.instead
}
func (v onlyTrueValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v onlyTrueValidator) ValidateBool(_ context.Context, req validator.BoolRequest, resp *validator.BoolResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueBool() {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(),
		fmt.Sprintf("%s: false is not allowed; it can only be true. %s", req.Path, v.instead))
}

// checkGPUWithVNC applies Orka's rule that the GPU cannot be passed through while the VNC
// console is on. vncDefaultOn says what an unset vnc_console means (on for a VM config; for a
// VM it means "as the VM config says", which only Orka knows).
func checkGPUWithVNC(gpu, vnc types.Bool, vncDefaultOn bool, diags *diag.Diagnostics) {
	gpuOn := !gpu.IsNull() && !gpu.IsUnknown() && gpu.ValueBool()
	vncOn := (vnc.IsNull() && vncDefaultOn) || (!vnc.IsNull() && !vnc.IsUnknown() && vnc.ValueBool())
	if !gpuOn || !vncOn {
		return
	}
	why := "vnc_console is set to true"
	if vnc.IsNull() {
		why = "vnc_console defaults to true"
	}
	diags.AddAttributeError(path.Root("gpu_passthrough"), "GPU passthrough needs the VNC console off",
		"gpu_passthrough = true requires vnc_console = false: Orka cannot pass the GPU through while the VNC "+
			"console is enabled ("+why+").")
}

// managedNamespaceProblem is the rule for a namespace this provider creates and deletes:
// orka-default always exists, and Orka refuses to delete it.
func managedNamespaceProblem(s string) string {
	if p := namespaceNameValidator().problem(s); p != "" {
		return p
	}
	if s == orka.DefaultNamespace {
		return fmt.Sprintf("%q always exists and Orka can neither create nor delete it, so it cannot be an "+
			"orka_namespace; use it directly (it is the provider's default namespace)", s)
	}
	return ""
}

func managedNamespaceValidator() validator.String {
	return stringRule{summary: "Invalid namespace name", doc: "must be a valid namespace name other than orka-default",
		check: managedNamespaceProblem}
}

// checkRotateBefore refuses a rotate_before that is not shorter than the token's lifetime: the
// token would then be due for rotation as soon as it is minted, and every plan would mint
// another one.
func checkRotateBefore(duration, rotateBefore types.String, noExpiration types.Bool, diags *diag.Diagnostics) {
	if rotateBefore.IsNull() || rotateBefore.IsUnknown() || duration.IsUnknown() || noExpiration.ValueBool() {
		return
	}
	before, err := time.ParseDuration(rotateBefore.ValueString())
	if err != nil {
		return // the attribute's own validator says so
	}
	lifetime, what := tokenDefaultLifetime, fmt.Sprintf("Orka's default token lifetime of %s", tokenDefaultLifetime)
	if !duration.IsNull() {
		if lifetime, err = time.ParseDuration(duration.ValueString()); err != nil {
			return
		}
		what = fmt.Sprintf("duration %q", duration.ValueString())
	}
	if before >= lifetime {
		diags.AddAttributeError(path.Root("rotate_before"), "rotate_before is not shorter than the token's lifetime",
			fmt.Sprintf("rotate_before: %q is not shorter than %s, so every new token would already be due for "+
				"rotation and every plan would mint another. Set rotate_before well below the lifetime, such as a "+
				"quarter of it.", rotateBefore.ValueString(), what))
	}
}

// listNamespaceValidator accepts a namespace name, or "*" for every namespace (list resources).
func listNamespaceValidator() validator.String {
	return stringRule{summary: "Invalid namespace name", doc: `must be a namespace name or "*"`, check: func(s string) string {
		if s == "*" {
			return ""
		}
		if p := namespaceNameValidator().problem(s); p != "" {
			return p + `, or "*" for every namespace`
		}
		return ""
	}}
}

// memoryStep is Orka's memory granularity: it rounds memory to the nearest 0.1 GiB (the CRD
// types vendored in MacStadium's Packer plugin; orka-api.md §4).
const memoryStep = 0.1

// memoryProblem says what is wrong with a memory size in GiB, or "". A size Orka would round
// is refused rather than accepted: the state would otherwise hold a value Orka never kept.
func memoryProblem(gib float64) string {
	switch {
	case gib < memoryStep:
		return fmt.Sprintf("%v GiB is below Orka's minimum of %v GiB", gib, memoryStep)
	case !onMemoryStep(gib):
		return fmt.Sprintf("%v GiB is not a multiple of %v GiB; Orka rounds memory to the nearest %v GiB, so it "+
			"would keep %v: write %v", gib, memoryStep, memoryStep, roundMemory(gib), roundMemory(gib))
	}
	return ""
}

func onMemoryStep(gib float64) bool { return math.Abs(gib*10-math.Round(gib*10)) < 1e-6 }

// roundMemory is what Orka keeps of a memory size: the nearest 0.1 GiB.
func roundMemory(gib float64) float64 { return math.Round(gib*10) / 10 }

// memoryValidator checks a memory size in GiB at plan time.
type memoryValidator struct{}

var _ validator.Float64 = memoryValidator{}

func (memoryValidator) Description(context.Context) string {
	return fmt.Sprintf("must be at least %v GiB, in steps of %v GiB (Orka rounds memory to the nearest %v GiB)", memoryStep, memoryStep, memoryStep)
}
func (v memoryValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (memoryValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := memoryProblem(req.ConfigValue.ValueFloat64()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid memory size", fmt.Sprintf("%s: %s.", req.Path, p))
	}
}

// ownerPattern is what an owner may hold: it is written into Orka's custom metadata, whose
// values must not contain ',' or '='.
var ownerPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./:@-]{0,62}$`)

// ownerProblem says what is wrong with a provider owner, or "".
func ownerProblem(s string) string {
	if !ownerPattern.MatchString(s) {
		return fmt.Sprintf("%q is not a valid owner: 1 to 63 letters, digits and '-_./:@', starting with a letter or digit", s)
	}
	return ""
}

func ownerValidator() validator.String {
	return stringRule{summary: "Invalid owner", doc: "1 to 63 letters, digits and `-_./:@`", check: ownerProblem}
}

var revisionPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// revisionProblem says what is wrong with a vm_config_revision, or "".
func revisionProblem(s string) string {
	if !revisionPattern.MatchString(s) {
		return fmt.Sprintf("%q is not a VM config revision (16 hexadecimal digits); set it to orka_vm_config.<name>.revision", s)
	}
	return ""
}
