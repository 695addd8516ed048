package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// Checks around a MacStadium upgrade: what -before-upgrade records, what -after-upgrade
// compares it with, and what -during-maintenance expects of the API in the window. All three
// only read.

// visibleNodes lists the placement of every node the token can see: the nodes of every
// namespace for an administrator; otherwise (403 on the namespace list) those of the token's
// own namespace, or of orka-default for a user who is not an administrator. byList maps each
// node to the list answer it came from.
func (p *probe) visibleNodes(ctx context.Context) (nodes []nodeRecord, byList map[string]*exchange, unread []string, err error) {
	var names []string
	nss, lerr := p.c.ListNamespaces(ctx)
	switch ae := apiError(lerr); {
	case lerr == nil:
		for _, ns := range nss {
			names = append(names, ns.Name)
		}
	case ae != nil && ae.StatusCode == http.StatusForbidden:
		unread = append(unread, "the namespace list: 403, so only one namespace's nodes are read")
		names = []string{orka.DefaultNamespace}
		if k := p.c.TokenKind(); k.ServiceAccount {
			names = []string{k.Namespace}
		}
	default:
		return nil, nil, nil, fmt.Errorf("listing namespaces: %w", lerr)
	}
	byList = map[string]*exchange{}
	for _, ns := range names {
		list, err := p.c.ListNodes(ctx, ns)
		if err != nil {
			unread = append(unread, fmt.Sprintf("%s: %v", ns, err))
			continue
		}
		ex := p.rec.latest()
		for _, n := range list {
			nodes = append(nodes, placement(n.Name, ns, n.OrkaTags))
			byList[n.Name] = ex
		}
	}
	slices.SortFunc(nodes, func(a, b nodeRecord) int { return strings.Compare(a.Name, b.Name) })
	return nodes, byList, unread, nil
}

// recordBeforeUpgrade is the -before-upgrade run: it reads the nodes and writes the record.
func recordBeforeUpgrade(ctx context.Context, p *probe, path string) (*upgradeRecord, error) {
	if err := p.c.Probe(ctx); err != nil {
		return nil, fmt.Errorf("the token was not accepted: %w", err)
	}
	nodes, _, unread, err := p.visibleNodes(ctx)
	if err != nil {
		return nil, err
	}
	tok := newTokenRecord(p.token)
	if k := p.c.TokenKind(); k.ServiceAccount {
		tok.Kind, tok.ServiceAccount = tokenKindServiceAccount, k.Namespace+"/"+k.Name
	} else {
		tok.Kind = tokenKindUser
	}
	if claims, err := orka.ParseTokenClaims(p.token); err == nil && !claims.ExpiresAt.IsZero() {
		exp := claims.ExpiresAt
		tok.ExpiresAt = &exp
	}
	rec := &upgradeRecord{Version: upgradeRecordVersion, Endpoint: p.c.Endpoint(), Before: &beforeUpgrade{
		RecordedAt: time.Now().UTC(), Token: tok, Nodes: nodes, Unread: unread}}
	return rec, rec.write(path)
}

// checkAfterUpgrade compares the cluster with the record made before the upgrade.
func (p *probe) checkAfterUpgrade(ctx context.Context) error {
	if m := p.upgrade.Maintenance; m != nil {
		p.rep.set("error-codes-unavailable", result{Outcome: m.Outcome, Request: m.Request, Status: m.Status, Excerpt: m.Excerpt,
			Details: prefixed("during the maintenance window, "+m.CheckedAt.Format(time.RFC3339)+": ", m.Details)})
	}
	b := p.upgrade.Before
	if b == nil {
		const why = "the upgrade record has no -before-upgrade part: run -before-upgrade FILE before the next upgrade"
		p.rep.skip("user-token-survives-upgrades", why)
		p.rep.skip("node-placement-survives-upgrades", why)
		return nil
	}
	p.checkTokenSurvived(ctx, b)
	return p.checkPlacementSurvived(ctx, b)
}

func prefixed(prefix string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = prefix + l
	}
	return out
}

