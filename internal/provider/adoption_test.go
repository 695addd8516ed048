package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// An estate made with the API alone: what an admin who built the cluster with orka3 has.
type handMadeEstate struct {
	ns, cfg, vm, sa, server, user string
}

func makeEstateByHand(t *testing.T, e *testEnv) handMadeEstate {
	t.Helper()
	ctx := testContext(t)
	est := handMadeEstate{
		ns: testName("team"), cfg: testName("cfg"), vm: testName("vm"), sa: testName("sa"),
		server: "https://registry.example.com", user: "dev@example.com",
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.client.CreateNamespace(ctx, est.ns, false))
	_, err := e.client.CreateVMConfig(ctx, orka.VMConfig{Name: est.cfg, Image: "90gbsonomassd.orkasi", CPU: 4})
	must(err)
	_, err = e.client.DeployVM(ctx, "orka-default", orka.DeployVMRequest{Name: est.vm, VMConfig: est.cfg})
	must(err)
	must(e.client.CreateServiceAccount(ctx, est.ns, est.sa))
	must(e.client.AddRegistryCredential(ctx, est.ns, orka.RegistryCredentialInput{Server: est.server, Username: "bot", Password: "s3cret"}))
	must(e.client.AddRoleBindingSubjects(ctx, est.ns, orka.SubjectsChange{Users: []string{est.user}}))
	// A team namespace caches images on its own nodes: the admin moved one in.
	must(e.client.MoveNode(ctx, orka.DefaultNamespace, "mini-arm-2", est.ns))
	must(e.client.AddImageCache(ctx, est.ns, orka.ImageCacheRequest{Image: cachedImage, All: true}))
	return est
}

// terraform query lists the estate with each object's identity.
func TestAccAdopt_queryListsEstate(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	est := makeEstateByHand(t, e)
	query := e.config(fmt.Sprintf(`
list "orka_vm_config" "cfgs" {
  provider = orka
  config { name_prefix = %[1]q }
}
list "orka_vm" "vms" {
  provider = orka
  config { name_regex = "^%[2]s$" }
}
list "orka_namespace" "nss" {
  provider = orka
  config { name_prefix = %[3]q }
}
list "orka_service_account" "sas" {
  provider = orka
  config { namespaces = [%[3]q] }
}
list "orka_registry_credential" "creds" {
  provider = orka
  config { namespaces = [%[3]q] }
}
list "orka_role_binding_subject" "users" {
  provider = orka
  config {
    namespaces = [%[3]q]
    kind       = "user"
  }
}
list "orka_image_cache" "caches" {
  provider = orka
  config { namespaces = [%[3]q] }
}
`, est.cfg, est.vm, est.ns))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Query:  true,
			Config: query,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("orka_vm_config.cfgs", 1),
				querycheck.ExpectIdentity("orka_vm_config.cfgs", map[string]knownvalue.Check{"name": knownvalue.StringExact(est.cfg)}),
				querycheck.ExpectLength("orka_vm.vms", 1),
				querycheck.ExpectIdentity("orka_vm.vms", map[string]knownvalue.Check{
					"namespace": knownvalue.StringExact("orka-default"), "name": knownvalue.StringExact(est.vm),
				}),
				querycheck.ExpectLength("orka_namespace.nss", 1),
				querycheck.ExpectIdentity("orka_namespace.nss", map[string]knownvalue.Check{"name": knownvalue.StringExact(est.ns)}),
				querycheck.ExpectIdentity("orka_service_account.sas", map[string]knownvalue.Check{
					"namespace": knownvalue.StringExact(est.ns), "name": knownvalue.StringExact(est.sa),
				}),
				querycheck.ExpectIdentity("orka_registry_credential.creds", map[string]knownvalue.Check{
					"namespace": knownvalue.StringExact(est.ns), "server": knownvalue.StringExact(est.server),
				}),
				querycheck.ExpectLength("orka_role_binding_subject.users", 1),
				querycheck.ExpectIdentity("orka_role_binding_subject.users", map[string]knownvalue.Check{
					"namespace": knownvalue.StringExact(est.ns), "kind": knownvalue.StringExact("user"),
					"name": knownvalue.StringExact(est.user), "subject_namespace": knownvalue.Null(),
				}),
				querycheck.ExpectIdentity("orka_image_cache.caches", map[string]knownvalue.Check{
					"namespace": knownvalue.StringExact(est.ns), "image": knownvalue.StringExact(cachedImage),
				}),
			},
		}},
	})
}

