package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimitFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, memoryFloor},               // nothing live: the floor
		{8 << 20, memoryFloor},         // a small estate: the floor
		{12 << 20, memoryFloor},        // 2×12 + 16 = 40 MiB: the floor itself
		{64 << 20, (2*64 + 16) << 20},  // a large estate: twice its live heap, plus overhead
		{1 << 30, (2*1024 + 16) << 20}, // 1 GiB live: grows with it, never collects over and over
	} {
		if got := limitFor(tc.live); got != tc.want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", tc.live>>20, got>>20, tc.want>>20)
		}
	}
}

// A user who sets GOGC or GOMEMLIMIT gets exactly what they asked for.
func TestTuneGC_leavesUserSettingsAlone(t *testing.T) {
	for _, env := range []map[string]string{{"GOGC": "50"}, {"GOMEMLIMIT": "100MiB"}} {
		before := debug.SetGCPercent(77)
		limit := debug.SetMemoryLimit(-1)
		applied := tuneGC(func(k string) string { return env[k] })
		after := debug.SetGCPercent(before)
		if applied || after != 77 || debug.SetMemoryLimit(-1) != limit {
			t.Errorf("with %v: tuneGC applied=%v, GOGC %d (want 77), memory limit changed: want both untouched", env, applied, after)
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
