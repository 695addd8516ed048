// Command orka-conformance checks a live Orka cluster against the API contract this provider
// assumes (shared/orka-api.md), and against what MacStadium documents and its own clients rely
// on, and sweeps what interrupted live test runs left behind.
//
// The probe works only inside scratch namespaces it creates (names starting with
// scratch.Prefix, "orka-tfacc-") and on prefixed VM configs, which Orka keeps in orka-default;
// it removes all of them afterwards, also when it fails or is interrupted. Outside them it
// touches only what an opt-in flag names: -tag-node puts a prefixed tag on that node and moves
// it into a scratch namespace (and undoes both), -save-image saves into a prefixed image (and
// deletes it), -push-image pushes to the registry reference given (which stays there). It
// exercises every route the provider uses through the provider's own client, and the routes
// MacStadium documents that the client does not call through requests of its own, and prints a
// report that lists each item as confirmed, contradicted (with Orka's status and a redacted
// excerpt of its answer) or not checked, and for the items the documents leave open, which
// variant the cluster showed. It never prints a token.
//
//	ORKA_ENDPOINT=https://acme.orka.app ORKA_TOKEN=... orka-conformance [-deploy-vm [-save-image] [-push-image REF]] [-cache-image IMAGE] [-tag-node NODE]
//	ORKA_ENDPOINT=... ORKA_TOKEN=... ORKA_CONFORMANCE_OTHER_TOKEN=... orka-conformance [...] (also checks VM and VM-config ownership)
//	ORKA_ENDPOINT=... ORKA_TOKEN=... orka-conformance -before-upgrade FILE      (read-only record, before an upgrade)
//	ORKA_ENDPOINT=... ORKA_TOKEN=... orka-conformance -during-maintenance FILE  (one read, in the maintenance window)
//	ORKA_ENDPOINT=... ORKA_TOKEN=... orka-conformance -after-upgrade FILE [...] (the full probe, plus the comparison)
//	ORKA_ENDPOINT=... ORKA_TOKEN=... orka-conformance -sweep [-dry-run]
//
// Exit status: 0 no contradiction, 1 a contradiction, 2 the probe could not run or could not
// clean up (run -sweep then).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first Ctrl-C stops the checks and the cleanup runs; a second one ends the program
		// (what is left is then for -sweep).
		<-ctx.Done()
		stop()
		fmt.Fprintln(os.Stderr, "interrupted: removing what the probe created (Ctrl-C again abandons it; then run -sweep)")
	}()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cleanupTimeout bounds the cleanup after the checks; it runs even when the checks were
// interrupted.
const cleanupTimeout = 10 * time.Minute

