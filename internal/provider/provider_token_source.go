package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/providervalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// The provider's token sources: a token (`token`, ORKA_TOKEN), a command (`exec`), or an EKS
// IAM token (`eks`, ORKA_EKS_CLUSTER_NAME). Exactly one is used; two given at once is an
// error, since one of them would be silently ignored.

const (
	envEKSClusterName     = "ORKA_EKS_CLUSTER_NAME"
	envEKSRegion          = "ORKA_EKS_REGION"
	envTokenExpiryWarning = "ORKA_TOKEN_EXPIRY_WARNING" //nolint:gosec // a variable name
	// defaultTokenExpiryWarning is a week: enough to rotate a service-account token calmly.
	defaultTokenExpiryWarning = 7 * 24 * time.Hour
)

// execModel is the `exec` argument.
type execModel struct {
	Command types.String `tfsdk:"command"`
	Args    types.List   `tfsdk:"args"`
	Env     types.Map    `tfsdk:"env"`
}

// eksModel is the `eks` argument.
type eksModel struct {
	ClusterName       types.String `tfsdk:"cluster_name"`
	Region            types.String `tfsdk:"region"`
	SharedConfigFiles types.List   `tfsdk:"shared_config_files"`
}

// configuredTokenSource picks the token source, or reports why none can be used. static is the
// static token ("" for the other sources), for the expiry warning.
func configuredTokenSource(ctx context.Context, cfg providerModel, now func() time.Time, diags *diag.Diagnostics) (src orka.TokenSource, static string) {
	type choice struct{ name, from string }
	var chosen []choice
	if cfg.Token.ValueString() != "" { // an empty token (an unset variable) is no token
		chosen = append(chosen, choice{"token", "token"})
	}
	if !cfg.Exec.IsNull() {
		chosen = append(chosen, choice{"exec", "exec"})
	}
	if !cfg.EKS.IsNull() {
		chosen = append(chosen, choice{"eks", "eks"})
	}
	if len(chosen) == 0 {
		if os.Getenv(envToken) != "" {
			chosen = append(chosen, choice{"token", envToken})
		}
		if os.Getenv(envEKSClusterName) != "" {
			chosen = append(chosen, choice{"eks", envEKSClusterName})
		}
	} else if chosen[0].name != "token" && os.Getenv(envToken) != "" {
		chosen = append(chosen, choice{"token", envToken})
	}
	switch {
	case len(chosen) == 0:
		diags.AddAttributeError(path.Root("token"), "Missing Orka API token",
			"Set token in the provider \"orka\" block or the "+envToken+" environment variable (in Terraform "+
				"Cloud, a sensitive workspace variable), or a token source that needs no person: eks (Orka on AWS, "+
				"or "+envEKSClusterName+") or exec (a command that prints a token). Namespaces, service accounts "+
				"and their tokens, role bindings and registry credentials need an administrator's token (orka3 user "+
				"get-token); VMs, VM configs and image caches also work with a service-account token bound to their "+
				"namespace.")
		return nil, ""
	case len(chosen) > 1:
		names := make([]string, len(chosen))
		for i, c := range chosen {
			names[i] = c.from
		}
		diags.AddAttributeError(path.Root(chosen[1].name), "Conflicting Orka token sources",
			"The provider takes its token from exactly one of token (or "+envToken+"), exec and eks (or "+
				envEKSClusterName+"), but "+strings.Join(names, " and ")+" are set. Remove all but one.")
		return nil, ""
	}

	switch chosen[0].name {
	case "exec":
		var m execModel
		diags.Append(cfg.Exec.As(ctx, &m, objectAsOptions)...)
		var args []string
		var env map[string]string
		diags.Append(m.Args.ElementsAs(ctx, &args, false)...)
		diags.Append(m.Env.ElementsAs(ctx, &env, false)...)
		if diags.HasError() {
			return nil, ""
		}
		src, err := orka.NewExecTokenSource(orka.ExecConfig{Command: m.Command.ValueString(), Args: args, Env: env, Now: now})
		if err != nil {
			diags.AddAttributeError(path.Root("exec").AtName("command"), "Invalid exec token source", "exec.command: "+err.Error()+".")
			return nil, ""
		}
		return src, ""
	case "eks":
		var m eksModel
		var files []string
		if !cfg.EKS.IsNull() {
			diags.Append(cfg.EKS.As(ctx, &m, objectAsOptions)...)
			if !diags.HasError() {
				diags.Append(m.SharedConfigFiles.ElementsAs(ctx, &files, false)...)
			}
		} else {
			m.ClusterName = types.StringValue(os.Getenv(envEKSClusterName))
			m.Region = types.StringValue(os.Getenv(envEKSRegion))
		}
		if diags.HasError() {
			return nil, ""
		}
		src, err := orka.NewEKSTokenSource(orka.EKSConfig{ClusterName: m.ClusterName.ValueString(),
			Region: m.Region.ValueString(), SharedConfigFiles: files, Now: now})
		if err != nil {
			diags.AddAttributeError(path.Root("eks").AtName("cluster_name"), "Invalid eks token source", "eks.cluster_name: "+err.Error()+".")
			return nil, ""
		}
		return src, ""
	}
	token := stringOrEnv(cfg.Token, envToken)
	return orka.StaticTokenSource(token), token
}

