package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// config is the receiver's settings, from flags (with environment defaults) and, for the two
// secrets, the environment alone.
type config struct {
	listen, address, organization, admin, statePath string
	pools, triggers                                 []string
	cooldown, retryAfter, pollInterval, runTimeout  time.Duration
	tfeToken, notificationToken                     string
	adminConfirm                                    bool
	tlsCert, tlsKey                                 string
}

func parseConfig(args []string, getenv func(string) string) (*config, error) {
	envOr := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	c := &config{}
	fs := flag.NewFlagSet("orka-recovery-receiver", flag.ContinueOnError)
	fs.StringVar(&c.listen, "listen", envOr("ORKA_RECOVERY_LISTEN", ":8080"), "address to serve the webhook on (env ORKA_RECOVERY_LISTEN)")
	fs.StringVar(&c.address, "hcp-address", envOr("TFE_ADDRESS", "https://app.terraform.io"), "HCP Terraform or Terraform Enterprise address (env TFE_ADDRESS)")
	fs.StringVar(&c.organization, "organization", getenv("TFE_ORGANIZATION"), "organization of the workspaces (env TFE_ORGANIZATION)")
	fs.StringVar(&c.admin, "admin-workspace", getenv("ORKA_RECOVERY_ADMIN_WORKSPACE"), "workspace that mints the pools' tokens; its run goes first (env ORKA_RECOVERY_ADMIN_WORKSPACE)")
	pools := fs.String("pool-workspaces", getenv("ORKA_RECOVERY_POOL_WORKSPACES"), "comma-separated pool workspaces, run once the admin run applied (env ORKA_RECOVERY_POOL_WORKSPACES)")
	triggers := fs.String("triggers", envOr("ORKA_RECOVERY_TRIGGERS", triggerAssessmentFailed+","+triggerDrifted),
		"comma-separated notification triggers that start a recovery; "+triggerCheckFailed+" may be added (env ORKA_RECOVERY_TRIGGERS)")
	fs.StringVar(&c.statePath, "state-file", envOr("ORKA_RECOVERY_STATE_FILE", "/var/lib/orka-recovery-receiver/state.json"), "where the receiver remembers what it did (env ORKA_RECOVERY_STATE_FILE)")
	fs.DurationVar(&c.cooldown, "cooldown", 12*time.Hour, "after a recovery succeeded, how long further notifications start nothing")
	fs.DurationVar(&c.retryAfter, "retry-after", time.Hour, "after a recovery failed, how long until a new notification may start another")
	fs.DurationVar(&c.pollInterval, "poll-interval", 15*time.Second, "how often a queued run's status is read")
	fs.DurationVar(&c.runTimeout, "run-timeout", 3*time.Hour, "how long one run may take before the recovery counts as failed")
	fs.BoolVar(&c.adminConfirm, "admin-confirm", false, "leave the admin run's plan for a person to confirm in HCP Terraform (the pools wait for it, up to -run-timeout)")
	fs.StringVar(&c.tlsCert, "tls-cert", getenv("ORKA_RECOVERY_TLS_CERT"), "PEM certificate to serve HTTPS with, with -tls-key (env ORKA_RECOVERY_TLS_CERT); plain HTTP otherwise, for a TLS proxy in front")
	fs.StringVar(&c.tlsKey, "tls-key", getenv("ORKA_RECOVERY_TLS_KEY"), "PEM private key of -tls-cert (env ORKA_RECOVERY_TLS_KEY)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *showVersion {
		return nil, errVersion
	}
	c.pools = splitList(*pools)
	c.triggers = splitList(*triggers)
	var err error
	if c.tfeToken, err = secret(getenv, "TFE_TOKEN"); err != nil {
		return nil, err
	}
	if c.notificationToken, err = secret(getenv, "ORKA_RECOVERY_NOTIFICATION_TOKEN"); err != nil {
		return nil, err
	}
	return c, c.validate()
}

var errVersion = errors.New("version requested")

func (c *config) validate() error {
	switch {
	case c.organization == "":
		return errors.New("-organization (or TFE_ORGANIZATION) is required")
	case c.admin == "" && len(c.pools) == 0:
		return errors.New("name at least one workspace to recover: -admin-workspace and/or -pool-workspaces")
	case c.tfeToken == "":
		return errors.New("TFE_TOKEN (or TFE_TOKEN_FILE) is required: a team token that may queue and apply runs in the workspaces")
	case len(c.notificationToken) < 16:
		return errors.New("ORKA_RECOVERY_NOTIFICATION_TOKEN (or _FILE) is required, at least 16 characters: " +
			"the token of the notification configurations, which signs every notification")
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return errors.New("-tls-cert and -tls-key go together")
	case c.pollInterval <= 0 || c.runTimeout <= 0:
		return errors.New("-poll-interval and -run-timeout must be positive")
	}
	for _, t := range c.triggers {
		switch t {
		case triggerAssessmentFailed, triggerDrifted, triggerCheckFailed:
		default:
			return fmt.Errorf("-triggers: %q is not one of %s, %s, %s", t, triggerAssessmentFailed, triggerDrifted, triggerCheckFailed)
		}
	}
	for _, p := range c.pools {
		if p == c.admin {
			return fmt.Errorf("workspace %q is named both as the admin workspace and as a pool", p)
		}
	}
	return nil
}

// secret reads NAME, or the file named by NAME_FILE (systemd credentials, container secrets).
func secret(getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if f := getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f) //nolint:gosec // the operator names the file
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
