package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// estate is one Terraform working directory: a configuration of N objects and the environment
// Terraform runs with.
type estate struct {
	dir string
	tf  string
	env []string
}

// newEstate writes config into a fresh directory under work.
func newEstate(work, name, config, tf string, env []string) (*estate, error) {
	dir := filepath.Join(work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	return &estate{dir: dir, tf: tf, env: env}, nil
}

// run runs one terraform command and returns its wall time and exit code; output goes to a
// log file beside the configuration, and is quoted in the error when the command fails.
func (e *estate) run(ctx context.Context, args ...string) (time.Duration, int, error) {
	cmd := exec.CommandContext(ctx, e.tf, args...) //nolint:gosec // terraform, as chosen by the user
	cmd.Dir = e.dir
	cmd.Env = e.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	_ = os.WriteFile(filepath.Join(e.dir, "last-"+args[0]+".log"), out.Bytes(), 0o600)
	code := 0
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return took, -1, err
		}
		code = exit.ExitCode()
	}
	return took, code, nil
}

// apply makes the estate hold n objects.
func (e *estate) apply(ctx context.Context, n, parallelism int) (time.Duration, error) {
	took, code, err := e.run(ctx, "apply", "-auto-approve", "-input=false", "-lock=false", "-no-color",
		"-parallelism="+strconv.Itoa(parallelism), "-var", "n="+strconv.Itoa(n))
	if err == nil && code != 0 {
		err = fmt.Errorf("terraform apply (n=%d) in %s failed:\n%s", n, e.dir, e.tail("apply"))
	}
	return took, err
}

// plan runs a refreshing plan of n objects and fails unless it has nothing to do.
func (e *estate) plan(ctx context.Context, n int) (time.Duration, error) {
	took, code, err := e.run(ctx, "plan", "-input=false", "-lock=false", "-no-color", "-detailed-exitcode",
		"-var", "n="+strconv.Itoa(n))
	if err == nil && code != 0 {
		err = fmt.Errorf("terraform plan (n=%d) in %s was not empty (exit %d):\n%s", n, e.dir, code, e.tail("plan"))
	}
	return took, err
}

// tail is the end of a command's log, for error messages.
func (e *estate) tail(cmd string) string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "last-"+cmd+".log"))
	s := string(b)
	if len(s) > 3000 {
		s = "..." + s[len(s)-3000:]
	}
	return strings.TrimSpace(s)
}

// orkaConfig is an estate of n VMs of one VM config in one namespace.
func orkaConfig(namespace string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}

variable "n" { type = number }

provider "orka" {}

resource "orka_vm_config" "runner" {
  name  = "bench-runner"
  image = "ghcr.io/acme/macos-runner:sonoma"
  cpu   = 4
}

resource "orka_vm" "runner" {
  count     = var.n
  namespace = %q
  name      = "runner-${count.index}"
  vm_config = orka_vm_config.runner.name
}
`, namespace)
}

// floorConfig is Terraform's own floor: n terraform_data objects, no provider at all.
const floorConfig = `variable "n" { type = number }

resource "terraform_data" "runner" {
  count = var.n
  input = "runner-${count.index}"
}
`
