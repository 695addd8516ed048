package provider

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

const tokenAddr = "orka_service_account_token.test"

// fakeClock is the time of both the provider and the simulator in tests that move time on
// between steps instead of sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// clockStart is a whole second, so that times read back from tokens compare equal.
var clockStart = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newClockEnv is a simulator environment whose provider and simulator share a fake clock.
func newClockEnv(t *testing.T) (*testEnv, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: clockStart}
	e := newTestEnv(t, orkasim.Options{Now: clock.now})
	e.needSim(t)
	e.now = clock.now
	return e, clock
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tokenHCL is a service account and a token of it with the given extra token arguments.
func tokenHCL(account, extra string) string {
	return fmt.Sprintf(`
resource "orka_service_account" "test" {
  name = %q
}

resource "orka_service_account_token" "test" {
  service_account = orka_service_account.test.name
%s
}
`, account, extra)
}

// tokenCapture remembers the tokens a test has seen, to compare them across steps.
type tokenCapture struct {
	e      *testEnv
	tokens []string
}

func (c *tokenCapture) last() string {
	if len(c.tokens) == 0 {
		return ""
	}
	return c.tokens[len(c.tokens)-1]
}

// capture records the token in state and checks that Orka accepts it: the simulator says so,
// and a call made with it is not answered 401.
func (c *tokenCapture) capture(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		tok := rs.Primary.Attributes["token"]
		if tok == "" {
			return fmt.Errorf("%s has no token", addr)
		}
		if c.e.sim != nil && !c.e.sim.TokenValid(tok) {
			return fmt.Errorf("the simulator does not accept the token of %s", addr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.e.client.WithToken(tok).Probe(ctx); err != nil && !orka.IsForbidden(err) {
			return fmt.Errorf("a call with the token of %s failed: %w", addr, err)
		}
		c.tokens = append(c.tokens, tok)
		return nil
	}
}

// changed checks that the newest token differs from the one before it; oldValid says whether
// Orka must still accept the old one.
func (c *tokenCapture) changed(oldValid bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n := len(c.tokens)
		if n < 2 {
			return fmt.Errorf("only %d tokens seen", n)
		}
		if c.tokens[n-1] == c.tokens[n-2] {
			return fmt.Errorf("the token was not regenerated")
		}
		if c.e.sim != nil && c.e.sim.TokenValid(c.tokens[n-2]) != oldValid {
			return fmt.Errorf("the old token is accepted: %t, want %t", !oldValid, oldValid)
		}
		return nil
	}
}

func (c *tokenCapture) unchanged() resource.TestCheckFunc {
	return func(*terraform.State) error {
		n := len(c.tokens)
		if n < 2 || c.tokens[n-1] != c.tokens[n-2] {
			return fmt.Errorf("the token changed")
		}
		return nil
	}
}

func expectTokenTimes(issued time.Time, expires *time.Time) []statecheck.StateCheck {
	var exp knownvalue.Check = knownvalue.Null()
	if expires != nil {
		exp = knownvalue.StringExact(rfc3339(*expires))
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("issued_at"), knownvalue.StringExact(rfc3339(issued))),
		statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"), exp),
		statecheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("token")),
	}
}

func planAction(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

func emptyPlan() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

// A token works against Orka, carries its own times, survives a 403 (still valid), and is
// regenerated when its service account is deleted. Destroy only forgets it.
func TestAccServiceAccountToken_basics(t *testing.T) {
	e, _ := newClockEnv(t)
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	oneYear := clockStart.Add(8760 * time.Hour)
	cfg := e.config(tokenHCL(account, ""))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: append(expectTokenTimes(clockStart, &oneYear),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("namespace"), knownvalue.StringExact("orka-default")),
				),
				Check: tokens.capture(tokenAddr),
			},
			{
				// 403 means Orka knows the token; it is kept.
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "GET", Path: vmConfigPath, Status: 403, Count: 1})
				},
				Config:           cfg,
				ConfigPlanChecks: emptyPlan(),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
			},
			{
				// Deleting the account kills its tokens: both come back in one apply.
				PreConfig: func() {
					if err := e.client.DeleteServiceAccount(testContext(t), "orka-default", account); err != nil {
						t.Fatalf("out-of-band delete: %v", err)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionCreate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(false)),
			},
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				// Destroying the token only forgets it: Orka cannot revoke one token.
				Config: e.config(`
resource "orka_service_account" "test" {
  name = "` + account + `"
}
`),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionDestroy),
				Check: func(*terraform.State) error {
					if !e.sim.TokenValid(tokens.last()) {
						return fmt.Errorf("destroying the token resource invalidated the token")
					}
					return nil
				},
			},
		},
	})
}

// duration and no_expiration reach Orka, and the times come from the token's claims.
func TestAccServiceAccountToken_lifetimes(t *testing.T) {
	e, _ := newClockEnv(t)
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	in30d := clockStart.Add(720 * time.Hour)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:            e.config(tokenHCL(account, `  duration = "720h"`)),
				ConfigStateChecks: expectTokenTimes(clockStart, &in30d),
				Check:             tokens.capture(tokenAddr),
			},
			{
				Config:            e.config(tokenHCL(account, `  no_expiration = true`)),
				ConfigPlanChecks:  planAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: expectTokenTimes(clockStart, nil),
				Check:             resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
			},
			{Config: e.config(tokenHCL(account, `  no_expiration = true`)), ConfigPlanChecks: emptyPlan()},
		},
	})
}

