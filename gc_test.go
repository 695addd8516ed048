package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100},               // not known yet: Go's default
		{4 << 20, 500},         // 4 MiB live: collect at 24 MiB
		{8 << 20, 200},         // 8 MiB live: collect at 24 MiB
		{heapFloor / 2, 100},   // twice the live heap is the floor itself
		{64 << 20, 100},        // large estates: Go's default, the heap doubles
		{heapFloor/2 - 1, 100}, // just under half the floor: the floor, within rounding
		{1 << 20, 2300},        // 1 MiB live: collect at 24 MiB
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

// A user who sets GOGC or GOMEMLIMIT gets exactly what they asked for.
func TestTuneGC_leavesUserSettingsAlone(t *testing.T) {
	for _, env := range []map[string]string{{"GOGC": "50"}, {"GOMEMLIMIT": "100MiB"}} {
		before := debug.SetGCPercent(77)
		applied := tuneGC(func(k string) string { return env[k] })
		after := debug.SetGCPercent(before)
		if applied || after != 77 {
			t.Errorf("with %v: tuneGC applied=%v and left GOGC at %d, want it untouched (77)", env, applied, after)
		}
	}
}

func TestAfterEachGC_runsAfterACollection(t *testing.T) {
	ran := make(chan struct{}, 1)
	afterEachGC(func() {
		select {
		case ran <- struct{}{}:
		default:
		}
	})
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC()
		select {
		case <-ran:
			return
		case <-deadline:
			t.Fatal("the hook did not run after a garbage collection")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
