package provider

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// caCertificate is the extra CA to trust, from `ca_certificate` (PEM text) or
// `ca_certificate_file` (a path, as `orkasim --tls` prints it), or from their environment
// variables when neither attribute is set. Setting both of a pair is an error: one of them
// would be silently ignored.
func caCertificate(cfg providerModel, diags *diag.Diagnostics) string {
	switch {
	case !cfg.CACertificate.IsNull() && !cfg.CACertificateFile.IsNull():
		diags.AddAttributeError(path.Root("ca_certificate_file"), "Conflicting CA certificate settings",
			"Set either ca_certificate (PEM text) or ca_certificate_file (a path to a PEM file), not both.")
		return ""
	case !cfg.CACertificate.IsNull():
		return cfg.CACertificate.ValueString()
	case !cfg.CACertificateFile.IsNull():
		return readCAFile(cfg.CACertificateFile.ValueString(), path.Root("ca_certificate_file"), "ca_certificate_file", diags)
	}
	pem, file := os.Getenv(envCACertificate), os.Getenv(envCACertificateFile)
	switch {
	case pem != "" && file != "":
		diags.AddAttributeError(path.Root("ca_certificate_file"), "Conflicting CA certificate settings",
			"Both "+envCACertificate+" and "+envCACertificateFile+" are set; set only one of them.")
		return ""
	case file != "":
		return readCAFile(file, path.Root("ca_certificate_file"), envCACertificateFile, diags)
	}
	return pem
}

func readCAFile(name string, at path.Path, setting string, diags *diag.Diagnostics) string {
	b, err := os.ReadFile(name) //nolint:gosec // the user names the file to trust
	if err != nil {
		diags.AddAttributeError(at, "Unreadable CA certificate file",
			fmt.Sprintf("%s names %q, which could not be read: %v.", setting, name, err))
		return ""
	}
	if p := caCertificateProblem(string(b)); p != "" {
		diags.AddAttributeError(at, "Invalid CA certificate file", fmt.Sprintf("%s names %q, which %s.", setting, name, p))
		return ""
	}
	return string(b)
}

// Summaries of the warnings that every run repeats while the transport is not protected.
const (
	summaryInsecureTLS   = "TLS certificate verification is off"
	summaryPlainHTTPAuth = "The Orka token travels unencrypted"
)

// warnInsecureTransport warns, on every run, when the cluster's identity is not checked or
// the token is sent in clear text over a network that is not private. Orka's usual private
// endpoints (http://10.x.y.z over MacStadium's VPN) stay quiet.
func warnInsecureTransport(endpoint string, insecure bool, diags *diag.Diagnostics) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil {
		return // orka.New reports a malformed endpoint
	}
	if insecure && u.Scheme == "https" {
		diags.AddAttributeWarning(path.Root("insecure_skip_verify"), summaryInsecureTLS,
			"insecure_skip_verify is true, so the provider does not check that "+u.Host+" is the Orka "+
				"cluster it claims to be: anyone on the network path can read the token and the secrets this "+
				"configuration sends. Give the cluster's CA in ca_certificate or ca_certificate_file instead.")
	}
	if u.Scheme == "http" && !privateHost(u.Hostname()) {
		diags.AddAttributeWarning(path.Root("endpoint"), summaryPlainHTTPAuth,
			"The endpoint "+u.Scheme+"://"+u.Host+" is plain HTTP to an address outside the private ranges, so "+
				"the token (and every password and token this configuration sends) crosses the network "+
				"unencrypted. Use the cluster's https:// endpoint, or its private IP over MacStadium's VPN.")
	}
}

// privateHost is true for loopback, private (RFC 1918, RFC 4193) and link-local addresses and
// localhost. A host name is not: where it resolves is not known here.
func privateHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		a, _ := netip.AddrFromSlice(ip)
		a = a.Unmap()
		return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast()
	}
	return false
}
