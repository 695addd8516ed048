package main

import (
	"os"
	"strings"
)

// providerLogEnv is the variable that sets this provider's own log level in
// terraform-plugin-go: TF_LOG_PROVIDER_ plus the last part of the provider address, upper case.
const providerLogEnv = "TF_LOG_PROVIDER_ORKA"

// silencedLogEnv are the variables terraform-plugin-go (TF_LOG_SDK, TF_LOG_SDK_PROTO) and the
// plugin framework (TF_LOG_SDK_FRAMEWORK) read on every RPC for the level of their own
// loggers, and the provider's own. Left unset, each defaults to TRACE: the plugin then
// formats a JSON line for every RPC, attribute and API request and writes it to stderr, where
// Terraform throws it away unless the user asked for logs.
var silencedLogEnv = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", providerLogEnv}

// userAskedForLogs reports whether the environment holds any variable with which a user asks
// Terraform or a plugin for logs: TF_LOG, TF_LOG_CORE, TF_LOG_PROVIDER, TF_LOG_PROVIDER_*,
// TF_LOG_SDK*, TF_LOG_PATH, TF_LOG_PATH_MASK (everything starting with TF_LOG), or
// TF_ACC_LOG_PATH. Set to an empty value, a variable counts as unset, as it does for Terraform.
func userAskedForLogs(environ []string) bool {
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if v != "" && (strings.HasPrefix(k, "TF_LOG") || k == "TF_ACC_LOG_PATH") {
			return true
		}
	}
	return false
}

// quietLogsNobodyReads turns the SDK's and the provider's logging off when Terraform starts
// the provider and the user asked for no logs: they would all be discarded, and producing
// them was about half of the provider's CPU time in a large plan. When the user sets any log
// variable, or runs the provider with -debug (its stderr is then the user's terminal),
// nothing changes.
func quietLogsNobodyReads(debug bool) error {
	if debug || userAskedForLogs(os.Environ()) {
		return nil
	}
	for _, k := range silencedLogEnv {
		if err := os.Setenv(k, "OFF"); err != nil {
			return err
		}
	}
	return nil
}
