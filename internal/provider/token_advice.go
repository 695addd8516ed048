package provider

import (
	"fmt"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// What a dead token tells a person: whose it was, whether it simply expired (and when) or was
// refused while still valid, and what to run. Both the 401 error and the expiry warning of
// every plan are worded here, so that the two always agree.

// tokenRejectedAdviceFor explains Orka's 401 to the provider's own token.
func tokenRejectedAdviceFor(err error) string {
	ae, ok := orka.AsAPIError(err)
	if !ok || ae.Credential == nil {
		return tokenRejectedAdvice
	}
	cr := ae.Credential
	switch cr.Kind {
	case orka.CredentialEKS:
		return fmt.Sprintf("Orka rejected the EKS IAM token (HTTP 401) from %s, signed by %s, and also the fresh "+
			"one signed right after. The EKS cluster maps no Kubernetes user to this AWS identity (add an EKS "+
			"access entry or an aws-auth mapping for the role the run assumes, in Terraform Cloud the role of its "+
			"AWS dynamic credentials), or cluster_name is not the name of the EKS cluster Orka runs on, or this "+
			"machine's clock is off by minutes. Check with `aws sts get-caller-identity` which identity the run "+
			"uses.", cr.Source, orDefault(cr.Account, "the AWS identity of the default credential chain"))
	case orka.CredentialExec:
		return fmt.Sprintf("Orka rejected the token (HTTP 401) printed by %s%s, and also the one it printed when "+
			"run again. %s Make the command print a current token for this cluster (check it by running it by "+
			"hand and calling the API with the result), then run Terraform again.",
			cr.Source, accountClause(cr), whyRejected(cr))
	}
	return fmt.Sprintf("Orka rejected the provider's token (HTTP 401)%s. %s %s", accountClause(cr), whyRejected(cr),
		mintAdvice(cr.Account))
}

// accountClause is ", for service account orka-ci/bot" or "".
func accountClause(cr *orka.Credential) string {
	if cr.Account == "" {
		return ""
	}
	return ", for " + cr.Account
}

// whyRejected says whether the token had expired, and when, or was refused while valid.
func whyRejected(cr *orka.Credential) string {
	switch {
	case cr.Expired:
		return fmt.Sprintf("The token expired at %s.", cr.ExpiresAt.UTC().Format(time.RFC3339))
	case !cr.ExpiresAt.IsZero():
		return fmt.Sprintf("It was rejected while valid until %s: tokens die before their time after an Orka "+
			"release upgrade or a virtualization/orchestration layer upgrade, or when their account is deleted.",
			cr.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return "Its expiry is not known (it carries none): it is invalid, or was invalidated by an Orka release " +
		"upgrade or a virtualization/orchestration layer upgrade, or its account was deleted."
}

// mintAdvice says how to get a new token of the same kind, and where to put it.
func mintAdvice(account string) string {
	where := " Then update the token where this run reads it: the ORKA_TOKEN environment variable (in " +
		"Terraform Cloud, the workspace's sensitive ORKA_TOKEN variable) or the provider block's token argument. " +
		"Unattended runs need no pasted token with the provider's eks or exec token source."
	_, _, serviceAccount := orka.ServiceAccountOfAccount(account)
	switch {
	case serviceAccount:
		return "Mint a new token for " + account + ": an administrator runs `" + serviceAccountTokenCommand(account) +
			"`, or applies the administrator's configuration (workspace) that manages its " +
			"orka_service_account_token, which regenerates it." + where
	case account != "":
		return "Get a new token as " + account + ": `orka3 login`, then `orka3 user get-token` (user tokens last " +
			"one hour)." + where
	}
	return "Get a new token: `orka3 user get-token` for a user (one hour), or, from an administrator, `orka3 " +
		"serviceaccount token <name>` for a service account (service-account tokens must be regenerated after " +
		"every Orka release upgrade and virtualization/orchestration layer upgrade)." + where
}

// serviceAccountTokenCommand is the orka3 command that mints a token for the service account an
// AccountOf name ("service account <namespace>/<name>") names, with placeholders for what it
// does not say, so that the command can be pasted as it is.
func serviceAccountTokenCommand(account string) string {
	if ns, name, ok := orka.ServiceAccountOfAccount(account); ok {
		return "orka3 serviceaccount token " + name + " --namespace " + ns
	}
	return "orka3 serviceaccount token <name> --namespace <namespace>"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
