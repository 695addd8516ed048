package provider

import (
	"fmt"
	"regexp"
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

// What MacStadium leaves open about a VM's answers (orka-api.md §5): whether reads carry
// customMetadata, and whether items carry namespace, vmConfig and type. Tests that depend on
// it run under each variant.
var vmReadVariants = []struct {
	name string
	opts orkasim.Options
}{
	{"metadata_returned", orkasim.Options{}},
	{"metadata_absent_sparse_items", orkasim.Options{OmitVMCustomMetadata: true, SparseVMItems: true}},
}

// A VM with every override the deploy answer does not echo (cores, memory, metadata) applies
// and plans no change afterwards, whichever variant the cluster reads back.
func TestAccVM_stateFromWhatOrkaReports(t *testing.T) {
	for _, v := range vmReadVariants {
		t.Run(v.name, func(t *testing.T) {
			e := newTestEnv(t, v.opts)
			e.needSim(t)
			vm, addr := testName("vm"), "orka_vm.test"
			hcl := e.config(fmt.Sprintf(`
resource "orka_vm" "test" {
  name            = %q
  image           = "90gbsonomassd.orkasi"
  cpu             = 4
  memory          = 8.1
  custom_metadata = { team = "ci" }
}
`, vm))
			ignore := []string{"timeouts"}
			if v.opts.OmitVMCustomMetadata {
				ignore = append(ignore, "custom_metadata") // an import cannot read it back there
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy:             e.checkNoVMs("orka-default"),
				Steps: []resource.TestStep{
					{
						Config: hcl,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(addr, tfjsonpath.New("cpu"), knownvalue.Int64Exact(4)),
							statecheck.ExpectKnownValue(addr, tfjsonpath.New("memory"), knownvalue.Float64Exact(8.1)),
							statecheck.ExpectKnownValue(addr, tfjsonpath.New("custom_metadata"),
								knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("ci")})),
							statecheck.ExpectKnownValue(addr, tfjsonpath.New("image"), knownvalue.StringExact("90gbsonomassd.orkasi")),
							statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
							statecheck.ExpectKnownValue(addr, tfjsonpath.New("deploy_date"), knownvalue.NotNull()),
						},
						Check: func(*terraform.State) error {
							got := e.sim.Snapshot().VMs["orka-default"][vm]
							if got.CPU != 4 || got.Memory != "8.10Gi" || got.CustomMetadata["team"] != "ci" {
								return fmt.Errorf("the simulator's VM is not what was asked: %+v", got)
							}
							return nil
						},
					},
					{Config: hcl, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
					{
						ResourceName: addr, ImportState: true, ImportStateId: "orka-default/" + vm,
						ImportStateVerify: true, ImportStateVerifyIgnore: ignore,
					},
				},
			})
		})
	}
}

// A deploy whose answer is lost is settled by looking the VM up: one VM, adopted, under
// either variant. Where Orka does not report custom metadata, the VM's absence just before the
// deploy stands in for the mark.
func TestAccVM_lostDeployAnswerAdoptedUnderEachVariant(t *testing.T) {
	for _, v := range vmReadVariants {
		t.Run(v.name, func(t *testing.T) {
			e := newTestEnv(t, v.opts)
			e.needSim(t)
			cfg, vm := testName("cfg"), testName("vm")
			hcl := e.config(vmHCL(cfg, map[string]string{vm: ""}))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy:             e.checkNoVMs("orka-default"),
				Steps: []resource.TestStep{
					{
						PreConfig: func() {
							mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmsPath("orka-default"), DropResponse: true, Count: 1})
						},
						Config: hcl,
						Check: resource.ComposeTestCheckFunc(
							e.checkSimVMs("orka-default", vm),
							e.checkRequests("DELETE", vmsPath("orka-default")+"/"+vm, 0),
						),
					},
					{Config: hcl, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				},
			})
		})
	}
}

