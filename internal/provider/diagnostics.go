package provider

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// tokenRejectedAdvice is shown whenever Orka answers 401 to the provider's own token. After an
// Orka release or layer upgrade this is the one thing an apply cannot repair by itself.
const tokenRejectedAdvice = "Orka rejected the provider's token (HTTP 401): it is expired, invalid, or was " +
	"invalidated. Service-account tokens must be regenerated after every Orka release upgrade and " +
	"virtualization/orchestration layer upgrade: run `orka3 serviceaccount token <name>` (user tokens from " +
	"`orka3 user get-token` last one hour). Then update the token where this run reads it: the " +
	"ORKA_TOKEN environment variable (in Terraform Cloud, the workspace's sensitive ORKA_TOKEN variable) " +
	"or the provider block's token argument."

// addAPIError turns an error from the Orka client into one diagnostic a person can act on:
// what was being done, Orka's own answer, and what to do next. Secrets never reach it: the
// client's errors carry method, path, status and Orka's message only.
func addAPIError(diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, apiErrorDetail(err))
}

func apiErrorDetail(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	b.WriteString("\n\n")
	switch {
	case orka.IsUnauthorized(err):
		b.WriteString(tokenRejectedAdvice)
	case orka.IsForbidden(err):
		b.WriteString("The token is valid but may not do this. Namespaces, service accounts, role bindings and " +
			"registry credentials need an administrator's token; other objects need a token whose account is " +
			"bound to the namespace (orka_role_binding_subject).")
	case orka.IsAmbiguous(err):
		b.WriteString("The request may have reached Orka, but its answer was lost. Nothing was retried blindly; " +
			"run terraform plan to see what Orka now holds, then apply again.")
	case orka.IsUnavailable(err):
		b.WriteString("The Orka API is not answering. The cluster looks to be in a maintenance window " +
			"(MacStadium upgrades take up to 3 hours, during which the API is unreachable) or its API server " +
			"is restarting. Nothing is lost from state: run terraform apply again ")
		if d, ok := orka.RetryAfterOf(err); ok && d > 0 {
			fmt.Fprintf(&b, "after %s (Orka's Retry-After), at about %s.", d.Round(time.Second),
				time.Now().Add(d).UTC().Format(time.RFC3339))
		} else {
			b.WriteString("once the window has ended.")
		}
	case orka.IsBadRequest(err):
		b.WriteString("Orka refused the request as invalid; its message above names the field. " +
			"Correct the configuration and apply again.")
	default:
		b.WriteString("If this persists, check the cluster's state with the orka3 CLI.")
	}
	return b.String()
}
