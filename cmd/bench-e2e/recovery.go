package main

import "time"

// recovery is the apply that puts back every VM an infrastructure upgrade deleted.
type recovery struct {
	vms         int
	parallelism int
	deployDelay time.Duration
	took        time.Duration
	// schedule is what the deploys alone take: ceil(vms / parallelism) rounds of deployDelay.
	schedule time.Duration
}

func (r recovery) ratio() float64 { return r.took.Seconds() / r.schedule.Seconds() }
