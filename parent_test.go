package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The watcher ends the provider once its parent PID changes, and not before.
func TestExitWithParent(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(100)
	exited := make(chan struct{})
	exitWithParent(5*time.Millisecond, func() int { return int(ppid.Load()) }, func() { close(exited) })
	select {
	case <-exited:
		t.Fatal("exited while the parent was still there")
	case <-time.After(50 * time.Millisecond):
	}
	ppid.Store(1) // reparented: the parent died
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("did not exit after the parent died")
	}
}

// A provider started the way Terraform starts it outlives nothing: when its parent is killed
// with SIGKILL, the provider process ends by itself.
func TestProviderExitsWhenTerraformIsKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provider")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "terraform-provider-orka")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A stand-in for Terraform: a shell that starts the provider as a plugin (go-plugin's
	// handshake variables), prints its PID, and waits.
	parent := exec.Command("/bin/sh", "-c", bin+" & echo $!; wait")
	parent.Env = append(os.Environ(),
		"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
		"PLUGIN_PROTOCOL_VERSIONS=6", "PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("no PID from the parent: %q", line)
	}
	// Wait for the plugin's handshake line: the provider is serving.
	if hs, err := r.ReadString('\n'); err != nil || !strings.Contains(hs, "|6|") {
		t.Fatalf("no plugin handshake: %q, %v", hs, err)
	}
	alive := func() bool { return syscall.Kill(pid, 0) == nil }
	if !alive() {
		t.Fatal("the provider is not running")
	}
	_ = parent.Process.Signal(syscall.SIGKILL)
	_ = parent.Wait()
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if !alive() {
			return
		}
		// A zombie waiting for its new parent to reap it has ended too.
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && strings.Contains(string(b), ") Z ") {
			return
		}
	}
	t.Fatal("the provider was still running 30 s after Terraform was killed")
}
