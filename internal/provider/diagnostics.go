package provider

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// Summaries of failures that have one cause for every object they hit (a dead token, a
// maintenance window, a wrong CA). Every diagnostic of such a cause carries the same summary,
// so that Terraform folds repeated warnings into one ("and N more similar warnings"), and
// errors read as one cause; the detail still names the object each one is about.
const (
	summaryTokenRejected = "Orka rejected the provider's token"       //nolint:gosec // a message, not a credential
	summaryTokenSource   = "The provider could not get an Orka token" //nolint:gosec // a message
	summaryAdminNeeded   = "An Orka administrator's token is needed"
	summaryForbidden     = "The provider's token lacks a permission"
	summaryUnavailable   = "The Orka API is unavailable"
	summaryUnreachable   = "The Orka API cannot be reached"
	summaryTLS           = "The Orka API's TLS certificate was not accepted"
	summaryScheme        = "The Orka endpoint's scheme is not the one its server speaks"
	summaryGone          = "Object no longer exists in Orka"
	// summaryTokenRegenerated is a warning, not a credential.
	summaryTokenRegenerated = "Service-account token will be regenerated" //nolint:gosec // a message
)

// tokenRejectedAdvice is shown whenever Orka answers 401 to the provider's own token. After an
// Orka release or layer upgrade this is the one thing an apply cannot repair by itself.
const tokenRejectedAdvice = "Orka rejected the provider's token (HTTP 401): it is expired, invalid, or was " +
	"invalidated. Service-account tokens must be regenerated after every Orka release upgrade and " +
	"virtualization/orchestration layer upgrade: an administrator runs `orka3 serviceaccount token <name>` " +
	"(user tokens from `orka3 user get-token` last one hour). Then update the token where this run reads it: the " +
	"ORKA_TOKEN environment variable (in Terraform Cloud, the workspace's sensitive ORKA_TOKEN variable) " +
	"or the provider block's token argument."

// adminOnlyAdvice says which objects need an administrator, for every diagnostic about one.
const adminOnlyAdvice = "Namespaces, service accounts and their tokens, role bindings, registry credentials " +
	"and node placement are administrator-only in Orka, for reading as well as for changes. No regular " +
	"service-account token can do them. Run this configuration with an administrator's token (`orka3 user " +
	"get-token` while logged in as an administrator, or on Orka Small Teams the admin service account's token), " +
	"or keep these objects in a configuration (a Terraform Cloud workspace) of " +
	"their own that runs with one; the provider documentation's \"Privileges\" table says which token each " +
	"resource needs."

// addAPIError turns an error from the Orka client into one diagnostic a person can act on:
// what was being done, Orka's own answer, and what to do next. Secrets never reach it: the
// client's errors carry method, path, status and Orka's message only.
func addAPIError(diags *diag.Diagnostics, what string, err error) {
	summary, detail := describeAPIError(what, err)
	diags.AddError(summary, detail)
}

// describeAPIError gives the summary and detail of a failure while doing `what`. A failure
// of a shared cause gets that cause's summary, with `what` leading the detail.
func describeAPIError(what string, err error) (summary, detail string) {
	cause := causeSummary(err)
	if cause == "" {
		return what, apiErrorDetail(err)
	}
	return cause, what + ".\n\n" + apiErrorDetail(err)
}

// causeSummary is the shared summary of an error's cause, or "" when the error is about one
// object only (a bad request, a conflict, a 404).
func causeSummary(err error) string {
	switch {
	case orka.IsUnauthorized(err):
		return summaryTokenRejected
	case orka.IsTokenSourceFailure(err):
		return summaryTokenSource
	case orka.IsForbidden(err):
		if forbiddenNeedsAdmin(err) {
			return summaryAdminNeeded
		}
		return summaryForbidden
	case orka.IsAmbiguous(err):
		return ""
	case isSchemeMismatch(err):
		return summaryScheme
	case orka.IsServerUnavailable(err):
		return summaryUnavailable
	case orka.IsTLSFailure(err):
		return summaryTLS
	case orka.IsUnreachable(err):
		return summaryUnreachable
	}
	return ""
}

