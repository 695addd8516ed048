// Command bench-e2e measures the provider end to end, the way users run it: Terraform plans of
// estates of N VMs in one namespace against the Orka simulator, near and far (simulated
// latency), beside Terraform's own floor (the same plan of N terraform_data objects, measured
// in the same run), and the recovery apply after an infrastructure upgrade against its
// schedule. It prints one table and can write it, with a chart, into the docs.
//
//	go run ./cmd/bench-e2e -terraform /usr/local/bin/terraform [-page docs/guides/performance.md]
//
// `make bench-e2e` builds and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if filepath.Base(os.Args[0]) == providerName {
		os.Exit(wrapProvider())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		os.Exit(1)
	}
}

// providerName is the binary name Terraform looks for in a dev_overrides directory.
const providerName = "terraform-provider-orka"

// options are the command line's settings.
type options struct {
	terraform   string
	root        string
	sizes       []int
	latency     time.Duration
	runs        int
	recoveryN   int
	deployDelay time.Duration
	parallelism int
	page        string
	chart       string
	chartLink   string
	keep        bool
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench-e2e", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.terraform, "terraform", os.Getenv("TF_ACC_TERRAFORM_PATH"), "absolute path of the terraform binary (default $TF_ACC_TERRAFORM_PATH)")
	fs.StringVar(&o.root, "root", ".", "the provider's source tree, built into the binary under test")
	sizes := fs.String("sizes", "50,200,1000", "estate sizes (VMs in one namespace), comma-separated")
	fs.DurationVar(&o.latency, "latency", 50*time.Millisecond, "simulated latency of the far runs (each size is also measured without)")
	fs.IntVar(&o.runs, "runs", 3, "plans per measurement; the table shows the median")
	fs.IntVar(&o.recoveryN, "recovery-vms", 48, "VMs of the upgrade-recovery apply (0 skips it)")
	fs.DurationVar(&o.deployDelay, "deploy-delay", 10*time.Second, "how long each deploy takes in the recovery apply")
	fs.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism of the recovery apply (Terraform's default)")
	fs.StringVar(&o.page, "page", "", "write the results into this Markdown page (a tfplugindocs guide template)")
	fs.StringVar(&o.chart, "chart", "", "write the chart to this SVG file (default: beside -page, named performance.svg)")
	fs.StringVar(&o.chartLink, "chart-link", "", "how the page links to the chart (default: the chart's path relative to -page)")
	fs.BoolVar(&o.keep, "keep", false, "keep the working directory (Terraform logs and state) for inspection")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.terraform == "" || !filepath.IsAbs(o.terraform) {
		return nil, errors.New("-terraform must be the absolute path of a terraform binary")
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.runs < 1 || o.parallelism < 1 || o.recoveryN < 0 || o.latency < 0 {
		return nil, errors.New("-runs and -parallelism must be at least 1, -recovery-vms and -latency not negative")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	b, err := newBench(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer b.close()
	res, err := b.measure(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, res.markdown())
	if o.page == "" {
		return nil
	}
	chart := o.chart
	if chart == "" {
		chart = filepath.Join(filepath.Dir(o.page), "performance.svg")
	}
	if err := os.MkdirAll(filepath.Dir(chart), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(chart, []byte(res.svg()), 0o644); err != nil { //nolint:gosec // a docs file
		return err
	}
	link := o.chartLink
	if link == "" {
		rel, err := filepath.Rel(filepath.Dir(o.page), chart)
		if err != nil {
			return err
		}
		link = filepath.ToSlash(rel)
	}
	return os.WriteFile(o.page, []byte(res.page(link)), 0o644) //nolint:gosec // a docs file
}
