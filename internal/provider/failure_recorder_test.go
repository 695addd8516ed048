package provider

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// failureRecorder stands in for the *testing.T of resource.Test for a known defect's case,
// so that its failure is reported (as a skip, with the text) instead of failing the suite.
// resource.Test runs in a goroutine of its own: Fatal ends that goroutine, not the test.
type failureRecorder struct {
	*testing.T
	mu              sync.Mutex
	msgs            []string
	failed, skipped bool
}

func (r *failureRecorder) run(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func (r *failureRecorder) note(failed, skipped bool, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = r.failed || failed
	r.skipped = r.skipped || skipped
	if msg != "" {
		r.msgs = append(r.msgs, msg)
	}
}

func (r *failureRecorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

func (r *failureRecorder) Error(args ...any) { r.note(true, false, fmt.Sprint(args...)) }
func (r *failureRecorder) Errorf(format string, args ...any) {
	r.note(true, false, fmt.Sprintf(format, args...))
}
func (r *failureRecorder) Fail()             { r.note(true, false, "") }
func (r *failureRecorder) FailNow()          { r.Fail(); runtime.Goexit() }
func (r *failureRecorder) Fatal(args ...any) { r.Error(args...); runtime.Goexit() }
func (r *failureRecorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *failureRecorder) Skip(args ...any) {
	r.note(false, true, fmt.Sprint(args...))
	runtime.Goexit()
}
func (r *failureRecorder) Skipf(format string, args ...any) {
	r.note(false, true, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (r *failureRecorder) SkipNow() { r.note(false, true, ""); runtime.Goexit() }

func (r *failureRecorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *failureRecorder) Skipped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.skipped
}

// The recorder keeps a failure or a skip, with its text, and ends only the goroutine that
// failed; a test that neither fails nor skips leaves it clean.
func TestFailureRecorder(t *testing.T) {
	cases := []struct {
		name            string
		f               func(r *failureRecorder)
		failed, skipped bool
		text            string
	}{
		{"passes", func(r *failureRecorder) { r.Logf("fine") }, false, false, ""},
		{"errors and goes on", func(r *failureRecorder) { r.Errorf("one %d", 1); r.Error("two") }, true, false, "one 1\ntwo"},
		{"fatal stops", func(r *failureRecorder) { r.Fatalf("stop %s", "here"); r.Error("not reached") }, true, false, "stop here"},
		{"skip stops", func(r *failureRecorder) { r.Skip("later"); r.Error("not reached") }, false, true, "later"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &failureRecorder{T: t}
			r.run(func() { c.f(r) })
			if r.Failed() != c.failed || r.Skipped() != c.skipped || r.text() != c.text {
				t.Fatalf("failed %v skipped %v text %q; want %v %v %q", r.Failed(), r.Skipped(), r.text(), c.failed, c.skipped, c.text)
			}
		})
	}
}
