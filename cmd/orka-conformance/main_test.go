package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// simulator starts an in-process simulator with fast deploy timeouts and image caching;
// handler, when given, stands between the probe and the simulator.
func simulator(t *testing.T, handler func(http.Handler) http.Handler) (*orkasim.Server, func(string) string) {
	t.Helper()
	sim := orkasim.New(orkasim.Options{Minute: 20 * time.Millisecond, CacheDelay: 20 * time.Millisecond})
	var h http.Handler = sim
	if handler != nil {
		h = handler(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	env := map[string]string{"ORKA_ENDPOINT": srv.URL, "ORKA_TOKEN": sim.AdminToken()}
	return sim, func(k string) string { return env[k] }
}

// probeArgs turn on everything, so that every item can be checked.
var probeArgs = []string{"-deploy-vm", "-cache-image", "90gbsonomassd.orkasi", "-poll-interval", "10ms"}

func runIt(t *testing.T, ctx context.Context, getenv func(string) string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, getenv, &out, &errOut)
	t.Logf("exit %d\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	return code, out.String() + errOut.String()
}

// outcomeOf reads an item's outcome from the report.
func outcomeOf(report, id string) string {
	m := regexp.MustCompile(`(?m)^  (CONFIRMED|CONTRADICTED|NOT CHECKED)\s+` + regexp.QuoteMeta(id) + `\s`).FindStringSubmatch(report)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// jwtLike matches anything shaped like a JSON Web Token.
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

// Against the simulator every item a probe can check is confirmed, every route the provider
// uses is exercised, no secret is printed, and the cluster is left exactly as it was found.
func TestProbeConfirmsEveryItemAgainstTheSimulator(t *testing.T) {
	sim, getenv := simulator(t, nil)
	before := sim.Snapshot()

	code, report := runIt(t, context.Background(), getenv, probeArgs...)
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for _, it := range items {
		want := confirmed
		if it.Unprobeable != "" {
			want = notChecked
		}
		if got := outcomeOf(report, it.ID); got != want {
			t.Errorf("item %s: %q, want %q", it.ID, got, want)
		}
	}
	for _, ru := range routeUses(nil) {
		line := regexp.MustCompile(`(?m)^  ` + ru.Method + `\s+` + regexp.QuoteMeta(ru.Template) + `\s+(.*)$`).FindStringSubmatch(report)
		if line == nil || line[1] == "not exercised" {
			t.Errorf("route %s %s was not exercised", ru.Method, ru.Template)
		}
	}
	if !strings.Contains(report, "cleanup: everything the probe created was removed") {
		t.Error("the report does not say the cleanup was complete")
	}
	if strings.Contains(report, sim.AdminToken()) || jwtLike.MatchString(report) {
		t.Error("the report shows a token")
	}
	if after := sim.Snapshot(); !reflect.DeepEqual(normalize(before), normalize(after)) {
		t.Errorf("the probe left the cluster changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

// normalize drops what a probe may legitimately leave different: empty per-namespace maps
// and the image-cache entries emptied by removal.
func normalize(s orkasim.Snapshot) orkasim.Snapshot {
	for ns, caches := range s.ImageCaches {
		for img, nodes := range caches {
			if len(nodes) == 0 {
				delete(caches, img)
			}
		}
		if len(caches) == 0 {
			delete(s.ImageCaches, ns)
		}
	}
	return s
}