// Objects made by hand are imported by identity (the import blocks terraform query generates,
// and the path VCS-driven Terraform Cloud workspaces use), and the plan after that is empty.
func TestAccAdopt_importByIdentity(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	est := makeEstateByHand(t, e)
	resources := fmt.Sprintf(`
resource "orka_vm_config" "cfg" {
  name  = %[1]q
  image = "90gbsonomassd.orkasi"
  cpu   = 4
}

resource "orka_vm" "vm" {
  name      = %[2]q
  vm_config = orka_vm_config.cfg.name
}

resource "orka_service_account" "sa" {
  namespace = %[3]q
  name      = %[4]q
}

resource "orka_role_binding_subject" "dev" {
  namespace = %[3]q
  kind      = "user"
  name      = %[5]q
}
`, est.cfg, est.vm, est.ns, est.sa, est.user)
	hcl := e.config(resources + fmt.Sprintf(`
import {
  to       = orka_vm_config.cfg
  identity = { name = %[1]q }
}

import {
  to       = orka_vm.vm
  identity = { namespace = "orka-default", name = %[2]q }
}

import {
  to       = orka_service_account.sa
  identity = { namespace = %[3]q, name = %[4]q }
}

import {
  to       = orka_role_binding_subject.dev
  identity = { namespace = %[3]q, kind = "user", name = %[5]q }
}
`, est.cfg, est.vm, est.ns, est.sa, est.user))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm.vm", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("orka_vm_config.cfg", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("orka_service_account.sa", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("orka_role_binding_subject.dev", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity("orka_vm.vm", map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact("orka-default"), "name": knownvalue.StringExact(est.vm),
					}),
					statecheck.ExpectIdentityValueMatchesState("orka_vm_config.cfg", tfjsonpath.New("name")),
					statecheck.ExpectIdentity("orka_role_binding_subject.dev", map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact(est.ns), "kind": knownvalue.StringExact("user"),
						"name": knownvalue.StringExact(est.user), "subject_namespace": knownvalue.Null(),
					}),
				},
			},
			{
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The identity of a resource in state is what a fresh import by identity produces.
				Config:          e.config(resources),
				ResourceName:    "orka_vm.vm",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

// A team's estate built by hand in a namespace of its own, beside VMs another workspace
// deployed: what the adoption guide walks into an admin workspace and a pool workspace.
type teamEstate struct {
	ns, cfg, pinCfg, sa, user string
	// pinned runs elsewhere than its VM config pins: the one VM deployed onto a node of its own.
	pinned string
	// built are placed by Orka's scheduler; built[0] runs on mini-arm-3, beside pinned.
	built []string
	// theirs carries another configuration's mark.
	theirs string
}

func makeTeamByHand(t *testing.T, e *testEnv) teamEstate {
	t.Helper()
	ctx := testContext(t)
	est := teamEstate{ns: testName("team"), cfg: testName("cfg"), pinCfg: testName("pincfg"), sa: testName("sa"),
		user: "dev@example.com", pinned: testName("pinned"), built: []string{testName("build"), testName("build")},
		theirs: testName("theirs")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	deploy := func(req orka.DeployVMRequest) {
		t.Helper()
		_, err := e.client.DeployVM(ctx, est.ns, req)
		must(err)
	}
	must(e.client.CreateNamespace(ctx, est.ns, false))
	must(e.client.MoveNode(ctx, orka.DefaultNamespace, "mini-arm-2", est.ns))
	must(e.client.MoveNode(ctx, orka.DefaultNamespace, "mini-arm-3", est.ns))
	_, err := e.client.CreateVMConfig(ctx, orka.VMConfig{Name: est.cfg, Image: "90gbsonomassd.orkasi", CPU: 4})
	must(err)
	_, err = e.client.CreateVMConfig(ctx, orka.VMConfig{Name: est.pinCfg, Image: "90gbsonomassd.orkasi", CPU: 4, Memory: 8, NodeName: "mini-arm-2"})
	must(err)
	deploy(orka.DeployVMRequest{Name: est.pinned, VMConfig: est.pinCfg, Node: "mini-arm-3"})
	// Another workspace's VMs fill mini-arm-2, so the scheduler puts built[0] on mini-arm-3.
	mark := map[string]string{vmOwnerKey: vmOwnerValue, vmOwnerNameKey: "other/pool"}
	deploy(orka.DeployVMRequest{Name: est.theirs, VMConfig: est.cfg, Node: "mini-arm-2", CustomMetadata: mark})
	filler := testName("filler")
	deploy(orka.DeployVMRequest{Name: filler, VMConfig: est.cfg, Node: "mini-arm-2", CustomMetadata: mark})
	deploy(orka.DeployVMRequest{Name: est.built[0], VMConfig: est.cfg})
	must(e.client.DeleteVM(ctx, est.ns, filler))
	deploy(orka.DeployVMRequest{Name: est.built[1], VMConfig: est.cfg})
	if vm, err := e.client.GetVM(ctx, est.ns, est.built[0]); err != nil || vm.Node != "mini-arm-3" {
		t.Fatalf("setting up: %s should run on mini-arm-3: %+v, %v", est.built[0], vm, err)
	}
	must(e.client.CreateServiceAccount(ctx, est.ns, est.sa))
	must(e.client.AddRegistryCredential(ctx, est.ns, orka.RegistryCredentialInput{Server: "https://ghcr.io", Username: "bot", Password: "s3cret"}))
	must(e.client.AddRoleBindingSubjects(ctx, est.ns, orka.SubjectsChange{Users: []string{est.user}}))
	must(e.client.AddImageCache(ctx, est.ns, orka.ImageCacheRequest{Image: cachedImage, All: true}))
	return est
}

var planLine = regexp.MustCompile(`(?m)^Plan: .*$`)

// One query per workspace writes that workspace's file: the pool's VMs (unmarked ones only),
// VM configs and image cache, the admin's namespace, account, credential and role-binding
// subjects. Each file, as written, plans imports only; the VMs it writes carry no node (but the
// one deployed onto a node of its own), no overrides equal to their VM config's and no empty
// collections. After an infrastructure upgrade, with CI holding part of the node a VM ran on,
// one apply per directory puts everything back, each VM wherever there is room.
func TestAccAdopt_generatedFilesPerWorkspace(t *testing.T) {
	skipEngineBelow(t, tfversion.Version1_14_0, "terraform query")
	e := newTestEnv(t, orkasim.Options{Nodes: 3})
	e.needSim(t)
	est := makeTeamByHand(t, e)

	pool := newTFCLI(t, e)
	pool.write("main.tf", pool.providerBlock())
	pool.write("pool.tfquery.hcl", fmt.Sprintf(`
list "orka_vm" "vm" {
  provider = orka
  config {
    namespaces = [%[1]q]
    mark       = "unmarked"
  }
}
list "orka_vm_config" "config" {
  provider = orka
  config { name_regex = "^(%[2]s|%[3]s)$" }
}
list "orka_image_cache" "cache" {
  provider = orka
  config { namespaces = [%[1]q] }
}
`, est.ns, est.cfg, est.pinCfg))
	pool.run(false, "init", "-input=false")
	pool.run(false, "query", "-generate-config-out=generated.tf")
	gen := pool.read("generated.tf")
	for _, name := range append([]string{est.pinned}, est.built...) {
		if !strings.Contains(gen, fmt.Sprintf("%q", name)) {
			t.Errorf("generated.tf has no VM %s:\n%s", name, gen)
		}
	}
	if strings.Contains(gen, est.theirs) {
		t.Errorf("generated.tf adopts %s, which another configuration deployed:\n%s", est.theirs, gen)
	}
	if got := regexp.MustCompile(`(?m)^\s*node\s*=.*$`).FindAllString(gen, -1); len(got) != 1 || !strings.Contains(got[0], `"mini-arm-3"`) {
		t.Errorf("generated.tf should set node only for %s (mini-arm-3), found %q:\n%s", est.pinned, got, gen)
	}
	// Nothing Orka decided, and no line for what is not set.
	for _, unwanted := range []string{"custom_metadata", "reserved_ports", "cpu ", "memory ", "image ", "= null", "scheduler"} {
		if vmBlocks := blocksOf(gen, "orka_vm"); strings.Contains(vmBlocks, unwanted) {
			t.Errorf("generated VMs carry %q:\n%s", unwanted, vmBlocks)
		}
	}
	// The VM configs: what was chosen (image, cpu 4, the pin, the one config's own memory), no
	// default and no memory Orka derived from cpu. (Terraform writes "= null" for the unset
	// arguments that have no default at all, tag and node_name.)
	cfgBlocks := blocksOf(gen, "orka_vm_config")
	for _, unwanted := range []string{"scheduler", "vnc_console", "net_boost", "legacy_io", "gpu_passthrough", "tag_required", "arch", "revision", "display_"} {
		if strings.Contains(cfgBlocks, unwanted) {
			t.Errorf("generated VM configs carry %q:\n%s", unwanted, cfgBlocks)
		}
	}
	for pattern, want := range map[string]int{`(?m)^\s*cpu\s*=\s*4$`: 2, `(?m)^\s*memory\s*=\s*8$`: 1, `(?m)^\s*memory\s*=`: 1,
		`(?m)^\s*node_name\s*=\s*"mini-arm-2"$`: 1, `(?m)^\s*image\s*=\s*"90gbsonomassd.orkasi"$`: 2} {
		if got := len(regexp.MustCompile(pattern).FindAllString(cfgBlocks, -1)); got != want {
			t.Errorf("generated VM configs: %d lines match %s, want %d:\n%s", got, pattern, want, cfgBlocks)
		}
	}
	if m := planLine.FindString(pool.run(false, "plan", "-input=false")); m != "Plan: 6 to import, 0 to add, 0 to change, 0 to destroy." {
		t.Fatalf("pool plan: %q, want 6 imports only", m)
	}
	pool.run(false, "apply", "-auto-approve", "-input=false")

	admin := newTFCLI(t, e)
	admin.write("main.tf", admin.providerBlock()+`
variable "ghcr_password" {
  type      = string
  sensitive = true
}
`)
	admin.write("admin.tfquery.hcl", fmt.Sprintf(`
list "orka_namespace" "namespace" {
  provider = orka
  config { name_prefix = %[1]q }
}
list "orka_service_account" "account" {
  provider = orka
  config { namespaces = [%[1]q] }
}
list "orka_registry_credential" "credential" {
  provider = orka
  config { namespaces = [%[1]q] }
}
list "orka_role_binding_subject" "subject" {
  provider = orka
  config {
    namespaces = [%[1]q]
    mark       = "unmarked"
  }
}
`, est.ns))
	admin.env = append(admin.env, "TF_VAR_ghcr_password=s3cret")
	admin.run(false, "init", "-input=false")
	admin.run(false, "query", "-generate-config-out=generated.tf")
	adminGen := regexp.MustCompile(`(?m)^(\s*password\s*=\s*)null # sensitive$`).ReplaceAllString(admin.read("generated.tf"), "${1}var.ghcr_password")
	admin.write("generated.tf", adminGen)
	// 1 namespace, 1 account, 1 credential, 2 subjects (the user, and the account Orka binds to
	// its own namespace); the credential's password is sent once (the one change).
	if m := planLine.FindString(admin.run(false, "plan", "-input=false")); m != "Plan: 5 to import, 0 to add, 1 to change, 0 to destroy." {
		t.Fatalf("admin plan: %q, want 5 imports and the credential's password", m)
	}
	admin.run(false, "apply", "-auto-approve", "-input=false")
	for _, c := range []*tfCLI{admin, pool} {
		if out := c.run(false, "plan", "-input=false", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
			t.Fatalf("plan after adopting is not empty:\n%s", out)
		}
	}

	// The upgrade; then CI takes a place on mini-arm-3 before anyone applies.
	if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "infrastructure", VMs: "all"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeployVM(testContext(t), est.ns, orka.DeployVMRequest{Name: testName("ci"), VMConfig: est.cfg, Node: "mini-arm-3"}); err != nil {
		t.Fatal(err)
	}
	admin.run(false, "apply", "-auto-approve", "-input=false")
	pool.run(false, "apply", "-auto-approve", "-input=false")
	for _, c := range []*tfCLI{admin, pool} {
		if out := c.run(false, "plan", "-input=false", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
			t.Fatalf("plan after recovering is not empty:\n%s", out)
		}
	}
	ctx := testContext(t)
	if vm, err := e.client.GetVM(ctx, est.ns, est.pinned); err != nil || vm.Node != "mini-arm-3" {
		t.Errorf("%s should be back on its own node mini-arm-3: %+v, %v", est.pinned, vm, err)
	}
	for _, name := range est.built {
		if vm, err := e.client.GetVM(ctx, est.ns, name); err != nil || vm.Status != orka.VMStatusRunning {
			t.Errorf("%s is not running again: %+v, %v", name, vm, err)
		}
	}
}

// blocksOf is the resource blocks of one type in a generated file.
func blocksOf(gen, typ string) string {
	var b strings.Builder
	for _, block := range strings.Split(gen, "\n}\n") {
		if strings.Contains(block, `resource "`+typ+`" `) {
			b.WriteString(block + "\n}\n")
		}
	}
	return b.String()
}

// read returns a file of the working directory.
func (c *tfCLI) read(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name)) //nolint:gosec // the test's own file names
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// The mark filter tells VMs made by hand from those this provider deployed, for this owner or
// another; where Orka does not report custom metadata it fails rather than guess.
func TestAccListVM_markFilter(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(fmt.Sprintf("omitVMCustomMetadata=%v", omit), func(t *testing.T) {
			e := newTestEnv(t, orkasim.Options{Nodes: 2, OmitVMCustomMetadata: omit})
			e.needSim(t)
			ctx := testContext(t)
			prefix := testName("mark")
			for name, md := range map[string]map[string]string{
				"-hand":   nil,
				"-ours":   {vmOwnerKey: vmOwnerValue},
				"-theirs": {vmOwnerKey: vmOwnerValue, vmOwnerNameKey: "other/pool"},
			} {
				if _, err := e.client.DeployVM(ctx, orka.DefaultNamespace, orka.DeployVMRequest{Name: prefix + name, Image: "90gbsonomassd.orkasi", CustomMetadata: md}); err != nil {
					t.Fatal(err)
				}
			}
			query := func(mark string) string {
				return e.config("") + fmt.Sprintf(`
list "orka_vm" "found" {
  provider = orka
  config {
    name_prefix = %q
    mark        = %q
  }
}
`, prefix, mark)
			}
			found := func(names ...string) []querycheck.QueryResultCheck {
				checks := []querycheck.QueryResultCheck{querycheck.ExpectLength("orka_vm.found", len(names))}
				for _, n := range names {
					checks = append(checks, querycheck.ExpectIdentity("orka_vm.found", map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact(orka.DefaultNamespace), "name": knownvalue.StringExact(prefix + n),
					}))
				}
				return checks
			}
			steps := []resource.TestStep{{Query: true, Config: query("any"), QueryResultChecks: found("-hand", "-ours", "-theirs")}}
			if omit {
				steps = append(steps, resource.TestStep{Query: true, Config: query("unmarked"),
					ExpectError: regexp.MustCompile(`(?s)Orka did not report the custom metadata of\s+"` + prefix)})
			} else {
				steps = append(steps,
					resource.TestStep{Query: true, Config: query("unmarked"), QueryResultChecks: found("-hand")},
					resource.TestStep{Query: true, Config: query("this_owner"), QueryResultChecks: found("-ours")},
					resource.TestStep{Query: true, Config: query("marked"), QueryResultChecks: found("-ours", "-theirs")},
				)
			}
			resource.ParallelTest(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
				ProtoV6ProviderFactories: e.factories(),
				Steps:                    steps,
			})
		})
	}
}

