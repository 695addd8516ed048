package orkasim

import (
	"testing"
	"time"
)

// The delay each answer gets stays within [Latency, Latency+LatencyJitter], and negative
// settings mean none.
func TestLatencyStaysWithinJitter(t *testing.T) {
	cases := []struct {
		name            string
		latency, jitter time.Duration
		lo, hi          time.Duration
	}{
		{"none", 0, 0, 0, 0},
		{"fixed", 50 * time.Millisecond, 0, 50 * time.Millisecond, 50 * time.Millisecond},
		{"jitter", 50 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, 60 * time.Millisecond},
		{"negative", -time.Second, -time.Second, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{Latency: tc.latency, LatencyJitter: tc.jitter})
			seen := map[time.Duration]bool{}
			for range 200 {
				d := s.latency()
				if d < tc.lo || d > tc.hi {
					t.Fatalf("latency %v outside [%v, %v]", d, tc.lo, tc.hi)
				}
				seen[d] = true
			}
			if tc.hi > tc.lo && len(seen) < 2 {
				t.Fatalf("jitter gave the same delay every time: %v", seen)
			}
		})
	}
	s := New(Options{Latency: time.Second})
	s.SetLatency(20*time.Millisecond, 0)
	if d := s.latency(); d != 20*time.Millisecond {
		t.Fatalf("after SetLatency: %v", d)
	}
}
