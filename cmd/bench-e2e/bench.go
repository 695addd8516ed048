package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// setupParallelism is the terraform -parallelism used to build the estates: building them is
// not what is measured.
const setupParallelism = 32

// bench holds a working directory, the provider build, and one simulator in this process.
type bench struct {
	o       *options
	log     io.Writer
	work    string
	plugins string // dev_overrides directory: this program, under the provider's name
	real    string // the provider built from o.root
	rssFile string
	sim     *orkasim.Server
	srv     *http.Server
	url     string
}

// newBench builds the provider and prepares the working directory.
func newBench(ctx context.Context, o *options, log io.Writer) (*bench, error) {
	work, err := os.MkdirTemp("", "orka-bench-e2e-")
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, log: log, work: work, plugins: filepath.Join(work, "plugins"),
		real: filepath.Join(work, "provider", providerName), rssFile: filepath.Join(work, "rss")}
	b.logf("building the provider from %s into %s", o.root, b.real)
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", b.real, ".") //nolint:gosec // fixed arguments
	build.Dir, build.Stdout, build.Stderr = o.root, log, log
	if err := build.Run(); err != nil {
		b.close()
		return nil, fmt.Errorf("building the provider: %w", err)
	}
	self, err := os.Executable()
	if err == nil {
		err = copyFile(self, filepath.Join(b.plugins, providerName))
	}
	if err != nil {
		b.close()
		return nil, fmt.Errorf("installing the provider wrapper: %w", err)
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/orkatf/orka\" = %q\n  }\n  direct {}\n}\n", b.plugins)
	if err := os.WriteFile(filepath.Join(work, "terraformrc"), []byte(rc), 0o600); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *bench) close() {
	if b.srv != nil {
		b.sim.Close()
		_ = b.srv.Close()
	}
	if b.o.keep {
		b.logf("kept %s", b.work)
		return
	}
	_ = os.RemoveAll(b.work)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// serve starts a simulator on a free loopback port and returns it with its URL.
func serve(opts orkasim.Options) (*orkasim.Server, *http.Server, string, error) {
	sim := orkasim.New(opts)
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, "", err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return sim, srv, "http://" + ln.Addr().String(), nil
}

// env is the environment Terraform runs with: the caller's, without any TF_LOG* variable (the
// benchmark measures the default), with the dev_overrides config and the simulator.
func (b *bench) env(url, token string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_LOG") || strings.HasPrefix(k, "ORKA_") || k == "TF_CLI_CONFIG_FILE" ||
			strings.HasPrefix(k, "TF_ACC") || k == "TF_REATTACH_PROVIDERS" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+filepath.Join(b.work, "terraformrc"), "CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1", "ORKA_ENDPOINT="+url, "ORKA_TOKEN="+token,
		envRealProvider+"="+b.real, envRSSFile+"="+b.rssFile)
}

// measure runs every measurement.
func (b *bench) measure(ctx context.Context) (*results, error) {
	start := time.Now()
	sizes := slices.Clone(b.o.sizes)
	slices.Sort(sizes)
	var err error
	b.sim, b.srv, b.url, err = serve(orkasim.Options{Nodes: (sizes[len(sizes)-1]+1)/2 + 1})
	if err != nil {
		return nil, err
	}
	env := b.env(b.url, b.sim.AdminToken())
	orka, err := newEstate(b.work, "orka", orkaConfig("orka-default"), b.o.terraform, env)
	if err != nil {
		return nil, err
	}
	floor, err := newEstate(b.work, "floor", floorConfig, b.o.terraform, env)
	if err != nil {
		return nil, err
	}
	res := &results{latency: b.o.latency, runs: b.o.runs}
	for _, n := range sizes {
		b.logf("building the estates of %d objects", n)
		if _, err := orka.apply(ctx, n, setupParallelism); err != nil {
			return nil, err
		}
		if _, err := floor.apply(ctx, n, setupParallelism); err != nil {
			return nil, err
		}
		for _, lat := range []time.Duration{0, b.o.latency} {
			r, err := b.measurePlan(ctx, orka, floor, n, lat)
			if err != nil {
				return nil, err
			}
			b.logf("N=%d latency=%s: plan %.2fs, floor %.2fs, %.3f requests/object, peak RSS %.1f MiB",
				n, lat, r.plan.Seconds(), r.floor.Seconds(), r.requestsPerObject(), r.rssMiB())
			res.rows = append(res.rows, r)
		}
	}
	b.sim.SetLatency(0, 0)
	if b.o.recoveryN > 0 {
		rec, err := b.measureRecovery(ctx)
		if err != nil {
			return nil, err
		}
		res.recovery = rec
	}
	res.took = time.Since(start)
	return res, nil
}

