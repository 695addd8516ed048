// Command orka-recovery-receiver closes the loop between HCP Terraform's health assessments and
// the one apply that rebuilds what an Orka upgrade wiped. HCP Terraform notifies it (a generic
// webhook, signed) when a workspace's health assessment errors or finds drift; it verifies the
// signature and queues apply runs: the admin workspace first, then, once that has applied, the
// pool workspaces. It recovers at most once per upgrade, remembering in a small state file what
// it did, so that neither a repeated notification nor a restart queues the runs again.
//
// It never talks to Orka, and holds two secrets, both read from the environment only:
// TFE_TOKEN (an HCP Terraform team token that may queue and apply runs in those workspaces) and
// ORKA_RECOVERY_NOTIFICATION_TOKEN (the token set on the notification configurations). Either
// may instead be read from the file named by TFE_TOKEN_FILE / ORKA_RECOVERY_NOTIFICATION_TOKEN_FILE.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

var version = "dev"

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "orka-recovery-receiver:", err)
		os.Exit(1)
	}
}

// newReceiver wires the receiver from its configuration; ctx ends background recoveries.
func newReceiver(ctx context.Context, c *config, log *slog.Logger) (*receiver, error) {
	hcp, err := newHCPClient(c.address, c.tfeToken, c.organization)
	if err != nil {
		return nil, err
	}
	st, err := loadState(c.statePath)
	if err != nil {
		return nil, err
	}
	rc := &receiver{
		secret: []byte(c.notificationToken), organization: c.organization, triggers: c.triggers,
		cooldown: c.cooldown, retryAfter: c.retryAfter, state: st, log: log, now: time.Now, ctx: ctx,
		recoverer: &recoverer{hcp: hcp, state: st, log: log, admin: c.admin, pools: c.pools, adminConfirm: c.adminConfirm,
			pollInterval: c.pollInterval, runTimeout: c.runTimeout, now: time.Now},
	}
	return rc, nil
}

func run(args []string, getenv func(string) string, stderr *os.File) error {
	c, err := parseConfig(args, getenv)
	if errors.Is(err, errVersion) {
		fmt.Fprintln(os.Stdout, version)
		return nil
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil // the flag set printed the usage
	}
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rc, err := newReceiver(ctx, c, log)
	if err != nil {
		return err
	}
	rc.resume()
	srv := &http.Server{Addr: c.listen, Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- srv.ListenAndServeTLS(c.tlsCert, c.tlsKey)
			return
		}
		errc <- srv.ListenAndServe()
	}()
	log.Info("listening", "addr", c.listen, "version", version, "organization", c.organization,
		"tls", c.tlsCert != "", "admin_workspace", c.admin, "pool_workspaces", strings.Join(c.pools, ","), "triggers", strings.Join(c.triggers, ","))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	rc.wait() // the recovery stops at ctx's end; its runs are in the state file for the next start
	return err
}
