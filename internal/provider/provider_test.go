package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// testEnv is one acceptance test's Orka: its own in-process simulator, or the real cluster
// named by ORKA_ENDPOINT and ORKA_TOKEN when ORKA_ACC_LIVE=1.
type testEnv struct {
	sim      *orkasim.Server // nil against a real cluster
	endpoint string
	token    string
	client   *orka.Client // for out-of-band changes and checks, as an administrator would make them
	now      func() time.Time
}

func liveAcc() bool { return os.Getenv("ORKA_ACC_LIVE") == "1" }

func newTestEnv(t *testing.T, opts orkasim.Options) *testEnv {
	t.Helper()
	e := &testEnv{now: time.Now}
	if liveAcc() {
		e.endpoint, e.token = os.Getenv("ORKA_ENDPOINT"), os.Getenv("ORKA_TOKEN")
		if e.endpoint == "" || e.token == "" {
			t.Fatal("ORKA_ACC_LIVE=1 needs ORKA_ENDPOINT and ORKA_TOKEN")
		}
	} else {
		e.sim = orkasim.New(opts)
		srv := httptest.NewServer(e.sim)
		// Close ends deploys still waiting for a node first, so cleanup never hangs on them.
		t.Cleanup(func() { e.sim.Close(); srv.Close() })
		e.endpoint, e.token = srv.URL, e.sim.AdminToken()
	}
	client, err := orka.New(orka.Config{Endpoint: e.endpoint, Token: e.token, MaxRetries: 2,
		RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	return e
}

// needSim skips steps that turn simulator knobs; they cannot run against a real cluster.
func (e *testEnv) needSim(t *testing.T) {
	t.Helper()
	if e.sim == nil {
		t.Skip("needs the simulator's control interface")
	}
}

// factories serve this provider in-process, with the test's clock.
func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"orka": func() (tfprotov6.ProviderServer, error) {
			return serverFor(&orkaProvider{version: "test", now: e.now})(), nil
		},
	}
}

// config prefixes HCL with a provider block that points at this test's Orka. Retries are
// quick so that fault tests stay fast.
func (e *testEnv) config(hcl string) string {
	return fmt.Sprintf(`
provider "orka" {
  endpoint    = %q
  token       = %q
  max_retries = 4
}
%s`, e.endpoint, e.token, hcl)
}

// testName returns a fresh object name, so tests against a real cluster do not collide. Every
// name starts with scratch.Prefix, so that `make sweep` can remove what an interrupted live run
// left behind.
func testName(kind string) string {
	return scratch.Name(kind)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// countRequests counts the simulator's logged requests with this method and path.
func (e *testEnv) countRequests(method, path string) int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}
