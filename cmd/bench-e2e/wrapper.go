package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Environment of the provider wrapper: the real provider binary, and the file that collects
// one peak RSS (KiB) line per provider process.
const (
	envRealProvider = "ORKA_BENCH_PROVIDER"
	envRSSFile      = "ORKA_BENCH_RSS_FILE"
)

// wrapProvider runs when Terraform starts this program under the provider's name: it runs the
// real provider as a child with the same arguments, standard streams and environment (so the
// plugin handshake passes straight through), and when the child ends appends its peak
// resident set size, from the kernel's rusage, to the RSS file. Terraform may start the
// provider more than once in a run; the benchmark keeps the largest value.
func wrapProvider() int {
	provider := os.Getenv(envRealProvider)
	if provider == "" {
		fmt.Fprintln(os.Stderr, "bench-e2e: started as a provider without "+envRealProvider)
		return 1
	}
	cmd := exec.CommandContext(context.Background(), provider, os.Args[1:]...) //nolint:gosec // the benchmark's own build
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		return 1
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if f, ferr := os.OpenFile(os.Getenv(envRSSFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); ferr == nil {
			fmt.Fprintf(f, "%d\n", ru.Maxrss) // KiB on Linux
			_ = f.Close()
		}
	}
	if err != nil {
		return cmd.ProcessState.ExitCode()
	}
	return 0
}
