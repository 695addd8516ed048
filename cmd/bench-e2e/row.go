package main

import "time"

// row is one measurement: the no-op plan of an estate of n VMs at one latency.
type row struct {
	n        int
	latency  time.Duration
	plan     time.Duration // median wall time of `terraform plan`
	floor    time.Duration // the same plan of n terraform_data objects
	requests int           // API requests of one plan
	rssKiB   int64         // the provider's peak resident set size
}

func (r row) ratio() float64             { return r.plan.Seconds() / r.floor.Seconds() }
func (r row) requestsPerObject() float64 { return float64(r.requests) / float64(r.n) }
func (r row) rssMiB() float64            { return float64(r.rssKiB) / 1024 }
