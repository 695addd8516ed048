package main

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-terraform", "/usr/bin/terraform", "-sizes", "10, 20", "-runs", "1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.sizes) != 2 || o.sizes[0] != 10 || o.sizes[1] != 20 || o.runs != 1 || o.latency != 50*time.Millisecond {
		t.Fatalf("%+v", o)
	}
	for _, bad := range [][]string{
		{"-terraform", "terraform"},
		{"-terraform", "/t", "-sizes", "0"},
		{"-terraform", "/t", "-sizes", "ten"},
		{"-terraform", "/t", "-runs", "0"},
		{"-terraform", "/t", "extra"},
	} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func sampleResults() *results {
	s := time.Second
	return &results{
		latency: 50 * time.Millisecond, runs: 3, took: 90 * s,
		rows: []row{
			{n: 50, plan: s, floor: s / 4, requests: 3, rssKiB: 40 << 10},
			{n: 50, latency: 50 * time.Millisecond, plan: 1200 * time.Millisecond, floor: s / 4, requests: 3, rssKiB: 40 << 10},
			{n: 200, plan: 2 * s, floor: s / 2, requests: 3, rssKiB: 44 << 10},
			{n: 200, latency: 50 * time.Millisecond, plan: 2500 * time.Millisecond, floor: s / 2, requests: 3, rssKiB: 44 << 10},
			{n: 1000, plan: 12 * s, floor: 2 * s, requests: 3, rssKiB: 70 << 10},
			{n: 1000, latency: 50 * time.Millisecond, plan: 12 * s, floor: 2 * s, requests: 3, rssKiB: 70 << 10},
		},
		recovery: &recovery{vms: 48, parallelism: 10, deployDelay: 10 * s, took: 51 * s, schedule: 50 * s},
	}
}

// The targets are computed from the rows they name, and each verdict follows the figure.
func TestTargets(t *testing.T) {
	got := map[string]target{}
	for _, x := range sampleResults().targets() {
		got[x.what] = x
	}
	want := map[string]struct {
		got string
		met bool
	}{
		"no-op plan of 200 VMs ≤ 8× the floor":           {"4.0×", true},
		"API requests per VM at 200 VMs ≤ 0.05":          {"0.015", true},
		"plan of 200 VMs at 50ms latency ≤ 0.3 s slower": {"+0.50 s", false},
		"plan of 1000 VMs ≤ 5.5× the plan of 200":        {"6.0×", false},
		"provider peak RSS at 1000 VMs ≤ 64 MiB":         {"70.0 MiB", false},
		"provider peak RSS at 1000 VMs ≤ 1.3× at 50":     {"1.75×", false},
		"recovery of 48 VMs ≤ 1.05× its schedule":        {"1.02×", true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d targets: %v", len(got), got)
	}
	for what, w := range want {
		g, ok := got[what]
		if !ok || g.got != w.got || g.met != w.met {
			t.Errorf("%s: got %+v, want %+v", what, g, w)
		}
	}
}

// The page holds the table and links the chart; the chart is well-formed SVG with a line per
// series in each panel.
func TestPageAndChart(t *testing.T) {
	r := sampleResults()
	page := r.page("../performance.svg")
	for _, want := range []string{"page_title:", "](../performance.svg)", "| 1000 | 50ms | 12.00 s | 2.00 s | 6.0× | 0.003 | 70.0 MiB |", "make bench-e2e", "51.0 s against a schedule of 50.0 s"} {
		if !strings.Contains(page, want) {
			t.Errorf("page has no %q", want)
		}
	}
	svg := r.svg()
	d := xml.NewDecoder(strings.NewReader(svg))
	lines := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	if lines != 6 {
		t.Fatalf("%d polylines, want 6 (3 series × 2 panels)", lines)
	}
}