// apiErrorDetail is the error itself and what to do about it, worded to fit both plan and
// apply (the provider cannot always tell which command runs).
func apiErrorDetail(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	b.WriteString("\n\n")
	switch {
	case orka.IsUnauthorized(err):
		b.WriteString(tokenRejectedAdviceFor(err))
	case orka.IsTokenSourceFailure(err):
		b.WriteString("No request was sent. Fix the token source named above (run the exec command by hand, or " +
			"check with `aws sts get-caller-identity` that the AWS credentials the eks source uses are there), " +
			"then run Terraform again. Nothing was lost from the Terraform state.")
	case orka.IsForbidden(err):
		b.WriteString(forbiddenAdvice(err))
	case orka.IsAmbiguous(err):
		b.WriteString("The request may have reached Orka, but its answer was lost. Nothing was retried blindly; " +
			"run terraform plan to see what Orka now holds, then apply again.")
	case isSchemeMismatch(err):
		use, _ := orka.IsSchemeMismatch(err)
		fmt.Fprintf(&b, "Nothing was sent to Orka. Set the provider's endpoint (`endpoint`, or the ORKA_ENDPOINT "+
			"environment variable) to %s and run Terraform again.", use)
	case orka.IsServerUnavailable(err):
		b.WriteString("Orka's API server answered that it cannot serve requests now: the cluster is in a " +
			"maintenance window (MacStadium upgrades take up to 3 hours) or its API server is restarting. " +
			"Nothing was lost from the Terraform state. Run the same Terraform command again ")
		if d, ok := orka.RetryAfterOf(err); ok && d > 0 {
			fmt.Fprintf(&b, "after %s (Orka's Retry-After), at about %s.", d.Round(time.Second),
				time.Now().Add(d).UTC().Format(time.RFC3339))
		} else {
			b.WriteString("once the window has ended.")
		}
	case orka.IsTLSFailure(err):
		b.WriteString("The TLS handshake with the Orka API failed, so no request was sent. If the cluster uses a " +
			"private or self-signed certificate, give its CA to the provider: `ca_certificate` (PEM text, or the " +
			"ORKA_CA_CERTIFICATE environment variable) or `ca_certificate_file` (a path, or " +
			"ORKA_CA_CERTIFICATE_FILE). `insecure_skip_verify = true` turns the check off, for test clusters " +
			"only. If the endpoint serves plain HTTP, write http:// instead of https://.")
	case orka.IsUnreachable(err) && refusedConnection(err):
		b.WriteString("The host answered, but nothing listens on that port, so no request reached Orka. Check the " +
			"endpoint's host and port (`endpoint` or ORKA_ENDPOINT) and that the Orka API server runs. This is not " +
			"a transient fault, so the provider stopped after a second refusal instead of retrying for half a " +
			"minute. Nothing was lost from the Terraform state.")
	case orka.IsUnreachable(err):
		b.WriteString("Nothing answered at the provider's endpoint: this is a network failure (connection " +
			"refused, unknown host, no route or a timeout), not an answer from Orka. Check the endpoint " +
			"(`endpoint` or ORKA_ENDPOINT), that Terraform runs where it can reach the cluster (a private " +
			"http://10.x endpoint needs MacStadium's VPN; Terraform Cloud needs an agent inside that network), " +
			"and that the cluster is up. Nothing was lost from the Terraform state.")
	case orka.IsBadRequest(err):
		b.WriteString("Orka refused the request as invalid; its message above names the field. " +
			"Correct the configuration and run Terraform again.")
	default:
		b.WriteString("If this persists, check the cluster's state with the orka3 CLI.")
	}
	return b.String()
}

func isSchemeMismatch(err error) bool {
	_, ok := orka.IsSchemeMismatch(err)
	return ok
}