// Where Orka does not report custom metadata, a VM found under the name before the deploy
// cannot be told apart from someone else's: it is refused with the import command, never
// adopted, changed or deleted.
func TestAccVM_unreadableMarkIsNeverAdopted(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{OmitVMCustomMetadata: true})
	e.needSim(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if _, err := e.client.DeployVM(testContext(t), "orka-default", orka.DeployVMRequest{
					Name: "found", Image: "90gbsonomassd.orkasi",
					CustomMetadata: map[string]string{vmOwnerKey: vmOwnerValue},
				}); err != nil {
					t.Fatal(err)
				}
			},
			Config: e.config(`
resource "orka_vm" "x" {
  name  = "found"
  image = "90gbsonomassd.orkasi"
}`),
			ExpectError: regexp.MustCompile(`(?s)Object\s+already\s+exists\s+in\s+Orka.*does\s+not\s+report\s+the\s+VM's\s+custom\s+metadata.*` +
				`cannot\s+tell\s+whether\s+it\s+deployed\s+this\s+VM.*import.*orka-default/found`),
		}},
	})
	if got := e.simVMs("orka-default"); got["found"] != orka.VMStatusRunning {
		t.Fatalf("the VM found was touched: %v", got)
	}
	if n := e.countRequests("POST", vmsPath("orka-default")); n != 1 {
		t.Errorf("%d deploys were sent; want only the first one", n)
	}
}

// Where Orka does not report custom metadata, a VM that a failed deploy left behind is not
// deleted unseen: it is kept in state, tainted, and the next plan shows its replacement.
func TestAccVM_failedDeployWithUnreadableMarkIsKeptNotDeleted(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1, OmitVMCustomMetadata: true, Minute: 50 * time.Millisecond})
	e.needSim(t)
	vm := testName("vm")
	hcl := e.config(fmt.Sprintf(`
resource "orka_vm" "x" {
  name  = %q
  image = "90gbsonomassd.orkasi"
  cpu   = 12
}`, vm))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{
				// The only node is full: Orka's deploy wait runs out and leaves the VM Pending.
				PreConfig: func() {
					for _, n := range []string{"filler-1", "filler-2"} {
						if _, err := e.client.DeployVM(testContext(t), "orka-default", orka.DeployVMRequest{Name: n, Image: "90gbsonomassd.orkasi"}); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config:      hcl,
				ExpectError: regexp.MustCompile(`(?s)cannot\s+prove\s+it\s+made\s+it.*recorded\s+in\s+the\s+Terraform\s+state\s+as\s+tainted`),
				Check:       e.checkSimVMs("orka-default", "filler-1", "filler-2", vm),
			},
			{
				PreConfig: func() {
					for _, n := range []string{"filler-1", "filler-2"} {
						if err := e.client.DeleteVM(testContext(t), "orka-default", n); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm.x", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: e.checkSimVMs("orka-default", vm),
			},
		},
	})
}

// The image cache works over the documented routes, and on a cluster that serves its add and
// read only on the older routes (orka-api.md §8) it falls back to them: applied, refreshed and
// destroyed the same way.
func TestAccImageCache_documentedRoutesAndFallback(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy_add_read_%t", legacy), func(t *testing.T) {
			e := newTestEnv(t, orkasim.Options{LegacyImageCache: legacy, CacheDelay: 50 * time.Millisecond})
			e.needSim(t)
			hcl := e.config(fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  nodes = ["mini-arm-1", "mini-arm-2"]
}`, cachedImage))
			addPath, legacyAdd := cacheRoute("orka-default", cachedImage, "add"), "/api/v1/namespaces/orka-default/imagecache/add"
			removePath := cacheRoute("orka-default", cachedImage, "remove")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy:             e.checkNoCache("orka-default", cachedImage),
				Steps: []resource.TestStep{
					{
						Config: hcl,
						Check: resource.ComposeTestCheckFunc(
							e.checkSimCache("orka-default", cachedImage, "mini-arm-1", "mini-arm-2"),
							func(*terraform.State) error {
								documented, older := e.countRequests("POST", addPath), e.countRequests("POST", legacyAdd)
								want := [2]int{1, 0}
								if legacy {
									want = [2]int{1, 1} // tried, found missing, then the older route
								}
								if [2]int{documented, older} != want {
									return fmt.Errorf("adds: %d documented, %d older; want %v", documented, older, want)
								}
								return nil
							},
						),
					},
					{Config: hcl, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
					{
						Config: hcl, Destroy: true,
						Check: e.checkRequests("POST", removePath, 1), // the documented removal, on both
					},
				},
			})
		})
	}
}

// A Tech user may delete only what it created (orka-api.md §5, the access matrix): destroying
// an imported VM and VM config that an administrator made fails with Orka's 403, and the
// diagnostic says why and which tokens may; nothing is deleted.
func TestAccOwnership_techUserCannotDeleteOthersObjects(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	ctx := testContext(t)
	alice := e.sim.AddUser("alice@example.com", false)
	if err := e.client.AddRoleBindingSubjects(ctx, "orka-default", orka.SubjectsChange{Users: []string{"alice@example.com"}}); err != nil {
		t.Fatal(err)
	}
	cfg, vm := testName("cfg"), testName("vm")
	if _, err := e.client.CreateVMConfig(ctx, orka.VMConfig{Name: cfg, Image: "90gbsonomassd.orkasi", CPU: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeployVM(ctx, "orka-default", orka.DeployVMRequest{Name: vm, VMConfig: cfg}); err != nil {
		t.Fatal(err)
	}
	managed := fmt.Sprintf(`
resource "orka_vm_config" "c" {
  name  = %[1]q
  image = "90gbsonomassd.orkasi"
  cpu   = 3
}
resource "orka_vm" "v" {
  name      = %[2]q
  vm_config = orka_vm_config.c.name
}
import {
  to = orka_vm_config.c
  id = %[1]q
}
import {
  to = orka_vm.v
  id = "orka-default/%[2]s"
}
`, cfg, vm)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: configWithToken(e, alice, managed)},
			{
				Config:  configWithToken(e, alice, managed),
				Destroy: true,
				ExpectError: regexp.MustCompile(`(?s)it\s+belongs\s+to\s+system:admin.*delete\s+vms.*Orka\s+lets\s+Tech\s+users\s+and\s+regular\s+service\s+accounts\s+` +
					`delete\s+only\s+the\s+VMs\s+they\s+created.*administrator's\s+token.*Nothing\s+was\s+deleted`),
			},
			// An administrator cleans up.
			{Config: e.config(managed), Destroy: true},
		},
	})
}

