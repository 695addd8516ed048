package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// memoryFloor is how much memory the provider lets the Go runtime use before it collects
// garbage, as long as the live heap is small (see limitFor).
//
// A plan allocates a great deal of short-lived memory per object (the plugin framework walks the
// schema for every attribute of every object) while the live heap stays small: under 10 MiB for
// an estate of 1000 VMs. Go's default (collect when the heap doubles) then runs a collection every
// few milliseconds, and garbage collection was about a fifth of the provider's CPU time in a
// no-op plan. The provider is a short-lived process, so it collects only when the runtime's memory
// reaches this floor, or twice the live heap plus the runtime's own overhead once that is larger:
// far fewer collections, and a peak memory that stays flat across estate sizes.
const memoryFloor = 40 << 20

// runtimeOverhead is what the runtime holds beside heap objects (stacks, metadata, free spans),
// allowed for once the live heap is large.
const runtimeOverhead = 16 << 20

// limitFor is the memory limit after a collection that found live bytes of live heap.
func limitFor(live uint64) int64 {
	return int64(max(memoryFloor, 2*live+runtimeOverhead)) //nolint:gosec // a heap is far below 2^63
}

// tuneGC applies the floor for the life of the process and reports whether it did: not when the
// user set GOGC or GOMEMLIMIT, who then gets Go's own behaviour, as asked. Collections are then
// started by the memory limit alone (GOGC off), and after each one the limit is set anew from the
// live heap it found, so that a large estate collects as it would by default instead of
// collecting over and over near a limit it has outgrown.
func tuneGC(getenv func(string) string) bool {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetMemoryLimit(memoryFloor)
	debug.SetGCPercent(-1)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	afterEachGC(func() {
		metrics.Read(live)
		if live[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(limitFor(live[0].Value.Uint64()))
		}
	})
	return true
}

// gcSentinel is an object nothing refers to: its finalizer runs after the next collection.
type gcSentinel struct{ _ [16]byte }

// afterEachGC runs f after every garbage collection, from the finalizer goroutine.
func afterEachGC(f func()) {
	s := &gcSentinel{}
	runtime.SetFinalizer(s, func(*gcSentinel) {
		f()
		afterEachGC(f)
	})
}
