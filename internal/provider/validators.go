package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
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

func (v nameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	switch {
	case len(s) == 0 || len(s) > v.maxLen:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.what,
			fmt.Sprintf("%s: %q is %d characters long; a %s must be 1 to %d characters.", req.Path, s, len(s), v.what, v.maxLen))
	case !v.pattern.MatchString(s):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.what,
			fmt.Sprintf("%s: %q is not a valid %s: %s.", req.Path, s, v.what, v.rule))
	}
}

func vmConfigNameValidator() validator.String {
	return nameValidator{
		what: "VM config name", maxLen: 50,
		pattern: regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`),
		rule:    "use lowercase letters, digits and '-', start with a letter and end with a letter or digit",
	}
}

func namespaceNameValidator() validator.String {
	return nameValidator{
		what: "namespace name", maxLen: 63,
		pattern: regexp.MustCompile(`^orka-[a-z0-9-]*[a-z0-9]$`),
		rule:    "start with \"orka-\", use lowercase letters, digits and '-', and end with a letter or digit",
	}
}

// durationValidator accepts Go duration strings ("90s", "2h45m") within bounds.
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
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s: %q is not a duration: use a number and a unit (s, m or h), such as \"30s\", \"15m\" or \"720h\".", req.Path, s))
		return
	}
	if d < v.min {
		resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
			fmt.Sprintf("%s: %q is shorter than the minimum of %s.", req.Path, s, v.min))
	}
}

// dnsLabel is Kubernetes' DNS label rule, which Orka applies to VM names.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

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