// tokenExpiryWarning is how long before the static token's expiry every plan warns: the
// token_expiry_warning argument, ORKA_TOKEN_EXPIRY_WARNING, or a week; "0s" turns it off.
func tokenExpiryWarning(cfg providerModel, diags *diag.Diagnostics) time.Duration {
	s := stringOrEnv(cfg.TokenExpiryWarning, envTokenExpiryWarning)
	if s == "" {
		return defaultTokenExpiryWarning
	}
	if p := nonNegativeDurationProblem(s); p != "" {
		diags.AddAttributeError(path.Root("token_expiry_warning"), "Invalid token_expiry_warning",
			fmt.Sprintf("token_expiry_warning (or %s): %s.", envTokenExpiryWarning, p))
		return 0
	}
	d, _ := time.ParseDuration(s)
	return d
}

// nonNegativeDurationProblem accepts a Go duration of zero or more.
func nonNegativeDurationProblem(s string) string {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Sprintf("%q is not a duration: use a number and a unit (s, m or h), such as \"168h\"", s)
	case d < 0:
		return fmt.Sprintf("%q is negative; use \"0s\" to turn the warning off", s)
	}
	return ""
}

// shortLivedTokenMargin is how close to its expiry a token whose whole lifetime is shorter
// than token_expiry_warning (a one-hour user token) must be before the warning comes: about
// what a long apply, a recovery of many VMs, may need.
const shortLivedTokenMargin = 15 * time.Minute

// summaryTokenExpiring heads the warning of every run while the token nears its expiry.
const summaryTokenExpiring = "The Orka token expires soon" //nolint:gosec // a message, not a credential

// warnTokenExpiry warns, in every plan and apply, when the configured token expires within
// lead (or has expired), naming its account and the time, so that it is renewed before an
// unattended run fails. The claims are read, never verified.
func warnTokenExpiry(token string, lead time.Duration, now time.Time, diags *diag.Diagnostics) {
	if token == "" || lead <= 0 {
		return
	}
	claims, err := orka.ParseTokenClaims(token)
	if err != nil || claims.ExpiresAt.IsZero() {
		return
	}
	left := claims.ExpiresAt.Sub(now)
	if left > lead {
		return
	}
	if lifetime := claims.ExpiresAt.Sub(claims.IssuedAt); !claims.IssuedAt.IsZero() && lifetime <= lead && left > shortLivedTokenMargin {
		// Short-lived by design (orka3 user get-token gives one hour): pasted fresh for an
		// attended run, it always "expires within" the lead time, and a warning on every such
		// run would teach people to ignore it. It warns once the token nears its end.
		return
	}
	account := orka.AccountOf(token)
	who := "The provider's token"
	if account != "" {
		who += ", for " + account + ","
	}
	at := claims.ExpiresAt.UTC().Format(time.RFC3339)
	var when string
	if left <= 0 {
		when = fmt.Sprintf("%s expired at %s: every request will be rejected with HTTP 401.", who, at)
	} else {
		when = fmt.Sprintf("%s expires at %s, in %s (token_expiry_warning is %s). Runs after that time fail "+
			"with HTTP 401, in the middle of an apply if one is running then.", who, at, left.Round(time.Second), lead)
	}
	// Not an attribute warning: Terraform would quote the configuration line, which may hold
	// the token itself.
	diags.AddWarning(summaryTokenExpiring, when+" "+mintAdvice(account))
}

var _ provider.ProviderWithConfigValidators = (*orkaProvider)(nil)

// ConfigValidators refuse two token sources at once at plan time, pointing at both.
func (p *orkaProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{
		providervalidator.Conflicting(path.MatchRoot("token"), path.MatchRoot("exec"), path.MatchRoot("eks")),
	}
}

