package provider

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// tfCLI runs the real terraform CLI in a directory of its own against this provider served
// in-process (Terraform's reattach mode), and returns what a person would see: the human plan
// and apply output, warnings and errors included. plugin-testing hides that output; tests of
// what the output shows (no secret in it, diagnostics folded) need it.
type tfCLI struct {
	t   *testing.T
	e   *testEnv
	dir string
	env []string
}

func newTFCLI(t *testing.T, e *testEnv) *tfCLI {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs the terraform CLI: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must name the terraform binary")
	}
	c := &tfCLI{t: t, e: e, dir: t.TempDir()}
	rc := filepath.Join(c.dir, ".terraformrc")
	if err := os.WriteFile(rc, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORKA_") && !strings.HasPrefix(kv, "TF_") {
			c.env = append(c.env, kv)
		}
	}
	c.env = append(c.env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return c
}

// write puts a file into the working directory.
func (c *tfCLI) write(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(content), 0o600); err != nil { //nolint:gosec // the test's own file names
		c.t.Fatal(err)
	}
}

// setenv sets a variable for the provider, which runs in the test's own process.
func (c *tfCLI) setenv(kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		c.t.Setenv(kv[i], kv[i+1])
	}
}

// run runs one terraform command with a fresh in-process provider and returns its combined
// output without colour. A failing command fails the test unless wantFail.
func (c *tfCLI) run(wantFail bool, args ...string) string {
	c.t.Helper()
	reattach := c.serve()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), append(args, "-no-color")...) //nolint:gosec // the test's own terraform
	cmd.Dir = c.dir
	cmd.Env = append(append([]string{}, c.env...), "TF_REATTACH_PROVIDERS="+reattach)
	out, err := cmd.CombinedOutput()
	if (err != nil) != wantFail {
		c.t.Fatalf("terraform %s: err = %v, want failure %v; output:\n%s", strings.Join(args, " "), err, wantFail, out)
	}
	return string(out)
}

// serve starts this provider in debug mode for one command and returns the
// TF_REATTACH_PROVIDERS value that points Terraform at it.
func (c *tfCLI) serve() string {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.t.Cleanup(cancel)
	configCh := make(chan *plugin.ReattachConfig, 1)
	closeCh := make(chan struct{})
	now := c.e.now
	go func() {
		_ = tf6server.Serve(providerAddress(), serverFor(&orkaProvider{version: "test", now: now}), tf6server.WithDebug(ctx, configCh, closeCh), tf6server.WithGoPluginLogger(hclog.NewNullLogger()))
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-configCh:
	case <-time.After(time.Minute):
		c.t.Fatal("the provider did not start in debug mode")
	}
	b, err := json.Marshal(map[string]any{
		providerAddress(): map[string]any{
			"Protocol": string(cfg.Protocol), "ProtocolVersion": cfg.ProtocolVersion, "Pid": cfg.Pid, "Test": cfg.Test,
			"Addr": map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
		},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// providerAddress is where the engine looks for orkatf/orka: OpenTofu resolves it on its own
// registry host, which the engine matrix names in TF_ACC_PROVIDER_HOST as terraform-plugin-testing
// expects.
func providerAddress() string {
	host := os.Getenv("TF_ACC_PROVIDER_HOST")
	if host == "" {
		host = "registry.terraform.io"
	}
	return host + "/orkatf/orka"
}

// providerBlock is the terraform and provider blocks that point at the test's Orka.
func (c *tfCLI) providerBlock() string {
	return `terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}
` + c.e.config("")
}

// engineVersions caches the version each engine binary reports.
var engineVersions sync.Map // binary path -> *version.Version

// skipEngineBelow skips the test on an engine older than least, naming what it needs, as
// tfversion.SkipBelow does for plugin-testing's own tests (OpenTofu reports its own version,
// so it is skipped below its own releases of the feature as well). Without TF_ACC it does
// nothing: the CLI tests skip themselves then.
func skipEngineBelow(t *testing.T, least *version.Version, what string) {
	t.Helper()
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || bin == "" {
		return
	}
	v, ok := engineVersions.Load(bin)
	if !ok {
		cmd := exec.Command(bin, "version", "-json") //nolint:gosec // the test's own terraform
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+os.DevNull, "CHECKPOINT_DISABLE=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s version -json: %v", bin, err)
		}
		var report struct {
			Version string `json:"terraform_version"`
		}
		if err := json.Unmarshal(out, &report); err != nil {
			t.Fatalf("%s version -json: %v: %s", bin, err, out)
		}
		parsed, err := version.NewVersion(report.Version)
		if err != nil {
			t.Fatalf("%s version -json: %v", bin, err)
		}
		v, _ = engineVersions.LoadOrStore(bin, parsed.Core())
	}
	if got := v.(*version.Version); got.LessThan(least) {
		t.Skipf("Terraform CLI version %s is below minimum version %s: skipping test (%s)", got, least, what)
	}
}
