package provider

import (
	"fmt"
	"regexp"
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

const cachedImage = "ghcr.io/acme/macos:sonoma"

// cacheRoute is the path of the documented image-cache route family (orka-api.md §8) for one
// image, as the simulator's request log shows it: "" reads the image's cache, "add" and
// "remove" change it.
func cacheRoute(ns, image, op string) string {
	p := "/api/v1/namespaces/" + ns + "/cache/images/" + image
	if op != "" {
		p += "/" + op
	}
	return p
}

// checkSimCache asserts that the simulator caches img on exactly these nodes, all Ready.
func (e *testEnv) checkSimCache(ns, img string, nodes ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		got := e.sim.Snapshot().ImageCaches[ns][img]
		if len(got) != len(nodes) {
			return fmt.Errorf("simulator caches %s on %v, want %v", img, got, nodes)
		}
		for _, n := range nodes {
			if got[n] != orka.CacheStatusReady {
				return fmt.Errorf("simulator's cache of %s on %s is %q, want Ready", img, n, got[n])
			}
		}
		return nil
	}
}

// checkNoCache asserts that the simulator caches img on no node.
func (e *testEnv) checkNoCache(ns, img string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := e.sim.Snapshot().ImageCaches[ns][img]; len(got) != 0 {
			return fmt.Errorf("cache left after destroy: %v", got)
		}
		return nil
	}
}

func TestAccImageCache_allNodesAndUpgrade(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: 300 * time.Millisecond})
	e.needSim(t)
	addr := "orka_image_cache.sonoma"
	hcl := e.config(fmt.Sprintf(`
resource "orka_image_cache" "sonoma" {
  image = %q
  all   = true
}
`, cachedImage))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoCache("orka-default", cachedImage),
		Steps: []resource.TestStep{
			{
				Config: hcl,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("orka-default/"+cachedImage)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("node_status"), knownvalue.MapExact(map[string]knownvalue.Check{
						"mini-arm-1": knownvalue.StringExact("Ready"), "mini-arm-2": knownvalue.StringExact("Ready"),
					})),
				},
				Check: e.checkSimCache("orka-default", cachedImage, "mini-arm-1", "mini-arm-2"),
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateId:           "orka-default/" + cachedImage,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"all", "nodes", "timeouts"},
			},
			{
				// A release upgrade empties every cache: one apply caches the image again.
				PreConfig: func() {
					if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "release", VMs: "none"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				Check: e.checkSimCache("orka-default", cachedImage, "mini-arm-1", "mini-arm-2"),
			},
			{
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccImageCache_selectors(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 3, CacheDelay: 100 * time.Millisecond})
	e.needSim(t)
	if err := e.sim.SetNodeTags("mini-arm-3", "gpu"); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(fmt.Sprintf(`
resource "orka_image_cache" "by_node" {
  image = %q
  nodes = ["mini-arm-1"]
}
resource "orka_image_cache" "by_tag" {
  image = "90gbsonomassd.orkasi"
  tags  = ["gpu"]
}
`, cachedImage)),
				Check: resource.ComposeTestCheckFunc(
					e.checkSimCache("orka-default", cachedImage, "mini-arm-1"),
					e.checkSimCache("orka-default", "90gbsonomassd.orkasi", "mini-arm-3"),
				),
			},
			{
				// The cache disappears from the node out of band: planned again, cached again.
				PreConfig: func() {
					if err := e.client.RemoveImageCache(testContext(t), "orka-default", orka.ImageCacheRequest{Image: cachedImage, All: true}); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(fmt.Sprintf(`
resource "orka_image_cache" "by_node" {
  image = %q
  nodes = ["mini-arm-1"]
}
resource "orka_image_cache" "by_tag" {
  image = "90gbsonomassd.orkasi"
  tags  = ["gpu"]
}
`, cachedImage)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_image_cache.by_node", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("orka_image_cache.by_tag", plancheck.ResourceActionNoop),
				}},
				Check: e.checkSimCache("orka-default", cachedImage, "mini-arm-1"),
			},
		},
	})
}

func TestAccImageCache_failedNodeAndInvalidInput(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: time.Hour, CacheRemoveDelay: 100 * time.Millisecond})
	e.needSim(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      e.config(`resource "orka_image_cache" "x" { image = "a.orkasi" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Exactly one of these attributes must be configured: \[nodes,tags,all\]`),
			},
			{
				Config: e.config(`
resource "orka_image_cache" "x" {
  image = "a.orkasi"
  all   = true
  nodes = ["mini-arm-1"]
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Exactly one of these attributes must be configured: \[nodes,tags,all\]`),
			},
			{
				// Caching never finishes (CacheDelay is an hour) and then fails on one node, as soon
				// as the provider has asked for it.
				PreConfig: func() {
					go func() {
						for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
							if _, asked := e.sim.Snapshot().ImageCaches["orka-default"][cachedImage]["mini-arm-2"]; asked {
								_ = e.sim.SetImageCacheStatus("orka-default", cachedImage, "mini-arm-2", orka.CacheStatusFailed)
								return
							}
						}
					}()
				},
				Config: e.config(fmt.Sprintf(`
resource "orka_image_cache" "x" {
  image = %q
  nodes = ["mini-arm-1", "mini-arm-2"]
  timeouts {
    create = "2m"
  }
}`, cachedImage)),
				ExpectError: regexp.MustCompile(`(?s)caching failed on mini-arm-2.*kept in the Terraform state as tainted`),
			},
		},
	})
}

// Orka does not record how an image cache's nodes were chosen: after an import, the
// configuration's selector is recorded without caching the image again.
func TestAccImageCache_importThenSelector(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: 50 * time.Millisecond})
	e.needSim(t)
	addr := "orka_image_cache.adopted"
	hcl := fmt.Sprintf(`
resource "orka_image_cache" "adopted" {
  image = %q
  all   = true
}
`, cachedImage)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if err := e.client.AddImageCache(testContext(t), "orka-default", orka.ImageCacheRequest{Image: cachedImage, All: true}); err != nil {
						t.Fatal(err)
					}
					e.sim.ClearRequests()
				},
				Config: e.config(hcl + fmt.Sprintf(`
import {
  to = orka_image_cache.adopted
  id = "orka-default/%s"
}
`, cachedImage)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if n := e.countRequests("POST", cacheRoute("orka-default", cachedImage, "add")) +
						e.countRequests("POST", cacheRoute("orka-default", cachedImage, "remove")); n != 0 {
						return fmt.Errorf("the imported cache was changed (%d add/remove requests)", n)
					}
					return nil
				},
			},
			{
				Config:           e.config(hcl),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
