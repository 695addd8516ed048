package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
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

// probeArgs turn on every probe mode, so that every item but the upgrade and maintenance ones
// (and vm-delete-ownership, which needs a second token: withOtherToken) can be checked.
var probeArgs = []string{"-deploy-vm", "-save-image", "-push-image", "ghcr.io/orka-tfacc/probe:conformance",
	"-cache-image", "90gbsonomassd.orkasi", "-tag-node", "mini-arm-1", "-poll-interval", "10ms"}

// withOtherToken mints a token of a new service account of orka-default (not an administrator)
// and adds it to the environment as the second token of vm-delete-ownership.
func withOtherToken(t *testing.T, getenv func(string) string) func(string) string {
	t.Helper()
	ctx := context.Background()
	c := adminClient(t, getenv)
	const sa = "ci-other"
	must(t, c.CreateServiceAccount(ctx, orka.DefaultNamespace, sa))
	tok, err := c.CreateServiceAccountToken(ctx, orka.DefaultNamespace, sa, orka.TokenRequest{})
	must(t, err)
	return func(k string) string {
		if k == otherTokenEnv {
			return tok
		}
		return getenv(k)
	}
}

// adminClient is a client of the simulator with the admin token, for a test's own set-up.
func adminClient(t *testing.T, getenv func(string) string) *orka.Client {
	t.Helper()
	c, err := orka.New(orka.Config{Endpoint: getenv("ORKA_ENDPOINT"), Token: getenv("ORKA_TOKEN"), RetryWaitMin: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// simControl calls a route of the simulator's control interface, as a user's script would.
func simControl(t *testing.T, getenv func(string) string, path, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, getenv("ORKA_ENDPOINT")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+getenv("ORKA_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %d", path, body, resp.StatusCode)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// upgradeAround runs -before-upgrade, then the upgrade with its maintenance window through the
// control interface, -during-maintenance, and the end of the window; it returns the upgrade
// record's path. between, when given, runs after the upgrade (a cluster that changed).
func upgradeAround(t *testing.T, getenv func(string) string, between func()) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "upgrade.json")
	if code, out := runIt(t, context.Background(), getenv, "-before-upgrade", file); code != 0 || !strings.Contains(out, "Recorded before the upgrade") {
		t.Fatalf("-before-upgrade: exit %d", code)
	}
	simControl(t, getenv, "/_sim/upgrade", `{"type": "release", "vms": "all", "maintenance": "1h"}`)
	if code, out := runIt(t, context.Background(), getenv, "-during-maintenance", file); code != 0 || outcomeOf(out, "error-codes-unavailable") != confirmed {
		t.Fatalf("-during-maintenance: exit %d, error-codes-unavailable %q", code, outcomeOf(out, "error-codes-unavailable"))
	}
	simControl(t, getenv, "/_sim/maintenance", `{"duration": "0s"}`)
	if between != nil {
		between()
	}
	return file
}

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

// variantOf reads the variant an item's line names, "" for none.
func variantOf(report, id string) string {
	m := regexp.MustCompile(`(?m)^  [A-Z ]+?\s+` + regexp.QuoteMeta(id) + `\s+§[0-9, ]+ \(variant "([^"]*)"\)`).FindStringSubmatch(report)
	if m == nil {
		return ""
	}
	return m[1]
}

// jwtLike matches anything shaped like a JSON Web Token.
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

// Against the simulator, which answers as MacStadium documents it, run in every mode as an
// administrator would (before an upgrade, during its maintenance window, and after it with every
// probe flag and a second token), every item is confirmed with the simulator's default variants,
// every route is exercised (but those the probe must not call), no secret is printed or written,
// and the cluster is left as it was found, the image the save made deleted.
func TestProbeConfirmsEveryItemAgainstTheSimulator(t *testing.T) {
	sim, getenv := simulator(t, nil)
	ctx := context.Background()
	c := adminClient(t, getenv)
	// A placement worth recording: a node in another namespace, tags on another.
	must(t, c.CreateNamespace(ctx, "orka-ci", false))
	must(t, sim.MoveNode("mini-arm-4", "orka-ci"))
	must(t, sim.SetNodeTags("mini-arm-3", "gpu", "xl"))
	imagesBefore, err := c.ListImages(ctx)
	must(t, err)

	file := upgradeAround(t, getenv, nil)
	record, err := os.ReadFile(file)
	must(t, err)
	if !strings.Contains(string(record), `"namespace": "orka-ci"`) || !strings.Contains(string(record), `"gpu"`) {
		t.Errorf("the upgrade record lacks the node placement:\n%s", record)
	}
	if strings.Contains(string(record), sim.AdminToken()) {
		t.Error("the upgrade record holds the token")
	}

	otherEnv := withOtherToken(t, getenv) // minted after the upgrade, which invalidates such tokens
	before := sim.Snapshot()
	code, report := runIt(t, ctx, otherEnv, append([]string{"-after-upgrade", file}, probeArgs...)...)
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for _, it := range items {
		if got := outcomeOf(report, it.ID); got != confirmed {
			t.Errorf("item %s: %q, want confirmed", it.ID, got)
		}
	}
	if want := regexp.MustCompile(`(?m)^Summary: \d+ confirmed, 0 contradicted, 0 not checked \(of \d+ items\)$`); !want.MatchString(report) {
		t.Error("the summary is not \"0 not checked\"")
	}
	// The variants of the simulator's defaults.
	for id, v := range map[string]string{
		"deploy-answer-fields":        "minimal: name,node,memory,ip,ssh,vnc,screenshare,status",
		"vm-get-custom-metadata":      "returned",
		"vm-item-fields":              "full",
		"nodes-forbidden-or-notfound": "403",
		"image-cache-routes":          "documented",
	} {
		if got := variantOf(report, id); got != v {
			t.Errorf("%s: variant %q, want %q", id, got, v)
		}
	}
	if !strings.Contains(report, "\n  orkasim (its defaults match every variant seen)\n") {
		t.Error("the report does not say the simulator's defaults match")
	}
	for _, want := range []string{
		"a VM config created with memory 6.57 reads back 6.6",
		`a VM deployed with memory 6.5 (its VM config derives 6.0) reads back "6.50Gi"`,
		"image orka-tfacc-img-",
		"; the image is gone",
		"through POST /api/v1/namespaces/{ns}/cache/images/{name}/add (status Caching -> Ready), then removed through POST /api/v1/namespaces/{ns}/cache/images/{name}/remove",
		"remove: POST /api/v1/namespaces/orka-default/cache/images/90gbsonomassd.orkasi/remove -> 207",
		"VM configs: the second token deleting VM config orka-tfacc-cfg-",
		"VMs: the second token deleting VM orka-default/orka-tfacc-vm-",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if !regexp.MustCompile(`answered 200 with jobName vm-push-[a-z0-9]{5}\n`).MatchString(report) {
		t.Error("the report does not show the push's job name of the form vm-push-xxxxx")
	}
	for _, ru := range routeUses(nil) {
		line := regexp.MustCompile(`(?m)^  ` + ru.Method + `\s+` + regexp.QuoteMeta(ru.Template) + `\s+(.*)$`).FindStringSubmatch(report)
		switch {
		case line == nil:
			t.Errorf("route %s %s is not in the report", ru.Method, ru.Template)
		case ru.NotExercised == "" && strings.HasPrefix(line[1], "not exercised"):
			t.Errorf("route %s %s was not exercised", ru.Method, ru.Template)
		case ru.NotExercised != "" && line[1] != "not exercised ("+ru.NotExercised+")":
			t.Errorf("route %s %s: %q, want it not exercised, saying why", ru.Method, ru.Template, line[1])
		}
	}
	if !strings.Contains(report, "cleanup: everything the probe created was removed") {
		t.Error("the report does not say the cleanup was complete")
	}
	if strings.Contains(report, sim.AdminToken()) || strings.Contains(report, otherEnv(otherTokenEnv)) || jwtLike.MatchString(report) {
		t.Error("the report shows a token")
	}
	if after := sim.Snapshot(); !reflect.DeepEqual(normalize(before), normalize(after)) {
		t.Errorf("the probe left the cluster changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if !strings.Contains(report, "left behind on purpose: whatever the push of VM orka-default/orka-tfacc-vm-") {
		t.Error("the report does not say that what was pushed stays in the registry")
	}

	// The saved image is deleted.
	imagesAfter, err := c.ListImages(ctx)
	must(t, err)
	var added []string
	for _, img := range imagesAfter {
		if !slices.ContainsFunc(imagesBefore, func(i orka.Image) bool { return i.Name == img.Name }) {
			added = append(added, img.Name)
		}
	}
	if len(added) != 0 {
		t.Errorf("images left by the probe: %v, want none", added)
	}
	if strings.Contains(report, "left for you") {
		t.Error("something is left for the administrator")
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
