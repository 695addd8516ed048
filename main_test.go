package main

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

func TestUserAskedForLogs(t *testing.T) {
	cases := []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"PATH=/bin", "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE=/x"}, false},
		{[]string{"TF_LOG="}, false}, // empty is unset, for Terraform too
		{[]string{"TF_LOG=debug"}, true},
		{[]string{"TF_LOG_CORE=trace"}, true},
		{[]string{"TF_LOG_PROVIDER=trace"}, true},
		{[]string{"TF_LOG_PROVIDER_ORKA=debug"}, true},
		{[]string{"TF_LOG_SDK_FRAMEWORK=trace"}, true},
		{[]string{"TF_LOG_SDK_PROTO=off"}, true},
		{[]string{"TF_LOG_PATH=/tmp/tf.log"}, true},
		{[]string{"TF_ACC_LOG_PATH=/tmp/acc.log"}, true},
	}
	for _, tc := range cases {
		if got := userAskedForLogs(tc.env); got != tc.want {
			t.Errorf("userAskedForLogs(%q) = %v, want %v", tc.env, got, tc.want)
		}
	}
}

// The built provider, started by Terraform: with no log variable it writes no log line at
// all; with TF_LOG or TF_LOG_PROVIDER Terraform shows the provider's and the SDK's lines as
// before, and they hold neither the token nor a password.
func TestProviderLogsOnlyWhenAsked(t *testing.T) {
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || tf == "" {
		t.Skip("needs TF_ACC=1 and TF_ACC_TERRAFORM_PATH (it runs Terraform)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "real", "terraform-provider-orka")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// "captured" runs the provider with its stderr in a file, to see what it writes when
	// Terraform would discard it.
	stderrFile := filepath.Join(dir, "provider-stderr")
	captured := filepath.Join(dir, "captured")
	if err := os.MkdirAll(captured, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nexec " + bin + " \"$@\" 2>>" + stderrFile + "\n"
	if err := os.WriteFile(filepath.Join(captured, "terraform-provider-orka"), []byte(script), 0o755); err != nil { //nolint:gosec // executable
		t.Fatal(err)
	}
	rc := func(plugins string) string {
		p := filepath.Join(dir, filepath.Base(plugins)+".tfrc")
		body := "provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/orkatf/orka\" = \"" + plugins + "\"\n  }\n  direct {}\n}\n"
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	capturedRC, plainRC := rc(captured), rc(filepath.Dir(bin))

	sim := orkasim.New(orkasim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	const password = "pw-never-logged-7f3a"
	config := `
terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}
provider "orka" {}
data "orka_nodes" "all" {}
resource "orka_registry_credential" "r" {
  server   = "https://ghcr.io"
  username = "bot"
  password = "` + password + `"
}
`
	work := filepath.Join(dir, "config")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	terraform := func(rcFile string, logEnv []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(tf, args...)
		cmd.Dir = work
		for _, kv := range os.Environ() {
			k, _, _ := strings.Cut(kv, "=")
			if !strings.HasPrefix(k, "TF_LOG") && k != "TF_ACC_LOG_PATH" && !strings.HasPrefix(k, "ORKA_") && k != "TF_CLI_CONFIG_FILE" {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+rcFile, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
			"ORKA_ENDPOINT="+srv.URL, "ORKA_TOKEN="+sim.AdminToken())
		cmd.Env = append(cmd.Env, logEnv...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("terraform %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	noSecrets := func(what, out string) {
		t.Helper()
		for _, s := range []string{sim.AdminToken(), password} {
			if strings.Contains(out, s) {
				t.Fatalf("%s holds a secret", what)
			}
		}
	}

	// No log variable: the provider does the whole apply and writes not one log line.
	terraform(capturedRC, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	raw, err := os.ReadFile(stderrFile)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	// (go-plugin's own two start-up lines per process carry no @module and stay.)
	if strings.Contains(string(raw), `"@module"`) || strings.Contains(string(raw), "Orka API") {
		t.Fatalf("the provider logged with no log variable set:\n%.2000s", raw)
	}
	if !strings.Contains(string(raw), "plugin address") {
		t.Fatalf("the wrapper did not capture the provider's stderr:\n%.2000s", raw)
	}

	// The same provider, same wrapper, asked for logs: the lines are there, without secrets.
	terraform(capturedRC, []string{"TF_LOG_PROVIDER=trace"}, "plan", "-input=false", "-no-color")
	raw, err = os.ReadFile(stderrFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"@module":"sdk.proto"`, `"@module":"sdk.framework"`, "Orka API request"} {
		if !strings.Contains(string(raw), want) {
			t.Fatalf("with TF_LOG_PROVIDER=trace the provider wrote no %s line:\n%.2000s", want, raw)
		}
	}
	noSecrets("the provider's stderr", string(raw))

	// Through Terraform, as users see them: TF_LOG=debug shows the provider's API requests
	// and the framework's lines; redaction holds for a body with a password.
	out := terraform(plainRC, []string{"TF_LOG=debug"}, "apply", "-auto-approve", "-input=false", "-no-color",
		"-replace=orka_registry_credential.r")
	for _, want := range []string{"sdk.framework", "Orka API request"} {
		if !strings.Contains(out, want) {
			t.Fatalf("TF_LOG=debug output has no %q:\n%.3000s", want, out)
		}
	}
	// Terraform prints the provider's fields quoted: the body's quotes come out escaped.
	if !strings.Contains(out, `\"password\":\"***\"`) {
		t.Fatalf("TF_LOG=debug output has no redacted password field:\n%.3000s", out)
	}
	noSecrets("TF_LOG=debug output", out)
	out = terraform(plainRC, []string{"TF_LOG_PROVIDER=trace"}, "plan", "-input=false", "-no-color")
	for _, want := range []string{"sdk.proto", "Orka API request"} {
		if !strings.Contains(out, want) {
			t.Fatalf("TF_LOG_PROVIDER=trace output has no %q:\n%.3000s", want, out)
		}
	}
	noSecrets("TF_LOG_PROVIDER=trace output", out)
}