// Orka Small Teams' admin service account may do administrator-only work (orka-api.md §8): a
// workspace running on its token plans and applies namespaces, service accounts and their
// tokens, registry credentials and role bindings.
func TestAccPrivileges_smallTeamsAdminServiceAccount(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{SmallTeamsAdmin: "orka-default/orka-admin"})
	e.needSim(t)
	token := e.sim.SmallTeamsAdminToken()
	admin := `
resource "orka_namespace" "team" {
  name = "orka-team"
}
resource "orka_service_account" "ci" {
  namespace = orka_namespace.team.name
  name      = "ci"
}
resource "orka_service_account_token" "ci" {
  namespace       = orka_service_account.ci.namespace
  service_account = orka_service_account.ci.name
}
resource "orka_registry_credential" "ghcr" {
  namespace = orka_namespace.team.name
  server    = "https://ghcr.io"
  username  = "bot"
  password  = "registry-secret"
}
resource "orka_role_binding_subject" "alice" {
  namespace = orka_namespace.team.name
  kind      = "user"
  name      = "alice@example.com"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: configWithToken(e, token, admin),
				Check: resource.ComposeTestCheckFunc(
					e.checkSimNamespace("orka-team", true, false),
					e.checkSimServiceAccount("orka-team", "ci", true),
				),
			},
			{Config: configWithToken(e, token, admin), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// configWithOwner is e.config with the provider's owner set, as two workspaces sharing a
// cluster each have their own.
func configWithOwner(e *testEnv, owner, hcl string) string {
	return fmt.Sprintf(`
provider "orka" {
  endpoint    = %q
  token       = %q
  owner       = %q
  max_retries = 4
}
%s`, e.endpoint, e.token, owner, hcl)
}

// Two configurations (two states) on one cluster want a VM of the same name; team A's VM
// exists, deployed by a configuration whose owner is acme/team-a. Team B is refused before
// anything is sent, naming A's owner, whether or not its VM config matches; and when A's VM
// appears only while B's own deploy is failing with a 500, B's clean-up leaves it alone. A's
// VM is never adopted, changed or deleted.
func TestAccOwnership_twoConfigurationsOneVMName(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	ctx := testContext(t)
	cfgA, cfgB := testName("cfg"), testName("cfg")
	for _, c := range []string{cfgA, cfgB} {
		if _, err := e.client.CreateVMConfig(ctx, orka.VMConfig{Name: c, Image: "90gbsonomassd.orkasi", CPU: 3}); err != nil {
			t.Fatal(err)
		}
	}
	markA := map[string]string{vmOwnerKey: vmOwnerValue, vmOwnerNameKey: "acme/team-a", vmCreateKey: "0123456789abcdef"}
	deployA := func() {
		if _, err := e.client.DeployVM(ctx, "orka-default", orka.DeployVMRequest{Name: "shared-vm", VMConfig: cfgA, CustomMetadata: markA}); err != nil {
			t.Error(err)
		}
	}
	teamB := func(cfg string) string {
		return configWithOwner(e, "acme/team-b", fmt.Sprintf(`
