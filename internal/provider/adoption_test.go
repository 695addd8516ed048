package provider

import (
	"fmt"
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