// run is the program, with its environment passed in (the tests run it in-process).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("orka-conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", getenv("ORKA_ENDPOINT"), "Orka API base URL (default $ORKA_ENDPOINT); the token is read from $ORKA_TOKEN only")
	caFile := fs.String("ca-certificate-file", getenv("ORKA_CA_CERTIFICATE_FILE"), "PEM file of an extra CA for HTTPS (default $ORKA_CA_CERTIFICATE_FILE; $ORKA_CA_CERTIFICATE may hold the PEM itself)")
	insecure := fs.Bool("insecure-skip-verify", envBool(getenv("ORKA_INSECURE_SKIP_VERIFY")), "do not verify the server's certificate (default $ORKA_INSECURE_SKIP_VERIFY)")
	var opts options
	fs.BoolVar(&opts.DeployVM, "deploy-vm", false, "also deploy VMs: one that runs (uses one VM slot for a few minutes) and three no node can hold (one minute each, in a scratch namespace)")
	fs.StringVar(&opts.DeployNamespace, "deploy-namespace", orka.DefaultNamespace, "namespace with nodes for -deploy-vm and -cache-image (objects there get prefixed names)")
	fs.IntVar(&opts.DeployTimeout, "deploy-timeout", 10, "Orka's deploy timeout in minutes for -deploy-vm")
	fs.StringVar(&opts.CacheImage, "cache-image", "", "also cache this image on one node that lacks it, then remove it (uses node disk)")
	fs.StringVar(&opts.TagNode, "tag-node", "", "also add a scratch tag ("+scratch.Prefix+"tag-*) to this node, then remove it, and (when it runs no VM) move it into a scratch namespace and back")
	fs.BoolVar(&opts.SaveImage, "save-image", false, "with -deploy-vm: also save the VM into a new image "+scratch.Prefix+"img-*, then delete that image")
	fs.StringVar(&opts.PushImage, "push-image", "", "with -deploy-vm: also push the VM to this OCI reference (server/repo/image:tag); the deploy namespace needs a registry credential for its server, and what is pushed STAYS in the registry")
	fs.DurationVar(&opts.SaveWait, "save-wait", time.Hour, "how long to wait for a saved image to be Ready")
	fs.StringVar(&opts.Image, "image", "", "image of the probe's VM configs (default: the first image Orka lists)")
	fs.DurationVar(&opts.PollInterval, "poll-interval", 5*time.Second, "how often to poll an image cache")
	fs.DurationVar(&opts.CacheWait, "cache-wait", 30*time.Minute, "how long to wait for an image to be cached")
	sweep := fs.Bool("sweep", false, "remove leftovers named "+scratch.Prefix+"* of interrupted live test or probe runs, and nothing else")
	dryRun := fs.Bool("dry-run", false, "with -sweep: only list what would be removed")
	before := fs.String("before-upgrade", "", "only record (read-only) every visible node's namespace and tags, and the token's kind, into this file, before a MacStadium upgrade")
	during := fs.String("during-maintenance", "", "only check that a read answers 503 with Retry-After, while a maintenance window is on; the result is added to this file (the upgrade record)")
	after := fs.String("after-upgrade", "", "also compare the cluster with this file, recorded by -before-upgrade (and -during-maintenance)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	if msg := checkModes(fs, opts); msg != "" {
		fmt.Fprintln(stderr, msg)
		return 2
	}
	token := getenv("ORKA_TOKEN")
	if *endpoint == "" || token == "" {
		fmt.Fprintln(stderr, "set ORKA_ENDPOINT (or -endpoint) and ORKA_TOKEN (an administrator's token)")
		return 2
	}
	caPEM := getenv("ORKA_CA_CERTIFICATE")
	if *caFile != "" {
		b, err := os.ReadFile(*caFile)
		if err != nil {
			fmt.Fprintf(stderr, "reading the CA certificate: %v\n", err)
			return 2
		}
		caPEM = string(b)
	}
	rec := &recorder{secrets: []string{token}}
	if other := getenv(otherTokenEnv); other != "" {
		opts.OtherToken = other
		rec.addSecret(other)
	}
	cfg := orka.Config{
		Endpoint: *endpoint, Token: token, CACertificatePEM: caPEM, InsecureSkipVerify: *insecure,
		UserAgent: "orka-conformance/" + version,
		WrapTransport: func(base http.RoundTripper) http.RoundTripper {
			rec.base = base
			return rec
		},
	}
	c, err := orka.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	raw := &rawClient{endpoint: c.Endpoint(), token: token, hc: &http.Client{Transport: rec}, retryWait: time.Second}
	p := &probe{c: c, raw: raw, rec: rec, rep: newReport(), opts: opts, log: stderr, token: token}
	switch {
	case *before != "":
		return runBeforeUpgrade(ctx, p, *before, stdout, stderr)
	case *during != "":
		return runDuringMaintenance(ctx, p, *during, stdout, stderr)
	case *after != "":
		up, missing, err := readUpgradeRecord(*after)
		if missing {
			err = fmt.Errorf("%s does not exist: run -before-upgrade %s before the upgrade", *after, *after)
		} else if err == nil && up.Endpoint != c.Endpoint() {
			err = fmt.Errorf("%s was recorded for %s, not %s", *after, up.Endpoint, c.Endpoint())
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		p.upgrade = up
	}
	if *sweep {
		s := &sweeper{c: c, raw: raw, dryRun: *dryRun, out: stdout}
		if s.run(ctx) > 0 {
			fmt.Fprintf(stdout, "sweep: %d failure(s); run it again once the cause is fixed\n", s.failed)
			return 2
		}
		if s.byHand > 0 {
			fmt.Fprintf(stdout, "sweep: done, but %d object(s) are left for you (see above)\n", s.byHand)
			return 0
		}
		fmt.Fprintln(stdout, "sweep: done")
		return 0
	}
	return runProbe(ctx, p, stdout, stderr)
}

