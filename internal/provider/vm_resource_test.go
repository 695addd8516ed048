package provider

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
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

func vmsPath(ns string) string { return "/api/v1/namespaces/" + ns + "/vms" }

// vmHCL is a VM config and VMs deployed from it.
func vmHCL(cfgName string, vms map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
resource "orka_vm_config" "base" {
  name  = %q
  image = "90gbsonomassd.orkasi"
  cpu   = 3
}
`, cfgName)
	names := make([]string, 0, len(vms))
	for n := range vms {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, `
resource "orka_vm" %q {
  name      = %q
  vm_config = orka_vm_config.base.name
%s
}
`, n, n, vms[n])
	}
	return b.String()
}

// simVMs lists the simulator's VMs in a namespace as name -> status.
func (e *testEnv) simVMs(ns string) map[string]string {
	out := map[string]string{}
	for name, vm := range e.sim.Snapshot().VMs[ns] {
		out[name] = vm.Status
	}
	return out
}

// checkSimVMs asserts on the exact set of VMs the simulator holds, and that all run.
func (e *testEnv) checkSimVMs(ns string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		got := e.simVMs(ns)
		if len(got) != len(want) {
			return fmt.Errorf("simulator holds VMs %v, want exactly %v", got, want)
		}
		for _, n := range want {
			if got[n] != orka.VMStatusRunning {
				return fmt.Errorf("simulator's VM %q is %q, want Running (all: %v)", n, got[n], got)
			}
		}
		return nil
	}
}

func (e *testEnv) checkNoVMs(ns string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if e.sim != nil && len(e.simVMs(ns)) != 0 {
			return fmt.Errorf("VMs left behind after destroy: %v", e.simVMs(ns))
		}
		return nil
	}
}

func TestAccVM_lifecycle(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	cfg := testName("cfg")
	vm := testName("vm")
	addr := "orka_vm." + vm
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{
				Config: e.config(vmHCL(cfg, map[string]string{vm: ""})),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("orka-default/"+vm)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("namespace"), knownvalue.StringExact("orka-default")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cpu"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("image"), knownvalue.StringExact("90gbsonomassd.orkasi")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ssh_port"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ip"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("node"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arch"), knownvalue.StringExact("arm64")),
				},
				Check: e.checkSimVMs("orka-default", vm),
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateId:           "orka-default/" + vm,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// VMs cannot change in place: a new CPU count is a replacement.
				Config: e.config(vmHCL(cfg, map[string]string{vm: "  cpu = 4"})),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cpu"), knownvalue.Int64Exact(4)),
				},
				Check: e.checkSimVMs("orka-default", vm),
			},
			{
				Config:           e.config(vmHCL(cfg, map[string]string{vm: "  cpu = 4"})),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccVM_fromImageWithOverrides(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	vm := testName("vm")
	addr := "orka_vm.test"
	hcl := fmt.Sprintf(`
resource "orka_vm" "test" {
  name            = %q
  image           = "ghcr.io/acme/macos:sequoia"
  cpu             = 4
  memory          = 8.1
  scheduler       = "most-allocated"
  reserved_ports  = ["8080:80", "5353:53/udp"]
  custom_metadata = { team = "ios", purpose = "ci" }
  display_width   = 1920
  display_height  = 1080
}
`, vm)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{
				Config: e.config(hcl),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vm_config"), knownvalue.Null()),
					// Orka keeps memory in steps of 0.1 GiB and reads 8.1 back as "8.10Gi".
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("memory"), knownvalue.Float64Exact(8.1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cpu"), knownvalue.Int64Exact(4)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("custom_metadata"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("ios"), "purpose": knownvalue.StringExact("ci"),
					})),
				},
				Check: func(*terraform.State) error {
					if e.sim == nil {
						return nil
					}
					got := e.sim.Snapshot().VMs["orka-default"][vm]
					if got.CPU != 4 || got.Image != "ghcr.io/acme/macos:sequoia" || got.CustomMetadata["team"] != "ios" {
						return fmt.Errorf("simulator's VM does not carry the overrides: %+v", got)
					}
					return nil
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "orka-default/" + vm,
				ImportStateVerify: true,
				// Orka does not report these deploy-time overrides back.
				ImportStateVerifyIgnore: []string{"timeouts", "scheduler", "reserved_ports", "display_width", "display_height"},
			},
			{
				Config:           e.config(hcl),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// The upgrade case: a VM deleted behind Terraform's back shows up as exactly one planned
// create, and one apply restores it under the same name with working ports.
func TestAccVM_deletedOutOfBandIsRedeployed(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	cfg := testName("cfg")
	a, b := testName("vm"), testName("vm")
	hcl := e.config(vmHCL(cfg, map[string]string{a: "", b: ""}))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{Config: hcl, Check: e.checkSimVMs("orka-default", a, b)},
			{
				PreConfig: func() {
					if err := e.client.DeleteVM(testContext(t), "orka-default", a); err != nil {
						t.Fatal(err)
					}
				},
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm."+a, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("orka_vm."+b, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("orka_vm_config.base", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orka_vm."+a, tfjsonpath.New("ssh_port"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("orka_vm."+a, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
				},
				Check: e.checkSimVMs("orka-default", a, b),
			},
			{
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccVM_failedIsReplaced(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	cfg, vm := testName("cfg"), testName("vm")
	hcl := e.config(vmHCL(cfg, map[string]string{vm: ""}))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{Config: hcl},
			{
				PreConfig: func() {
					if err := e.sim.SetVMStatus("orka-default", vm, orka.VMStatusFailed); err != nil {
						t.Fatal(err)
					}
				},
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm."+vm, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: e.checkSimVMs("orka-default", vm),
			},
		},
	})
}

func TestAccVM_deployFaults(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	cfg := testName("cfg")
	retried, dropped := testName("vm"), testName("vm")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{
				// Orka briefly unavailable: the deploy is retried (503 means it was not carried out).
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmsPath("orka-default"), Status: 503, Count: 1, RetryAfter: "1s"})
				},
				Config: e.config(vmHCL(cfg, map[string]string{retried: ""})),
				Check:  e.checkSimVMs("orka-default", retried),
			},
			{
				// The answer is lost after Orka deployed the VM: it is found and adopted, not deployed twice.
				PreConfig: func() {
					e.sim.ClearRequests()
					mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmsPath("orka-default"), DropResponse: true, Count: 1})
				},
				Config: e.config(vmHCL(cfg, map[string]string{retried: "", dropped: ""})),
				Check: resource.ComposeTestCheckFunc(
					e.checkSimVMs("orka-default", retried, dropped),
					func(*terraform.State) error {
						if n := e.countRequests("POST", vmsPath("orka-default")); n != 1 {
							return fmt.Errorf("want exactly one deploy request, got %d", n)
						}
						return nil
					},
				),
			},
			{
				Config:           e.config(vmHCL(cfg, map[string]string{retried: "", dropped: ""})),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A deploy no node can take fails with a capacity report, and the Pending VM it left behind
// is deleted. If that cleanup fails too, the VM stays in state as tainted and the next apply
// replaces it.
func TestAccVM_failedDeployLeavesNothing(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1, Minute: 5 * time.Millisecond})
	e.needSim(t)
	cfg, vm := testName("cfg"), testName("vm")
	blockers := []string{"blocker-1", "blocker-2"}
	hcl := e.config(vmHCL(cfg, map[string]string{vm: ""}))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					for _, b := range blockers {
						if _, err := e.client.DeployVM(testContext(t), "orka-default", orka.DeployVMRequest{Name: b, Image: "sequoia.orkasi"}); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config:      hcl,
				ExpectError: regexp.MustCompile(`(?s)No node could take VM.*mini-arm-1.*left behind \(status Pending\) was deleted`),
				Check:       e.checkSimVMs("orka-default", blockers...),
			},
			{
				// Same again, but the cleanup fails: the VM is kept, tainted.
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "DELETE", Path: vmsPath("orka-default") + "/" + vm, Status: 500, Count: 100})
				},
				Config:      hcl,
				ExpectError: regexp.MustCompile(`(?s)kept in the Terraform state as tainted`),
			},
			{
				PreConfig: func() {
					e.sim.ClearFaults()
					for _, b := range blockers {
						if err := e.client.DeleteVM(testContext(t), "orka-default", b); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm."+vm, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: e.checkSimVMs("orka-default", vm),
			},
		},
	})
}

// Eight VMs deployed in parallel onto two nodes: four fit (two per node); the other four fail
// with a clear capacity error and leave nothing behind.
func TestAccVM_parallelDeploysHitCapacity(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, Minute: 5 * time.Millisecond})
	e.needSim(t)
	cfg := testName("cfg")
	hcl := e.config(fmt.Sprintf(`
resource "orka_vm_config" "base" {
  name  = %q
  image = "90gbsonomassd.orkasi"
}

resource "orka_vm" "pool" {
  count     = 8
  name      = "runner-${count.index}"
  vm_config = orka_vm_config.base.name
}
`, cfg))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{{
			Config:      hcl,
			ExpectError: regexp.MustCompile(`No node could take VM "runner-\d"`),
			Check: func(*terraform.State) error {
				got := e.simVMs("orka-default")
				if len(got) != 4 {
					return fmt.Errorf("want the 4 VMs that fit, simulator holds %v", got)
				}
				for n, s := range got {
					if s != orka.VMStatusRunning {
						return fmt.Errorf("VM %s left %s", n, s)
					}
				}
				return nil
			},
		}},
	})
	if got := e.simVMs("orka-default"); len(got) != 0 {
		t.Fatalf("VMs left after destroy: %v", got)
	}
}

func TestAccVM_invalidInput(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	cases := []struct{ body, want string }{
		{`name = "Bad_Name" image = "x.orkasi"`, `is not a valid VM name`},
		{`name = "ok"`, `Missing vm_config or image`},
		{`name = "ok" image = "x.orkasi" reserved_ports = ["80"]`, `"80" is not a port mapping`},
		{`name = "ok" image = "x.orkasi" reserved_ports = ["70000:80"]`, `is not a port mapping`},
		{`name = "ok" image = "x.orkasi" reserved_ports = ["80:80/sctp"]`, `is not a port mapping`},
		{`name = "ok" image = "x.orkasi" custom_metadata = { "a,b" = "x" }`, `custom_metadata key "a,b"`},
		{`name = "ok" image = "x.orkasi" custom_metadata = { a = "x=y" }`, `custom_metadata value "x=y"`},
		{`name = "ok" image = "x.orkasi" namespace = "ci"`, `namespace: "ci" is not a valid namespace name`},
		{`name = "ok" image = "x.orkasi" cpu = 1`, `Attribute cpu value must be at least 2`},
		{`name = "ok" image = "x.orkasi" display_dpi = 30`, `Attribute display_dpi value must be between 60 and 240`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      e.config("resource \"orka_vm\" \"bad\" {\n  " + attrSep.ReplaceAllString(c.body, "\n  $1 =") + "\n}\n"),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
}

func TestAccVMDataSources(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 3})
	cfg := testName("cfg")
	vm := testName("vm")
	hcl := e.config(vmHCL(cfg, map[string]string{vm: ""}) + `
data "orka_vms" "mine" {
  name_prefix = orka_vm.` + vm + `.name
}
data "orka_vms" "none" {
  name_prefix = "no-such-prefix"
  depends_on  = [orka_vm.` + vm + `]
}
data "orka_nodes" "all" {
  depends_on = [orka_vm.` + vm + `]
}
data "orka_images" "all" {}
data "orka_cluster" "this" {}
`)
	// What the simulator's seeded nodes look like; a real cluster has its own.
	var simChecks []statecheck.StateCheck
	if e.sim != nil {
		simChecks = []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.orka_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
			statecheck.ExpectKnownValue("data.orka_nodes.all", tfjsonpath.New("nodes").AtSliceIndex(0), knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"name": knownvalue.StringExact("mini-arm-1"), "phase": knownvalue.StringExact("READY"),
				"arch": knownvalue.StringExact("arm64"), "allocatable_cpu": knownvalue.Int64Exact(12),
			})),
			statecheck.ExpectKnownValue("data.orka_cluster.this", tfjsonpath.New("gpu_passthrough_enabled"), knownvalue.Bool(false)),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: hcl,
			ConfigStateChecks: append([]statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orka_vms.mine", tfjsonpath.New("vms"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"name": knownvalue.StringExact(vm), "status": knownvalue.StringExact("Running"),
						"vm_config": knownvalue.StringExact(cfg), "ssh_port": knownvalue.NotNull(),
					}),
				})),
				statecheck.ExpectKnownValue("data.orka_vms.none", tfjsonpath.New("vms"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.orka_images.all", tfjsonpath.New("images"), knownvalue.ListPartial(map[int]knownvalue.Check{
					0: knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.NotNull(), "arch": knownvalue.NotNull()}),
				})),
				statecheck.ExpectKnownValue("data.orka_cluster.this", tfjsonpath.New("reachable"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.orka_cluster.this", tfjsonpath.New("token_accepted"), knownvalue.Bool(true)),
			}, simChecks...),
			Check: func(*terraform.State) error {
				if e.sim == nil {
					return nil
				}
				// The node that runs the VM reports less free CPU than the others.
				nodes, err := e.client.ListNodes(testContext(t), "orka-default")
				if err != nil {
					return err
				}
				var busy int
				for _, n := range nodes {
					if n.AvailableCPU < n.AllocatableCPU {
						busy++
					}
				}
				if busy != 1 {
					return fmt.Errorf("want exactly one busy node, got %d", busy)
				}
				return nil
			},
		}},
	})
}

// A deploy that Orka refuses creates nothing, so a VM of that name that already exists is
// someone else's and must be left alone.
func TestAccVM_refusedDeployLeavesForeignVMAlone(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if _, err := e.client.DeployVM(testContext(t), "orka-default", orka.DeployVMRequest{Name: "colleague", Image: "sequoia.orkasi"}); err != nil {
					t.Fatal(err)
				}
			},
			Config: e.config(`
resource "orka_vm" "typo" {
  name      = "colleague"
  vm_config = "no-such-config"
}
`),
			// Found before anything is sent: refused with the import command, and no deploy.
			ExpectError: regexp.MustCompile(`(?s)Object already exists in Orka.*VM "colleague".*left alone.*import`),
			Check:       e.checkSimVMs("orka-default", "colleague"),
		}},
	})
	if n := e.countRequests("POST", vmsPath("orka-default")); n != 1 {
		t.Errorf("%d deploys were sent; want only the colleague's own", n)
	}
	if got := e.simVMs("orka-default"); got["colleague"] != orka.VMStatusRunning {
		t.Fatalf("the colleague's VM was touched: %v", got)
	}
}

// Importing a VM cannot recover its deploy-time overrides (Orka does not report them): the
// configuration's values are recorded, and the VM just imported is not replaced.
func TestAccVM_importKeepsTheVM(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	addr := "orka_vm.adopted"
	hcl := `
resource "orka_vm" "adopted" {
  name           = "handmade"
  image          = "sequoia.orkasi"
  scheduler      = "most-allocated"
  reserved_ports = ["8080:80"]
  display_width  = 1920
}
`
	var deployDate string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if _, err := e.client.DeployVM(testContext(t), "orka-default", orka.DeployVMRequest{
						Name: "handmade", Image: "sequoia.orkasi", Scheduler: "most-allocated", ReservedPorts: "8080:80", DisplayWidth: 1920,
					}); err != nil {
						t.Fatal(err)
					}
					// The deploy answer does not carry the deploy date (orka-api.md §5).
					deployDate = e.sim.Snapshot().VMs["orka-default"]["handmade"].DeployDate
				},
				Config: e.config(hcl + `
import {
  to = orka_vm.adopted
  id = "orka-default/handmade"
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if got := e.sim.Snapshot().VMs["orka-default"]["handmade"]; got.DeployDate != deployDate {
						return fmt.Errorf("the imported VM was redeployed (%s, was %s)", got.DeployDate, deployDate)
					}
					return nil
				},
			},
			{
				Config:           e.config(hcl),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// After that first update, overrides force replacement again.
				Config: e.config(strings.Replace(hcl, `"most-allocated"`, `"default"`, 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}