// refusedConnection reports a failure whose last attempt found nothing listening.
func refusedConnection(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// adminOnlyKinds are the API resource kinds (the path segment after the namespace) that only
// an administrator may use (orka-api.md §1 and §8).
var adminOnlyKinds = map[string]bool{
	"serviceaccounts": true, "rolebindings": true, "secrets/registrycredentials": true, "namespaces": true,
}

// forbiddenNeedsAdmin reports a 403 for an administrator-only operation, or by a token that is
// known not to be an administrator's on a route outside its own namespace's reach.
func forbiddenNeedsAdmin(err error) bool {
	ae := forbiddenError(err)
	if ae == nil {
		return false
	}
	kind := strings.SplitN(ae.Permission(), " ", 2)[1]
	return adminOnlyKinds[kind] || (kind == "nodes" && ae.Method != "GET")
}

// ownedKind names the kind of object a 403 was about when it refused deleting a VM or a VM
// config, which Orka lets Tech users and regular service accounts do only to their own
// (orka-api.md §5, the access matrix); "" for any other 403.
func ownedKind(ae *orka.APIError) string {
	switch ae.Permission() {
	case "delete vms":
		return "VM"
	case "delete vmconfigs":
		return "VM config"
	}
	return ""
}

// ownershipAdvice explains a refused delete of another subject's VM or VM config.
func ownershipAdvice(what string, tok orka.TokenKind) string {
	who := "this token's user"
	if tok.ServiceAccount {
		who = "service account " + tok.Namespace + "/" + tok.Name
	}
	return fmt.Sprintf("Orka lets Tech users and regular service accounts delete only the %[1]ss they created, "+
		"and this %[1]s was created by someone other than %[2]s (Orka's message above names its owner where Orka "+
		"says it). Delete it with the token of the user or service account that created it, or with an "+
		"administrator's token: an administrator's `orka3 user get-token`, or the admin service account of Orka "+
		"Small Teams. Nothing was deleted. To stop managing it here without deleting it, use a removed block "+
		"(Terraform 1.7+) or terraform state rm. If the token is not bound to the namespace at all, an "+
		"administrator adds it to the namespace's orka-dev role binding.", what, who)
}

func forbiddenError(err error) *orka.APIError {
	ae, ok := orka.AsAPIError(err)
	if !ok || !orka.IsForbidden(err) {
		return nil
	}
	return ae
}

// addAdminAPIError is addAPIError for a resource only an administrator may even read (orka_node
// finds its node by listing the nodes of every namespace): there a 403 on a read is answered
// with the administrator advice, since binding the token to one more namespace would not help.
func addAdminAPIError(diags *diag.Diagnostics, what string, err error) {
	ae := forbiddenError(err)
	if ae == nil {
		addAPIError(diags, what, err)
		return
	}
	diags.AddError(summaryAdminNeeded, what+".\n\n"+err.Error()+"\n\n"+forbiddenFact(ae)+" "+adminOnlyAdvice)
}

// forbiddenFact says whose token fell short, in which namespace, of which permission.
func forbiddenFact(ae *orka.APIError) string {
	where := "cluster-wide"
	if ns := ae.Namespace(); ns != "" {
		where = fmt.Sprintf("in namespace %q", ns)
	}
	return fmt.Sprintf("The provider's token, %s, is valid but lacks the permission to %s %s.",
		ae.Token, ae.Permission(), where)
}

// forbiddenAdvice names whose token fell short, in which namespace, of which permission, and
// who can grant it.
func forbiddenAdvice(err error) string {
	ae := forbiddenError(err)
	if ae == nil {
		return "The token is valid but may not do this."
	}
	s := forbiddenFact(ae)
	if forbiddenNeedsAdmin(err) {
		return s + " " + adminOnlyAdvice
	}
	if what := ownedKind(ae); what != "" {
		return s + " " + ownershipAdvice(what, ae.Token)
	}
	ns := ae.Namespace()
	if ns == "" {
		ns = "<namespace>"
	}
	subject := "--user <email>"
	if ae.Token.ServiceAccount {
		subject = "--serviceaccount " + ae.Token.Namespace + ":" + ae.Token.Name
	}
	return s + fmt.Sprintf(" VMs, image caches and node lists need a token whose service account (or user) is a "+
		"subject of namespace %q's orka-dev role binding (VM configs: of orka-default's). An administrator "+
		"adds it with orka_role_binding_subject or `orka3 rb add-subject --namespace %s %s`.", ns, ns, subject)
}
