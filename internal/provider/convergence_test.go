package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// These tests prove that a fault never costs more than one more apply, never leaves an object
// that nothing tracks, and never replaces an object the fault did not destroy.

// checkRequests asserts how many requests of a method went to a path.
func (e *testEnv) checkRequests(method, path string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := e.countRequests(method, path); got != want {
			return fmt.Errorf("%s %s: %d requests, want %d", method, path, got, want)
		}
		return nil
	}
}

// waitSimVM waits for the simulator to hold a VM (a request held in transit lands late).
func (e *testEnv) waitSimVM(t *testing.T, ns, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := e.simVMs(ns)[name]; ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("VM %s/%s never appeared in the simulator", ns, name)
}

// A deploy held in transit past the create timeout lands after the provider gave up. The
// failed apply keeps the VM's identity, and the next apply adopts the VM that landed instead of
// deploying another: no orphan, no duplicate, no delete.
func TestAccConvergence_lateDeployIsAdopted(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	cfg, vm := testName("cfg"), testName("vm")
	hcl := e.config(vmHCL(cfg, map[string]string{vm: `  timeouts { create = "1s" }`}))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmsPath("orka-default"), Delay: "3s", Count: 1})
				},
				Config:      hcl,
				ExpectError: regexp.MustCompile(`(?s)may still be carried out.*recorded in the Terraform state`),
			},
			{
				PreConfig: func() { e.waitSimVM(t, "orka-default", vm) },
				Config:    hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm."+vm, plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkSimVMs("orka-default", vm),
					// The held deploy only: the next apply finds the VM that landed before it
					// deploys anything, and adopts it; nothing deleted.
					e.checkRequests("POST", vmsPath("orka-default"), 1),
					e.checkRequests("DELETE", vmsPath("orka-default")+"/"+vm, 0),
				),
			},
			{
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// One stray 404 on refresh never drops a live object from state.
func TestAccConvergence_strayNotFoundKeepsObjects(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	cfg, vm := testName("cfg"), testName("vm")
	hcl := e.config(vmHCL(cfg, map[string]string{vm: ""}) + `
resource "orka_service_account" "sa" {
  name = "tfacc-stray"
}
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{Config: hcl},
			{
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "GET", Path: vmsPath("orka-default") + "/" + vm, Status: 404, Count: 1})
					mustFault(t, e, orkasim.Fault{Method: "GET", Path: vmConfigPath + "/" + cfg, Status: 404, Count: 1})
					mustFault(t, e, orkasim.Fault{Method: "GET", Path: "/api/v1/namespaces/orka-default/serviceaccounts", Status: 404, Count: 1})
				},
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(
					e.checkSimVMs("orka-default", vm),
					e.checkRequests("POST", vmsPath("orka-default"), 1),
				),
			},
		},
	})
}

// A maintenance window that starts right after Orka accepted a VM config leaves it recorded, not
// tainted: the next plan is empty and the config is never deleted and created again.
func TestAccConvergence_failureAfterCreateReplacesNothing(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: 200 * time.Millisecond})
	e.needSim(t)
	name := testName("cfg")
	hcl := e.config(vmConfigHCL(name, 4, "") + fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  all   = true
}
`, cachedImage))
	cachePath := cacheRoute("orka-default", cachedImage, "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					// The first look after each create (the look-up before the VM config's create goes
					// through): a window (Retry-After beyond the cap), and a rejected token.
					mustFault(t, e, orkasim.Fault{Method: "GET", Path: vmConfigPath + "/" + name, Status: 503, RetryAfter: "3600s", After: 1, Count: 1})
					mustFault(t, e, orkasim.Fault{Method: "GET", Path: cachePath, Status: 401, Count: 1})
				},
				Config: hcl,
				Check: resource.ComposeTestCheckFunc(
					e.checkSimVMConfig(name, 4),
				),
			},
			{
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRequests("POST", vmConfigPath, 1),
					e.checkRequests("DELETE", vmConfigPath+"/"+name, 0),
					e.checkRequests("POST", cacheRoute("orka-default", cachedImage, "add"), 1),
					e.checkRequests("POST", cacheRoute("orka-default", cachedImage, "remove"), 0),
					e.checkSimCache("orka-default", cachedImage, "mini-arm-1", "mini-arm-2"),
				),
			},
		},
	})
}

// One 401 on the token check does not throw away a good token (Orka cannot revoke the old one).
func TestAccConvergence_strayTokenRejectionKeepsToken(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	hcl := e.config(tokenHCL(testName("sa"), ""))
	tokenPath := "/token"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: hcl},
			{
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "GET", Path: vmConfigPath, Status: 401, Count: 1})
				},
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					n := 0
					for _, r := range e.sim.Requests() {
						if r.Method == "POST" && regexp.MustCompile(regexp.QuoteMeta(tokenPath)+`$`).MatchString(r.Path) {
							n++
						}
					}
					if n != 1 {
						return fmt.Errorf("%d tokens minted, want 1", n)
					}
					return nil
				},
			},
		},
	})
}

// A VM that no node could ever run fails at plan, in seconds, naming the figures; nothing is
// deployed.
func TestAccConvergence_impossibleVMFailsAtPlan(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	cfg := testName("cfg")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      e.config(vmHCL(cfg, map[string]string{"big-cpu": "  cpu = 64"})),
				ExpectError: regexp.MustCompile(`(?s)can never be scheduled.*asks for 64 CPU cores.*has 12 in all`),
			},
			{
				Config:      e.config(vmHCL(cfg, map[string]string{"big-mem": "  memory = 500"})),
				ExpectError: regexp.MustCompile(`(?s)can never be scheduled.*asks for 500 GiB of memory`),
			},
			{
				Config:      e.config(vmHCL(cfg, map[string]string{"gpu": "  gpu_passthrough = true\n  vnc_console = false"})),
				ExpectError: regexp.MustCompile(`(?s)can never be scheduled.*GPU passthrough`),
				Check:       e.checkRequests("POST", vmsPath("orka-default"), 0),
			},
		},
	})
	if n := e.countRequests("POST", vmsPath("orka-default")); n != 0 {
		t.Fatalf("%d deploys sent for VMs that can never run", n)
	}
}

// An image-cache removal whose answer was lost is looked up: the destroy succeeds.
func TestAccConvergence_lostCacheRemovalAnswer(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1, CacheDelay: 50 * time.Millisecond})
	e.needSim(t)
	hcl := e.config(fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  all   = true
}
`, cachedImage))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoCache("orka-default", cachedImage),
		Steps: []resource.TestStep{
			{Config: hcl},
			{
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "POST", Path: cacheRoute("orka-default", cachedImage, "remove"), DropResponse: true, Count: 1})
				},
				Config:  hcl,
				Destroy: true,
				Check:   e.checkRequests("POST", cacheRoute("orka-default", cachedImage, "remove"), 1),
			},
		},
	})
}