func (p *probe) checkTokenSurvived(ctx context.Context, b *beforeUpgrade) {
	const id = "user-token-survives-upgrades"
	t := b.Token
	switch {
	case t.Kind == tokenKindServiceAccount:
		p.rep.skip(id, "the token recorded before the upgrade is a service-account token (%s), which release and layer upgrades invalidate by design: this item needs a user token (orka3 user get-token)", t.ServiceAccount)
		return
	case tokenFingerprint(t.Salt, p.token) != t.Fingerprint:
		p.rep.skip(id, "this run's token is not the one recorded before the upgrade: run -after-upgrade with the same user token")
		return
	}
	err := p.c.Probe(ctx)
	ae := apiError(err)
	expired := t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt)
	switch {
	case err == nil:
		p.rep.confirm(id, "the user token recorded at %s is still accepted", b.RecordedAt.Format(time.RFC3339))
	case ae != nil && ae.StatusCode == http.StatusUnauthorized && expired:
		p.rep.skip(id, "the token expired at %s (user tokens last an hour): record with a fresh token shortly before the window", t.ExpiresAt.Format(time.RFC3339))
	case ae != nil && ae.StatusCode == http.StatusUnauthorized:
		p.rep.contradict(id, p.rec.latest(), p.rec, "the user token recorded at %s, not expired, is refused with 401", b.RecordedAt.Format(time.RFC3339))
	default:
		p.rep.skip(id, "could not tell whether the token is accepted: %v", err)
	}
}

func (p *probe) checkPlacementSurvived(ctx context.Context, b *beforeUpgrade) error {
	const id = "node-placement-survives-upgrades"
	if len(b.Nodes) == 0 {
		p.rep.skip(id, "no node was visible before the upgrade")
		return nil
	}
	now, byList, _, err := p.visibleNodes(ctx)
	if err != nil {
		return err
	}
	current := map[string]nodeRecord{}
	for _, n := range now {
		current[n.Name] = n
	}
	var changed []string
	var quote *exchange
	for _, was := range b.Nodes {
		is, ok := current[was.Name]
		switch {
		case !ok:
			changed = append(changed, fmt.Sprintf("%s (was in %s) is not listed in any namespace now", was.Name, was.Namespace))
		case is.Namespace != was.Namespace || !slices.Equal(is.Tags, was.Tags):
			changed = append(changed, fmt.Sprintf("%s: namespace %s, tags [%s] before; namespace %s, tags [%s] now",
				was.Name, was.Namespace, strings.Join(was.Tags, " "), is.Namespace, strings.Join(is.Tags, " ")))
			if quote == nil {
				quote = byList[was.Name]
			}
		}
	}
	if len(changed) == 0 {
		p.rep.confirm(id, "all %d node(s) recorded at %s keep their namespace and tags", len(b.Nodes), b.RecordedAt.Format(time.RFC3339))
		return nil
	}
	for _, c := range changed {
		p.rep.contradict(id, quote, p.rec, "%s", c)
	}
	p.rep.note(id, "(unless an administrator changed them between the two runs)")
	return nil
}

// checkMaintenance is the -during-maintenance run: one authenticated read, which must answer
// 503 ServiceUnavailable, with a Status body and Retry-After.
func (p *probe) checkMaintenance(ctx context.Context) {
	const id = "error-codes-unavailable"
	err := p.c.Probe(ctx)
	ex := p.rec.latest()
	ae := apiError(err)
	switch {
	case err == nil:
		p.rep.skip(id, "the read succeeded: no maintenance window is on now; run this during one MacStadium announced")
	case ae == nil:
		if ex != nil && ex.Status == 0 {
			ex = nil // no answer to quote
		}
		p.rep.contradict(id, ex, p.rec, "no HTTP answer to a read: %v", err)
	case ae.StatusCode != http.StatusServiceUnavailable:
		p.rep.contradict(id, ex, p.rec, "a read answered %d, expected 503", ae.StatusCode)
	case !isStatusBody(ex):
		p.rep.contradict(id, ex, p.rec, "a read answered 503 without a Kubernetes Status body")
	case ae.Reason != "ServiceUnavailable":
		p.rep.contradict(id, ex, p.rec, "a read answered 503 with reason %q, expected ServiceUnavailable", ae.Reason)
	case ae.RetryAfter <= 0:
		p.rep.contradict(id, ex, p.rec, "a read answered 503 ServiceUnavailable without Retry-After")
	default:
		p.rep.confirm(id, "a read answered 503 ServiceUnavailable (Status body) with Retry-After %s", ae.RetryAfter)
	}
}

// recordMaintenance keeps the finding in the upgrade record, unless it is "not checked" and
// an earlier run of this window found something.
func recordMaintenance(rec *upgradeRecord, res *result) (kept bool) {
	if res.Outcome == notChecked && rec.Maintenance != nil && rec.Maintenance.Outcome != notChecked {
		return false
	}
	rec.Maintenance = &maintenanceFinding{CheckedAt: time.Now().UTC(), Outcome: res.Outcome, Details: res.Details,
		Request: res.Request, Status: res.Status, Excerpt: res.Excerpt}
	return true
}
