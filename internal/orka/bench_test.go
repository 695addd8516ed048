package orka

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// vmListBody is a list of n VMs as Orka answers it.
func vmListBody(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"name":"runner-%d","namespace":"orka-ci","node":"mini-arm-%d","ip":"10.0.0.%d",`+
			`"ssh":8822,"vnc":5999,"screenshare":5900,"status":"Running","cpu":4,"memory":"6.00Gi",`+
			`"image":"ghcr.io/acme/macos:sonoma","vmConfig":"runner","deployDate":"2026-11-27T03:00:00Z",`+
			`"customMetadata":{"pool":"ci"},"type":"arm64"}`, i, i%8, i%250)
	}
	return `{"items":[` + strings.Join(items, ",") + `]}`
}

// benchmarkListVMs measures one list call through the whole client (retry engine, logging
// transport with redaction, decoding) against a local server; withLog attaches a debug sink,
// as TF_LOG=debug does.
func benchmarkListVMs(b *testing.B, n int, withLog bool) {
	body := vmListBody(n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL, Token: "bench-token"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if withLog {
		ctx = tflogtest.RootLogger(ctx, io.Discard)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		vms, err := c.ListVMs(ctx, "orka-ci")
		if err != nil || len(vms) != n {
			b.Fatalf("ListVMs = %d VMs, %v", len(vms), err)
		}
	}
}

func BenchmarkListVMs10(b *testing.B)          { benchmarkListVMs(b, 10, false) }
func BenchmarkListVMs200(b *testing.B)         { benchmarkListVMs(b, 200, false) }
func BenchmarkListVMs200DebugLog(b *testing.B) { benchmarkListVMs(b, 200, true) }

// BenchmarkRedactJSON measures making a response body safe to log.
func BenchmarkRedactJSON(b *testing.B) {
	body := []byte(`{"status":{"token":"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3OTk5OTk5OTl9.c2ln"},"items":` + vmListBody(20)[9:])
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := redactJSON(body); !ok {
			b.Fatal("not JSON")
		}
	}
}