// The guide's rewritten files (for_each keyed by each object's own name) import the estate
// they describe with imports only, and plan nothing after the apply.
func TestAccAdopt_guideLayout(t *testing.T) {
	skipEngineBelow(t, tfversion.Version1_12_0, "import blocks by identity")
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	ctx := testContext(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const ns = "orka-ios"
	must(e.client.CreateNamespace(ctx, ns, false))
	must(e.client.MoveNode(ctx, orka.DefaultNamespace, "mini-arm-2", ns))
	_, err := e.client.CreateVMConfig(ctx, orka.VMConfig{Name: "ios-sonoma", Image: "90gbsonomassd.orkasi", CPU: 4})
	must(err)
	for _, vm := range []string{"ios-runner-1", "ios-runner-2"} {
		_, err := e.client.DeployVM(ctx, ns, orka.DeployVMRequest{Name: vm, VMConfig: "ios-sonoma"})
		must(err)
	}
	must(e.client.CreateServiceAccount(ctx, ns, "ios-ci"))
	must(e.client.AddRegistryCredential(ctx, ns, orka.RegistryCredentialInput{Server: "https://ghcr.io", Username: "acme-bot", Password: "s3cret"}))
	must(e.client.AddRoleBindingSubjects(ctx, ns, orka.SubjectsChange{Users: []string{"dev@example.com"}}))

	for _, c := range []struct{ dir, want string }{
		{"admin", "Plan: 4 to import, 0 to add, 1 to change, 0 to destroy."},
		{"pool", "Plan: 3 to import, 0 to add, 0 to change, 0 to destroy."},
	} {
		src, err := os.ReadFile("../../examples/adopt-existing-cluster/after/" + c.dir + "/adopted.tf")
		must(err)
		cli := newTFCLI(t, e)
		cli.write("main.tf", cli.providerBlock())
		cli.write("adopted.tf", string(src))
		cli.env = append(cli.env, "TF_VAR_ghcr_password=s3cret")
		cli.run(false, "init", "-input=false")
		if got := planLine.FindString(cli.run(false, "plan", "-input=false")); got != c.want {
			t.Fatalf("%s: %q, want %q", c.dir, got, c.want)
		}
		cli.run(false, "apply", "-auto-approve", "-input=false")
		if out := cli.run(false, "plan", "-input=false", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
			t.Fatalf("%s: plan after adopting is not empty:\n%s", c.dir, out)
		}
	}
}
