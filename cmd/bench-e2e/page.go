package main

import (
	"fmt"
	"strings"
)

// page is the docs guide: how the provider scales, the latest table and chart, and how to
// reproduce them. chart is the chart's path relative to the page.
func (r *results) page(chart string) string {
	var b strings.Builder
	b.WriteString(`---
page_title: "Performance at fleet scale"
subcategory: ""
description: |-
  How plan time, API requests and memory of the Orka provider grow with the estate, measured against Terraform's own floor.
---

# Performance at fleet scale

Orka fleets run to hundreds of VMs in a namespace, often planned from Terraform Cloud far from
the cluster. This page shows how a no-op ` + "`terraform plan`" + ` (refresh included) grows with the number of
VMs in one namespace, beside Terraform's own floor: the same plan of as many ` + "`terraform_data`" + `
objects, which needs no provider at all, measured in the same run.

While refreshing, the provider lists each namespace's VMs (and VM configs, image caches, service
accounts, registry credentials) once per run and reads every object from that list, so a plan
makes a handful of API requests whatever the size of the estate; an object missing from the
list is confirmed with its own request before Terraform is told it is gone. When no Terraform
log variable (` + "`TF_LOG`" + `, ` + "`TF_LOG_PROVIDER`" + `, ` + "`TF_LOG_SDK*`" + `, ` + "`TF_LOG_PATH`" + `) is set, the provider skips the
plugin SDK's trace logging, which nobody would read.

## Latest results

`)
	fmt.Fprintf(&b, "![Plan time and API requests against the number of VMs](%s)\n\n", chart)
	b.WriteString(r.markdown())
	b.WriteString(`
Figures are wall times on the machine named above, against the in-process Orka simulator; on a
busy machine they vary from run to run, while the ratios within one run are stable. The
latency rows add a fixed delay to every API answer, as seen from a run far from the cluster.

## Reproduce

From a clone of the repository, with Go and Terraform on the machine:

` + "```sh" + `
make bench-e2e
` + "```" + `

It builds the provider, starts the Orka simulator inside the benchmark, builds estates of 50, 200
and 1000 VMs in ` + "`orka-default`" + ` and as many ` + "`terraform_data`" + ` objects, and runs each no-op plan three
times without latency and with 50 ms of latency (the table shows the median), through a
` + "`dev_overrides`" + ` CLI configuration and with no ` + "`TF_LOG*`" + ` variable set. The provider's peak memory is its
peak resident set size as the kernel reports it when the process ends. Finally it deploys 48 VMs
on a simulator whose deploys take 10 s, wipes them with an infrastructure upgrade, and times the
apply that puts them back against its schedule: ceil(48 / 10) rounds of 10 s at Terraform's
default parallelism. It takes a few minutes and rewrites this page.

Run ` + "`go run ./cmd/bench-e2e -help`" + ` for other sizes, latencies or repetitions. ` + "`make bench`" + ` runs
the Go benchmarks of the API client and the simulator.
`)
	return b.String()
}
