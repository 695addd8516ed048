package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// results is one run of the benchmark.
type results struct {
	latency  time.Duration
	runs     int
	rows     []row
	recovery *recovery
	took     time.Duration
}

// find returns the row of n VMs at latency lat.
func (r *results) find(n int, lat time.Duration) (row, bool) {
	for _, x := range r.rows {
		if x.n == n && x.latency == lat {
			return x, true
		}
	}
	return row{}, false
}

// markdown is the table and the targets, as printed and as written into the docs page.
func (r *results) markdown() string {
	var b strings.Builder
	b.WriteString("| VMs | latency | no-op plan | `terraform_data` floor | ratio | API requests per VM | provider peak RSS |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range r.rows {
		fmt.Fprintf(&b, "| %d | %s | %.2f s | %.2f s | %.1f× | %.3f | %.1f MiB |\n",
			x.n, x.latency, x.plan.Seconds(), x.floor.Seconds(), x.ratio(), x.requestsPerObject(), x.rssMiB())
	}
	if rec := r.recovery; rec != nil {
		fmt.Fprintf(&b, "\nRecovery apply of %d VMs after an infrastructure upgrade (deploys take %s, -parallelism=%d): "+
			"%.1f s against a schedule of %.1f s (%.2f×).\n",
			rec.vms, rec.deployDelay, rec.parallelism, rec.took.Seconds(), rec.schedule.Seconds(), rec.ratio())
	}
	if t := r.targets(); len(t) > 0 {
		b.WriteString("\n| target | measured | met |\n|---|---:|:---:|\n")
		for _, x := range t {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", x.what, x.got, yesNo(x.met))
		}
	}
	fmt.Fprintf(&b, "\nMedian of %d plans per row; %s/%s, %d CPUs; the whole run took %s.\n",
		r.runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), r.took.Round(time.Second))
	return b.String()
}

// target is one of the goals the benchmark checks.
type target struct {
	what, got string
	met       bool
}

// targets checks the goals that the measured sizes allow checking.
func (r *results) targets() []target {
	var out []target
	near200, ok200 := r.find(200, 0)
	if ok200 {
		out = append(out, target{"no-op plan of 200 VMs ≤ 8× the floor", fmt.Sprintf("%.1f×", near200.ratio()), near200.ratio() <= 8},
			target{"API requests per VM at 200 VMs ≤ 0.05", fmt.Sprintf("%.3f", near200.requestsPerObject()), near200.requestsPerObject() <= 0.05})
		if far, ok := r.find(200, r.latency); ok && r.latency > 0 {
			d := (far.plan - near200.plan).Seconds()
			out = append(out, target{fmt.Sprintf("plan of 200 VMs at %s latency ≤ 0.3 s slower", r.latency), fmt.Sprintf("%+.2f s", d), d <= 0.3})
		}
		if big, ok := r.find(1000, 0); ok {
			q := big.plan.Seconds() / near200.plan.Seconds()
			out = append(out, target{"plan of 1000 VMs ≤ 5.5× the plan of 200", fmt.Sprintf("%.1f×", q), q <= 5.5})
		}
	}
	if big, ok := r.find(1000, 0); ok {
		out = append(out, target{"provider peak RSS at 1000 VMs ≤ 64 MiB", fmt.Sprintf("%.1f MiB", big.rssMiB()), big.rssMiB() <= 64})
		if small, ok := r.find(50, 0); ok {
			q := big.rssMiB() / small.rssMiB()
			out = append(out, target{"provider peak RSS at 1000 VMs ≤ 1.3× at 50", fmt.Sprintf("%.2f×", q), q <= 1.3})
		}
	}
	if rec := r.recovery; rec != nil {
		out = append(out, target{fmt.Sprintf("recovery of %d VMs ≤ 1.05× its schedule", rec.vms), fmt.Sprintf("%.2f×", rec.ratio()), rec.ratio() <= 1.05})
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}
