package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// The runs around an upgrade that are not a probe: -before-upgrade only records,
// -during-maintenance only makes one read. Neither creates anything.

func runBeforeUpgrade(ctx context.Context, p *probe, path string, stdout, stderr io.Writer) int {
	rec, err := recordBeforeUpgrade(ctx, p, path)
	if err != nil {
		fmt.Fprintf(stderr, "nothing recorded: %s\n", p.rec.scrubText(err.Error()))
		return 2
	}
	b := rec.Before
	fmt.Fprintf(stdout, "Recorded before the upgrade into %s (only reads were made; the file holds no token):\n", path)
	fmt.Fprintf(stdout, "  endpoint: %s\n  token: %s\n", rec.Endpoint, tokenText(b.Token))
	for _, n := range b.Nodes {
		fmt.Fprintf(stdout, "  node %s: namespace %s, tags [%s]\n", n.Name, n.Namespace, strings.Join(n.Tags, " "))
	}
	for _, u := range b.Unread {
		fmt.Fprintf(stdout, "  not readable: %s\n", p.rec.scrubText(u))
	}
	fmt.Fprintf(stdout, "Next: while the maintenance window is on, run -during-maintenance %s; after the upgrade, with the same token, -after-upgrade %s.\n", path, path)
	return 0
}

// tokenText describes a recorded token for people.
func tokenText(t tokenRecord) string {
	if t.Kind == tokenKindServiceAccount {
		return "a service-account token (" + t.ServiceAccount + "): user-token-survives-upgrades needs a user token (orka3 user get-token), so it will not be checked"
	}
	s := "a user token"
	if t.ExpiresAt != nil {
		s += ", which expires at " + t.ExpiresAt.Format(time.RFC3339) + ": run -after-upgrade before then"
	}
	return s
}

func runDuringMaintenance(ctx context.Context, p *probe, path string, stdout, stderr io.Writer) int {
	up, missing, err := readUpgradeRecord(path)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 2
	case missing:
		up = &upgradeRecord{Version: upgradeRecordVersion, Endpoint: p.c.Endpoint()}
	case up.Endpoint != p.c.Endpoint():
		fmt.Fprintf(stderr, "%s was recorded for %s, not %s\n", path, up.Endpoint, p.c.Endpoint())
		return 2
	}
	started := time.Now().UTC()
	p.checkMaintenance(ctx)
	const id = "error-codes-unavailable"
	recorded := "the result was added to " + path
	if !recordMaintenance(up, p.rep.get(id)) {
		recorded = fmt.Sprintf("%s keeps the finding of %s (this run found no window)", path, up.Maintenance.CheckedAt.Format(time.RFC3339))
	} else if err := up.write(path); err != nil {
		recorded = "the result could NOT be added to " + path + ": " + err.Error()
	}
	p.rep.finish(nil, "a -during-maintenance run checks only "+id+"; run the probe (-after-upgrade "+path+") once the window is over")
	header := []string{
		"endpoint: " + p.c.Endpoint(),
		"run at: " + started.Format(time.RFC3339) + ", probe version " + version,
		"mode: -during-maintenance (one read; nothing created); " + recorded,
	}
	p.rep.print(stdout, header, routeUses(p.rec.all()))
	if p.rep.count(contradicted) > 0 {
		return 1
	}
	return 0
}

// upgradeHeader describes the upgrade record of an -after-upgrade run.
func upgradeHeader(up *upgradeRecord) []string {
	var out []string
	if b := up.Before; b != nil {
		out = append(out, fmt.Sprintf("upgrade record: made before the upgrade at %s: %d node(s); %s",
			b.RecordedAt.Format(time.RFC3339), len(b.Nodes), tokenText(b.Token)))
	} else {
		out = append(out, "upgrade record: nothing recorded before the upgrade")
	}
	if m := up.Maintenance; m != nil {
		out = append(out, fmt.Sprintf("upgrade record: maintenance window checked at %s (%s)", m.CheckedAt.Format(time.RFC3339), m.Outcome))
	} else {
		out = append(out, "upgrade record: nothing checked during the maintenance window")
	}
	return out
}
