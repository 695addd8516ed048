package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// Token lifetimes. Orka's default is one year; the minimum is the simulator's and is kept well
// above a Terraform run so that a token cannot expire between plan and apply.
const (
	tokenDefaultLifetime = 8760 * time.Hour
	tokenMinDuration     = 10 * time.Minute
)

// tokenDocs describes the token arguments once, for the resource and the ephemeral resource.
var tokenDocs = map[string]string{ //nolint:gosec // documentation, not credentials
	"service_account": "Name of the service account the token is for.",
	"namespace":       "Namespace of the service account. Defaults to the provider's `namespace`.",
	"duration": "Lifetime of the token as a Go duration, such as `720h` (30 days), of at least `" +
		tokenMinDuration.String() + "`. When not set, Orka's default of one year (`8760h`) applies. Orka may " +
		"grant a different lifetime; `expires_at` shows the one it granted. Conflicts with `no_expiration`.",
	"no_expiration": "Ask for a token that never expires (Orka 3.0.2 and later). Such a token still dies " +
		"after an Orka release or layer upgrade and when its service account is deleted. Conflicts with `duration`.",
	"token": "The token: a JSON Web Token to send as `Authorization: Bearer <token>` (or to set as `ORKA_TOKEN`).",
	"expires_at": "When the token expires (RFC 3339), read from the token's own `exp` claim; null when it " +
		"never expires.",
	"issued_at": "When the token was issued (RFC 3339), read from the token's own `iat` claim.",
}

// tokenRequest turns the token arguments into Orka's request. Nothing set sends "{}", the
// documented request for the default one-year token.
func tokenRequest(duration types.String, noExpiration types.Bool) orka.TokenRequest {
	return orka.TokenRequest{
		Duration:     duration.ValueString(),
		NoExpiration: noExpiration.ValueBool(),
	}
}

// tokenTimes returns issued_at and expires_at for a freshly minted token. When the token's
// claims cannot be read (a token format this provider does not know), they are derived from
// the request and the clock instead, so that expiry is still tracked.
func tokenTimes(token string, req orka.TokenRequest, now time.Time) (issued, expires types.String, err error) {
	c, err := orka.ParseTokenClaims(token)
	if err != nil {
		c = orka.TokenClaims{IssuedAt: now.UTC()}
		if !req.NoExpiration {
			lifetime := tokenDefaultLifetime
			if d, perr := time.ParseDuration(req.Duration); perr == nil && req.Duration != "" {
				lifetime = d
			}
			c.ExpiresAt = now.Add(lifetime).UTC()
		}
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = now.UTC()
	}
	issued = types.StringValue(c.IssuedAt.Format(time.RFC3339))
	expires = types.StringNull()
	if !c.ExpiresAt.IsZero() {
		expires = types.StringValue(c.ExpiresAt.Format(time.RFC3339))
	}
	return issued, expires, err
}

// addTokenError reports a failed token request; a missing account gets its own advice.
func addTokenError(diags *diag.Diagnostics, ns, sa string, err error) {
	summary := fmt.Sprintf("Could not create a token for service account %q in namespace %q", sa, ns)
	if orka.IsNotFound(err) {
		diags.AddError(summary, fmt.Sprintf("Orka has no service account %q in namespace %q (or no such namespace). "+
			"Create it first, for example with an orka_service_account resource, and reference its name so that "+
			"Terraform creates it before the token.\n\n%s", sa, ns, err))
		return
	}
	addAPIError(diags, summary, err)
}

// addTokenRegenerated warns that the plan regenerates a token, and why. Every token's warning
// has the same summary, whatever the reason, so that Terraform folds those of a plan that
// regenerates many tokens (six pool tokens after an upgrade) into one block ("and 5 more
// similar warnings elsewhere") instead of repeating the paragraph per token; the detail names
// the token, and the plan lists each one it creates or replaces. stillValid says whether Orka
// would still accept the old token (regenerated early, by rotate_before or regenerate_after):
// only then is it worth saying that the old token keeps working, since Orka cannot revoke it;
// for a token Orka already rejects or that has expired, that note would contradict the reason.
func addTokenRegenerated(diags *diag.Diagnostics, sa, ns, reason, next string, stillValid bool) {
	detail := fmt.Sprintf("The token of service account %q in namespace %q is regenerated because %s. %s",
		sa, ns, reason, next)
	if stillValid {
		detail += " (Orka cannot revoke a single token: the old one stays valid until it expires or its " +
			"service account is deleted.)"
	}
	diags.AddWarning(summaryTokenRegenerated, detail)
}

// validateTokenLifetime refuses duration together with no_expiration = true (false is fine).
func validateTokenLifetime(duration types.String, noExpiration types.Bool, diags *diag.Diagnostics) {
	if noExpiration.ValueBool() && !duration.IsNull() && !duration.IsUnknown() {
		diags.AddAttributeError(path.Root("duration"), "duration conflicts with no_expiration",
			"A token either expires after duration or never expires: set duration, or no_expiration = true, not both.")
	}
}