var objectAsOptions = basetypes.ObjectAsOptions{}

func tokenExpiryWarningAttribute() schema.Attribute {
	return schema.StringAttribute{
		MarkdownDescription: "How long before the expiry of the provider's token (`token` or `" + envToken + "`) every " +
			"plan and apply warns, naming the token's account and its expiry, as a Go duration. The expiry is read " +
			"from the token's JWT `exp` claim (never verified). Defaults to `168h` (a week); `0s` turns the warning " +
			"off. A token whose whole lifetime is shorter than this (such as the one-hour user token of " +
			"`orka3 user get-token`, pasted fresh for an attended run, as in an admin workspace) warns only in " +
			"its last " + strconv.Itoa(int(shortLivedTokenMargin.Minutes())) + " minutes, not on every run. Environment variable: `" +
			envTokenExpiryWarning + "`.",
		Optional: true,
		Validators: []validator.String{stringRule{summary: "Invalid token_expiry_warning",
			doc: "must be a Go duration of zero or more, such as \"168h\"", check: nonNegativeDurationProblem}},
	}
}

func execAttribute() schema.Attribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Get the token by running a command, with no person present: a secrets manager's CLI, " +
			"a script, or a Kubernetes credential plugin. The command prints the token on standard output, alone, " +
			"or a Kubernetes `ExecCredential` JSON object (`status.token`, and `status.expirationTimestamp` when " +
			"the token expires). The token is kept until a minute before its expiry (an `ExecCredential`'s " +
			"`expirationTimestamp`, else the token's JWT `exp`) and the command is run again then, and whenever " +
			"Orka rejects the token (HTTP 401), before the request is sent once more. When that run prints the " +
			"rejected token again, further 401s to it run the command again only after a minute, not once per " +
			"request. The token never appears in " +
			"logs or messages. Conflicts with `token`, with a non-empty `" + envToken + "` environment variable " +
			"(when moving a Terraform Cloud workspace to `exec`, delete its `" + envToken + "` variable) and " +
			"with `eks`.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"command": schema.StringAttribute{
				MarkdownDescription: "The program to run, found on `PATH` or given as a path. It is not run by a shell.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"args": schema.ListAttribute{
				MarkdownDescription: "Its arguments.",
				ElementType:         types.StringType,
				Optional:            true,
			},
			"env": schema.MapAttribute{
				MarkdownDescription: "Environment variables added to the provider's own for the command.",
				ElementType:         types.StringType,
				Optional:            true,
				Sensitive:           true,
			},
		},
	}
}

func eksAttribute() schema.Attribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Authenticate to Orka on AWS with an EKS IAM token, as MacStadium's own integrations " +
			"do: a presigned STS `GetCallerIdentity` request for the EKS cluster, signed with the AWS SDK's " +
			"default credential chain (environment variables, shared files and profiles, web identity, SSO, " +
			"container and instance roles), so that Terraform Cloud's AWS dynamic credentials work and no token is " +
			"stored anywhere (see `shared_config_files`). A token lasts 15 minutes and is signed again after 14, so long applies keep working; " +
			"Orka upgrades do not invalidate it. The EKS cluster must map the AWS identity to an Orka user or " +
			"administrator (an EKS access entry or `aws-auth`). Conflicts with `token`, with a non-empty `" +
			envToken + "` environment variable (when moving a Terraform Cloud workspace to `eks`, delete its `" +
			envToken + "` variable) and with `exec`. Environment " +
			"variables: `" + envEKSClusterName + "` and `" + envEKSRegion + "`, used when none of `token`, `exec` and " +
			"`eks` is set.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"cluster_name": schema.StringAttribute{
				MarkdownDescription: "Name of the EKS cluster Orka runs on; the token is signed for it and good for no other.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "AWS region of the STS endpoint that signs, such as `us-east-1`. Defaults to the " +
					"region of the AWS configuration (`AWS_REGION`, the profile), else `us-east-1`.",
				Optional: true,
			},
			"shared_config_files": schema.ListAttribute{
				MarkdownDescription: "AWS shared config files to read instead of the default `~/.aws/config`. With HCP " +
					"Terraform's (Terraform Cloud's) AWS dynamic credentials, set it to " +
					"`[var.tfc_aws_dynamic_credentials.default.shared_config_file]`: the run's role and identity token " +
					"are in that file.",
				ElementType: types.StringType,
				Optional:    true,
			},
		},
	}
}