// measurePlan runs the no-op plans of one row and keeps the medians.
func (b *bench) measurePlan(ctx context.Context, orka, floor *estate, n int, lat time.Duration) (row, error) {
	b.sim.SetLatency(lat, 0)
	defer b.sim.SetLatency(0, 0)
	var plans, floors []time.Duration
	var reqs []int
	var rss int64
	for range b.o.runs {
		if err := os.WriteFile(b.rssFile, nil, 0o600); err != nil {
			return row{}, err
		}
		b.sim.ClearRequests()
		took, err := orka.plan(ctx, n)
		if err != nil {
			return row{}, err
		}
		plans = append(plans, took)
		reqs = append(reqs, len(b.sim.Requests()))
		peak, err := peakRSS(b.rssFile)
		if err != nil {
			return row{}, err
		}
		rss = max(rss, peak)
		if took, err = floor.plan(ctx, n); err != nil {
			return row{}, err
		}
		floors = append(floors, took)
	}
	return row{n: n, latency: lat, plan: median(plans), floor: median(floors), requests: median(reqs), rssKiB: rss}, nil
}

// measureRecovery builds an estate of recoveryN VMs on a simulator whose deploys take
// deployDelay, wipes it with an infrastructure upgrade, and times the apply that puts it back.
func (b *bench) measureRecovery(ctx context.Context) (*recovery, error) {
	n := b.o.recoveryN
	sim, srv, url, err := serve(orkasim.Options{Nodes: (n+1)/2 + 1, DeployDelay: b.o.deployDelay})
	if err != nil {
		return nil, err
	}
	defer func() { sim.Close(); _ = srv.Close() }()
	est, err := newEstate(b.work, "recovery", orkaConfig("orka-default"), b.o.terraform, b.env(url, sim.AdminToken()))
	if err != nil {
		return nil, err
	}
	b.logf("recovery: building %d VMs (deploys take %s)", n, b.o.deployDelay)
	if _, err := est.apply(ctx, n, n); err != nil {
		return nil, err
	}
	wiped, err := sim.Upgrade(orkasim.UpgradeRequest{Type: "infrastructure", VMs: "all"})
	if err != nil {
		return nil, err
	}
	if len(wiped.DeletedVMs) != n {
		return nil, fmt.Errorf("the upgrade deleted %d VMs, expected %d", len(wiped.DeletedVMs), n)
	}
	b.logf("recovery: the upgrade deleted %d VMs; applying with -parallelism=%d", n, b.o.parallelism)
	took, err := est.apply(ctx, n, b.o.parallelism)
	if err != nil {
		return nil, err
	}
	if _, err := est.plan(ctx, n); err != nil {
		return nil, fmt.Errorf("after the recovery apply: %w", err)
	}
	rounds := (n + b.o.parallelism - 1) / b.o.parallelism
	rec := &recovery{vms: n, parallelism: b.o.parallelism, deployDelay: b.o.deployDelay,
		took: took, schedule: time.Duration(rounds) * b.o.deployDelay}
	b.logf("recovery: %.1fs against a schedule of %.1fs", took.Seconds(), rec.schedule.Seconds())
	return rec, nil
}

// peakRSS is the largest value in the RSS file, in KiB.
func peakRSS(file string) (int64, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	var peak int64
	for _, l := range strings.Fields(string(raw)) {
		v, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", file, err)
		}
		peak = max(peak, v)
	}
	if peak == 0 {
		return 0, errors.New("the provider's peak RSS was not recorded: did Terraform start the provider?")
	}
	return peak, nil
}

func median[T int | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func copyFile(from, to string) error {
	raw, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, raw, 0o755) //nolint:gosec // an executable
}