// An expired token, and one inside rotate_before, are regenerated; the fake clock stands in for
// waiting.
func TestAccServiceAccountToken_expiryAndRotateBefore(t *testing.T) {
	e, clock := newClockEnv(t)
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	cfg := e.config(tokenHCL(account, `  duration      = "2h"
  rotate_before = "30m"`))
	at := func(d time.Duration) time.Time { return clockStart.Add(d) }
	ptr := func(t time.Time) *time.Time { return &t }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: expectTokenTimes(at(0), ptr(at(2*time.Hour))),
				Check:             tokens.capture(tokenAddr),
			},
			{
				// Half-way through its life the token is kept.
				PreConfig:        func() { clock.advance(time.Hour) },
				Config:           cfg,
				ConfigPlanChecks: emptyPlan(),
			},
			{
				// 15 minutes before it expires: inside rotate_before.
				PreConfig:         func() { clock.advance(45 * time.Minute) },
				Config:            cfg,
				ConfigPlanChecks:  planAction(tokenAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: expectTokenTimes(at(105*time.Minute), ptr(at(225*time.Minute))),
				Check:             resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
			},
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				// Long past its expiry.
				PreConfig:         func() { clock.advance(5 * time.Hour) },
				Config:            cfg,
				ConfigPlanChecks:  planAction(tokenAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: expectTokenTimes(at(405*time.Minute), ptr(at(525*time.Minute))),
				Check:             resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(false)),
			},
			{
				// A wider rotate_before that the current token falls into mints a new one now...
				PreConfig: func() { clock.advance(time.Hour) },
				Config: e.config(tokenHCL(account, `  duration      = "2h"
  rotate_before = "90m"`)),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
			},
			{
				// ...a narrower one is only recorded.
				Config: e.config(tokenHCL(account, `  duration      = "2h"
  rotate_before = "10m"`)),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
			},
		},
	})
}

// A token issued before regenerate_after is regenerated once that time has passed, once.
func TestAccServiceAccountToken_regenerateAfter(t *testing.T) {
	e, clock := newClockEnv(t)
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	windowEnd := clockStart.Add(time.Hour)
	cfg := func(after time.Time) string {
		return e.config(tokenHCL(account, fmt.Sprintf("  regenerate_after = %q", rfc3339(after))))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg(windowEnd), Check: tokens.capture(tokenAddr)},
			{
				PreConfig:        func() { clock.advance(30 * time.Minute) },
				Config:           cfg(windowEnd),
				ConfigPlanChecks: emptyPlan(),
			},
			{
				PreConfig: func() { clock.advance(time.Hour) },
				Config:    cfg(windowEnd),
				// The old token still works (the window was not a real upgrade): it is replaced
				// because the clock says so, and the plan shows the replacement.
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("issued_at"), knownvalue.StringExact(rfc3339(clockStart.Add(90*time.Minute)))),
				},
				Check: resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
			},
			{Config: cfg(windowEnd), ConfigPlanChecks: emptyPlan()},
			{
				// The next window is announced: recorded, no new token before it has passed.
				Config:           cfg(clockStart.Add(48 * time.Hour)),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
			},
			{
				// A time already past, after the token was issued, regenerates it at once.
				PreConfig:        func() { clock.advance(time.Hour) },
				Config:           cfg(clockStart.Add(2 * time.Hour)),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
			},
		},
	})
}

// Any change of keepers mints a new token; with create_before_destroy the new one exists
// before the old one is forgotten.
func TestAccServiceAccountToken_keepers(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	cfg := func(rotation string) string {
		return e.config(tokenHCL(account, fmt.Sprintf(`  keepers = {
    rotation = %q
  }
  lifecycle {
    create_before_destroy = true
  }`, rotation)))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg("2025-q1"), Check: tokens.capture(tokenAddr)},
			{Config: cfg("2025-q1"), ConfigPlanChecks: emptyPlan()},
			{
				Config:           cfg("2025-q2"),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionCreateBeforeDestroy),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
			},
		},
	})
}

func TestAccServiceAccountToken_invalidInput(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	cases := []struct{ extra, want string }{
		{`  duration = "5m"`, `shorter than the minimum of 10m0s`},
		{`  duration = "a year"`, `is not a duration`},
		{"  duration = \"720h\"\n  no_expiration = true", `duration conflicts with no_expiration`},
		{`  rotate_before = "soon"`, `is not a duration`},
		{`  regenerate_after = "2025-06-01 06:00"`, `not an RFC 3339 time`},
	}
	steps := []resource.TestStep{}
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config: e.config(tokenHCL("ci", c.extra)), PlanOnly: true, ExpectError: regexp.MustCompile(c.want),
		})
	}
	// A token for an account that does not exist says what to do.
	steps = append(steps, resource.TestStep{
		Config: e.config(`
resource "orka_service_account_token" "test" {
  service_account = "no-such-account"
}
`),
		ExpectError: regexp.MustCompile(`(?s)Orka has no service account "no-such-account".*orka_service_account`),
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
	if e.sim != nil && e.countRequests("POST", "/api/v1/namespaces/orka-default/serviceaccounts/ci/token") != 0 {
		t.Fatal("an invalid token request reached Orka")
	}
}
