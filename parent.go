package main

import (
	"os"
	"time"
)

// parentPollInterval is how often the provider checks that Terraform is still there.
const parentPollInterval = time.Second

// exitWithParent ends the provider when the process that started it is gone. Terraform stops
// its providers when it exits normally; when it is killed (a CI runner's SIGKILL), nothing
// tells them, and a provider left running holds its work (a VM deploy waiting for a node, a
// poll) and its memory with no one to report to. A process whose parent dies is handed to
// another (init or a subreaper), so a changed parent PID means Terraform is gone. Not in
// -debug mode, where the provider runs on its own.
func exitWithParent(interval time.Duration, getppid func() int, exit func()) {
	start := getppid()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for range t.C {
			if getppid() != start {
				exit()
				return
			}
		}
	}()
}

// exitNow is what the provider does once Terraform is gone.
func exitNow() { os.Exit(1) }