resource "orka_vm" "shared" {
  name      = "shared-vm"
  vm_config = %q
}`, cfg))
	}
	untouched := func(wantDeploys int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			vm, ok := e.sim.Snapshot().VMs["orka-default"]["shared-vm"]
			switch {
			case !ok:
				return fmt.Errorf("team A's VM was deleted")
			case vm.VMConfig != cfgA || vm.Status != orka.VMStatusRunning || vm.CustomMetadata[vmOwnerNameKey] != "acme/team-a":
				return fmt.Errorf("team A's VM was changed: %+v", vm)
			}
			if n := e.countRequests("DELETE", vmsPath("orka-default")+"/shared-vm"); n != 0 {
				return fmt.Errorf("%d deletes of team A's VM were sent", n)
			}
			if n := e.countRequests("POST", vmsPath("orka-default")); n != wantDeploys {
				return fmt.Errorf("%d deploys were sent, want %d", n, wantDeploys)
			}
			return nil
		}
	}
	refused := regexp.MustCompile(`(?s)Object\s+already\s+exists\s+in\s+Orka.*deployed\s+by\s+another\s+configuration\s+of\s+this\s+provider,\s+owner\s+"acme/team-a".*import`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				// A's VM appears while B's deploy is held and then fails with a 500, after B
				// looked and found the name free.
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmsPath("orka-default"), Status: 500, Delay: "1s", Count: 1})
					go func() {
						for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
							for _, r := range e.sim.Requests() {
								if r.Method == "POST" && r.Path == vmsPath("orka-default") {
									deployA()
									return
								}
							}
						}
					}()
				},
				Config:      teamB(cfgB),
				ExpectError: regexp.MustCompile(`(?s)500.*this\s+configuration\s+did\s+not\s+make.*owner\s+"acme/team-a".*left\s+alone`),
				Check:       untouched(2),
			},
			{Config: teamB(cfgB), ExpectError: refused, Check: untouched(2)},
			// The same VM config as A's: still A's, not adopted.
			{Config: teamB(cfgA), ExpectError: refused, Check: untouched(2)},
		},
	})
	if err := untouched(2)(nil); err != nil {
		t.Fatal(err)
	}
}

// In an HCP Terraform run the owner defaults to the run's workspace, so that workspaces
// sharing a cluster are told apart with nothing configured.
func TestAccOwnership_defaultsToTheTerraformCloudWorkspace(t *testing.T) {
	t.Setenv(envTFCWorkspaceSlug, "acme/pool-a")
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	vm := testName("vm")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{{
			Config: e.config(fmt.Sprintf(`
resource "orka_vm" "x" {
  name  = %q
  image = "90gbsonomassd.orkasi"
}`, vm)),
			ConfigStateChecks: []statecheck.StateCheck{
				// The mark stays out of custom_metadata (unset is recorded as empty).
				statecheck.ExpectKnownValue("orka_vm.x", tfjsonpath.New("custom_metadata"), knownvalue.MapExact(map[string]knownvalue.Check{})),
			},
			Check: func(*terraform.State) error {
				if got := e.sim.Snapshot().VMs["orka-default"][vm].CustomMetadata[vmOwnerNameKey]; got != "acme/pool-a" {
					return fmt.Errorf("the VM's owner is %q, want the workspace acme/pool-a", got)
				}
				return nil
			},
		}},
	})
}

// A VM create timeout that leaves Orka less than a minute after the clean-up reserve is
// warned about at plan, naming the argument.
func TestAccVM_shortCreateTimeoutIsWarned(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	c := newTFCLI(t, e)
	c.write("main.tf", c.providerBlock()+`
resource "orka_vm" "x" {
  name  = "quick"
  image = "90gbsonomassd.orkasi"
  timeouts {
    create = "90s"
  }
}
`)
	c.run(false, "init", "-input=false")
	out := c.run(false, "validate")
	for _, want := range []string{"Create timeout below the clean-up reserve", "timeouts.create: 1m30s", "Set at least 4m0s"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate does not say %q:\n%s", want, out)
		}
	}
}