// checkModes refuses flags that cannot go together; "" when they can.
func checkModes(fs *flag.FlagSet, opts options) string {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var modes []string
	for _, m := range []string{"sweep", "before-upgrade", "during-maintenance", "after-upgrade"} {
		if set[m] {
			modes = append(modes, "-"+m)
		}
	}
	if len(modes) > 1 {
		return strings.Join(modes, " and ") + " cannot go together: run them one after the other"
	}
	if len(modes) == 1 && modes[0] != "-after-upgrade" {
		for _, f := range []string{"deploy-vm", "cache-image", "tag-node", "save-image", "push-image"} {
			if set[f] {
				return fmt.Sprintf("%s runs alone: drop -%s (it belongs to a probe run)", modes[0], f)
			}
		}
	}
	if opts.SaveImage && !opts.DeployVM {
		return "-save-image saves the probe's VM: add -deploy-vm"
	}
	if opts.PushImage != "" && !opts.DeployVM {
		return "-push-image pushes the probe's VM: add -deploy-vm"
	}
	return ""
}

// modesOn names the modes this run has on, for the report.
func modesOn(p *probe) map[string]bool {
	return map[string]bool{
		needsDeployVM:    p.opts.DeployVM,
		needsCacheImage:  p.opts.CacheImage != "",
		needsTagNode:     p.opts.TagNode != "",
		needsSaveImage:   p.opts.SaveImage && p.opts.DeployVM,
		needsPushImage:   p.opts.PushImage != "" && p.opts.DeployVM,
		needsOtherToken:  p.opts.OtherToken != "",
		needsUpgrade:     p.upgrade != nil,
		needsMaintenance: p.upgrade != nil && p.upgrade.Maintenance != nil,
	}
}

func runProbe(ctx context.Context, p *probe, stdout, stderr io.Writer) int {
	c, rec, opts := p.c, p.rec, p.opts
	started := time.Now().UTC()
	runErr := p.run(ctx)
	fmt.Fprintln(stderr, "cleaning up")
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	left := p.cleanup(cctx)
	failedImages, byHand := p.removeSavedImages(cctx)
	left = append(left, failedImages...)
	cancel()
	p.rep.finish(modesOn(p), "")

	header := []string{
		"endpoint: " + c.Endpoint(),
		"run at: " + started.Format(time.RFC3339) + ", probe version " + version,
		fmt.Sprintf("options: -deploy-vm=%v -save-image=%v -push-image=%q -cache-image=%q -tag-node=%q -deploy-namespace=%s; %s %s",
			opts.DeployVM, opts.SaveImage, opts.PushImage, opts.CacheImage, opts.TagNode, opts.DeployNamespace, otherTokenEnv, setOrNot(opts.OtherToken)),
		"scratch namespaces: " + strings.Join(nonEmpty(p.nsA, p.nsB), ", "),
	}
	if p.upgrade != nil {
		header = append(header, upgradeHeader(p.upgrade)...)
	}
	if runErr != nil {
		header = append(header, "STOPPED EARLY: "+rec.scrubText(runErr.Error()))
	}
	for _, f := range p.failures {
		header = append(header, "step failed: "+rec.scrubText(f))
	}
	switch {
	case len(left) == 0 && len(byHand) == 0:
		header = append(header, "cleanup: everything the probe created was removed")
	case len(left) == 0:
		header = append(header, "cleanup: everything the probe created was removed, but for what is left for you (below)")
	default:
		for _, l := range left {
			header = append(header, "cleanup FAILED, left behind: "+rec.scrubText(l))
		}
		header = append(header, "run `make sweep` (orka-conformance -sweep) to remove what is left")
	}
	for _, k := range byHand {
		header = append(header, "left for you: "+rec.scrubText(k))
	}
	for _, k := range p.leftOnPurpose {
		header = append(header, "left behind on purpose: "+rec.scrubText(k))
	}
	p.rep.print(stdout, header, routeUses(rec.all()))

	switch {
	case runErr != nil || len(left) > 0:
		return 2
	case p.rep.count(contradicted) > 0:
		return 1
	}
	return 0
}

func setOrNot(s string) string {
	if s == "" {
		return "not set"
	}
	return "set"
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	if out == nil {
		out = []string{"(none created)"}
	}
	return out
}

func envBool(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}
