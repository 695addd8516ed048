package provider

import (
	"strings"
	"testing"
)

// The rules as plain functions: every value a user could reasonably write, good and bad.
func TestRules(t *testing.T) {
	cases := []struct {
		rule  string
		check func(string) string
		value string
		valid bool
	}{
		{"image", imageProblem, "90gbsonomassd.orkasi", true},
		{"image", imageProblem, "ventura_intel.img", true},
		{"image", imageProblem, "ghcr.io/org/macos:sonoma", true},
		{"image", imageProblem, "ghcr.io/macstadium/orka-images/sonoma:latest", true},
		{"image", imageProblem, "registry.example.com:5000/team/macos-runner:14.5", true},
		{"image", imageProblem, "localhost:5000/macos", true},
		{"image", imageProblem, "macos:sonoma", true},
		{"image", imageProblem, "Ghcr.IO/org/macos:sonoma", true},
		{"image", imageProblem, "ghcr.io/org/macos@sha256:" + strings.Repeat("ab", 32), true},
		{"image", imageProblem, "ghcr.io/org/macos:sonoma@sha256:" + strings.Repeat("0f", 32), true},
		{"image", imageProblem, ":::", false},
		{"image", imageProblem, "ghcr.io/ACME/Bad Image:tag", false},
		{"image", imageProblem, "ghcr.io/ACME/macos:tag", false},
		{"image", imageProblem, "ACME/macos", false},
		{"image", imageProblem, "ghcr.io/org/macos:", false},
		{"image", imageProblem, "ghcr.io/org/macos:-bad", false},
		{"image", imageProblem, "ghcr.io//macos", false},
		{"image", imageProblem, "ghcr.io/org/macos@sha256:short", false},
		{"image", imageProblem, "https://ghcr.io/org/macos", false},
		{"image", imageProblem, "", false},
		{"image", imageProblem, "-sonoma.orkasi", false},
		{"image", imageProblem, strings.Repeat("a", 256), false},
		{"server", registryServerProblem, "https://ghcr.io", true},
		{"server", registryServerProblem, "https://registry.example.com:5000", true},
		{"server", registryServerProblem, "https://index.docker.io/v1/", true},
		{"server", registryServerProblem, "http://10.0.0.5:5000", true},
		{"server", registryServerProblem, "ghcr.io", false},
		{"server", registryServerProblem, "ftp://ghcr.io", false},
		{"server", registryServerProblem, "https://ghcr.io?x=1", false},
		{"server", registryServerProblem, "https://ghcr.io/#frag", false},
		{"server", registryServerProblem, "https://bot:secret@ghcr.io", false},
		{"server", registryServerProblem, "https://ghcr.io:70000", false},
		{"server", registryServerProblem, "https://", false},
		{"user", userNameValidator().problem, "dev@example.com", true},
		{"user", userNameValidator().problem, "first.last+ci@corp.example.co.uk", true},
		{"user", userNameValidator().problem, "jdoe", true},
		{"user", userNameValidator().problem, "dev@localhost", false},
		{"user", userNameValidator().problem, "a b@example.com", false},
		{"user", userNameValidator().problem, "team/dev@example.com", false},
		{"user", userNameValidator().problem, "", false},
		{"account", serviceAccountNameValidator().problem, "ci.runner-1", true},
		{"account", serviceAccountNameValidator().problem, "Bad_SA", false},
		{"tag", nodeTagValidator(32).problem, "m2-pro", true},
		{"tag", nodeTagValidator(32).problem, "gpu tag", false},
		{"node", nodeNameValidator().problem, "mini-arm-1", true},
		{"node", nodeNameValidator().problem, "Mini_1", false},
		{"token", tokenProblem, "eyJhbGciOi.eyJzdWIi.sig", true},
		{"token", tokenProblem, "eyJhbGciOi.eyJzdWIi.sig\n", false},
		{"ca", caCertificateProblem, "not a certificate", false},
		{"ca", caCertificateProblem, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", false},
		{"ca", caCertificateProblem, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", false},
		{"endpoint", endpointProblem, "https://acme.orka.app", true},
		{"endpoint", endpointProblem, "ftp://acme.orka.app", false},
		{"endpoint", endpointProblem, "https://acme.orka.app?x=1", false},
	}
	for _, c := range cases {
		p := c.check(c.value)
		if (p == "") != c.valid {
			t.Errorf("%s %q: valid = %v, want %v (problem: %q)", c.rule, c.value, p == "", c.valid, p)
		}
	}
}
