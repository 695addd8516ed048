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

// An image already cached by hand on a node that the resource targets is not adopted: the
// create is refused with the import command and sends nothing, for each kind of selector. A
// resource that targets other nodes caches the image there, and its destroy leaves the
// hand-made entries alone.
func TestAccImageCache_existingCacheIsNotAdopted(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 3, CacheDelay: 50 * time.Millisecond, CacheRemoveDelay: 50 * time.Millisecond})
	e.needSim(t)
	if err := e.sim.SetNodeTags("mini-arm-3", "gpu"); err != nil {
		t.Fatal(err)
	}
	byHand := func(node string) func() {
		return func() {
			if err := e.client.AddImageCache(testContext(t), "orka-default", orka.ImageCacheRequest{Image: cachedImage, Nodes: []string{node}}); err != nil {
				t.Fatal(err)
			}
			e.sim.ClearRequests()
		}
	}
	hcl := func(selector string) string {
		return e.config(fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  %s
}`, cachedImage, selector))
	}
	refused := regexp.MustCompile(`(?s)Object already exists in Orka.*already\s+cached\s+on\s+mini-arm-\d\s+\((Caching|Ready)\).*` +
		`terraform\s+import\s+<address>\s+orka-default/` + regexp.QuoteMeta(cachedImage))
	noAdd := func() {
		if n := e.countRequests("POST", cacheRoute("orka-default", cachedImage, "add")); n != 0 {
			t.Errorf("a refused create sent %d add requests", n)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		// The destroy removed what the resource cached (mini-arm-2), and nothing it did not.
		CheckDestroy: func(*terraform.State) error {
			got := e.sim.Snapshot().ImageCaches["orka-default"][cachedImage]
			if _, ok := got["mini-arm-2"]; ok || len(got) != 2 || got["mini-arm-1"] != orka.CacheStatusReady || got["mini-arm-3"] != orka.CacheStatusReady {
				return fmt.Errorf("after destroy the image is cached on %v, want the hand-made mini-arm-1 and mini-arm-3 only", got)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{PreConfig: byHand("mini-arm-1"), Config: hcl("all = true"), ExpectError: refused},
			{PreConfig: noAdd, Config: hcl(`nodes = ["mini-arm-2", "mini-arm-1"]`), ExpectError: refused},
			{
				PreConfig: func() { noAdd(); byHand("mini-arm-3")() },
				Config:    hcl(`tags = ["gpu"]`), ExpectError: refused,
			},
			{
				// Not cached on the node it targets: created, and recorded as usual.
				PreConfig: noAdd,
				Config:    hcl(`nodes = ["mini-arm-2"]`),
				Check: resource.ComposeTestCheckFunc(
					e.checkRequests("POST", cacheRoute("orka-default", cachedImage, "add"), 1),
					e.checkSimCache("orka-default", cachedImage, "mini-arm-1", "mini-arm-2", "mini-arm-3"),
				),
			},
		},
	})
}

// An add whose answer was lost is still ours: the look-up for an existing cache is made
// before the add is sent, so the entry that then appears is adopted, not refused.
func TestAccImageCache_lostAddAnswerIsOurs(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: 50 * time.Millisecond})
	e.needSim(t)
	addr := "orka_image_cache.c"
	hcl := e.config(fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  all   = true
}`, cachedImage))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoCache("orka-default", cachedImage),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "POST", Path: cacheRoute("orka-default", cachedImage, "add"), DropResponse: true, Count: 1})
				},
				Config: hcl,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("node_status"), knownvalue.MapExact(map[string]knownvalue.Check{
						"mini-arm-1": knownvalue.StringExact("Ready"), "mini-arm-2": knownvalue.StringExact("Ready"),
					})),
				},
				Check: resource.ComposeTestCheckFunc(
					e.checkRequests("POST", cacheRoute("orka-default", cachedImage, "add"), 1),
					e.checkSimCache("orka-default", cachedImage, "mini-arm-1", "mini-arm-2"),
				),
			},
			{Config: hcl, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// cacheVanisher plays whatever empties an image cache (an upgrade, someone's removal) while
// the provider waits for caching that never ends by itself (CacheDelay is an hour). It
// watches the simulator's request log, never the clock: each round waits for the provider's
// n-th add to be followed by a read that shows the image, then removes the image out of band.
// A provider that keeps waiting for an image that is gone is stopped after readBudget reads
// without progress: the test fails, and the cache is made Ready so that the apply can end.
type cacheVanisher struct {
	t     *testing.T
	e     *testEnv
	nodes []string
	// from is the nodes whose entry is removed; nil removes the image from every node.
	from []string
	stop chan struct{}
	done chan struct{}
	// started says whether run started the goroutine that closes done (a test skipped before
	// its first step never does).
	started bool
	// readsAtLastRemoval is the provider's read count when the image was last removed.
	readsAtLastRemoval int
}

const cacheVanisherReadBudget = 15

func newCacheVanisher(t *testing.T, e *testEnv, nodes ...string) *cacheVanisher {
	v := &cacheVanisher{t: t, e: e, nodes: nodes, stop: make(chan struct{}), done: make(chan struct{})}
	t.Cleanup(func() {
		close(v.stop)
		if v.started {
			<-v.done
		}
	})
	return v
}

// progress counts the provider's adds and its reads of the image's cache, and says whether a
// read answered 200 after the n-th add.
func (v *cacheVanisher) progress(n int) (adds, reads int, seenAfterNth bool) {
	for _, r := range v.e.sim.Requests() {
		switch {
		case r.Method == "POST" && r.Path == cacheRoute("orka-default", cachedImage, "add"):
			adds++
		case r.Method == "GET" && r.Path == cacheRoute("orka-default", cachedImage, ""):
			reads++
			if adds >= n && r.Status == 200 {
				seenAfterNth = true
			}
		}
	}
	return adds, reads, seenAfterNth
}

// await polls the request log until cond holds (true), the test stops (false), or the
// provider made cacheVanisherReadBudget reads since the last removal (false, and the test
// fails: the provider is waiting for a cache that is gone).
func (v *cacheVanisher) await(what string, cond func() (adds, reads int, ok bool)) bool {
	for {
		_, reads, ok := cond()
		if ok {
			return true
		}
		if v.readsAtLastRemoval > 0 && reads-v.readsAtLastRemoval > cacheVanisherReadBudget {
			v.t.Errorf("the provider read the cache %d times after it vanished, still waiting (%s)", reads-v.readsAtLastRemoval, what)
			v.unblock()
			return false
		}
		select {
		case <-v.stop:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (v *cacheVanisher) remove() {
	req := orka.ImageCacheRequest{Image: cachedImage, Nodes: v.from, All: len(v.from) == 0}
	if err := v.e.client.RemoveImageCache(v.t.Context(), "orka-default", req); err != nil {
		v.t.Errorf("removing the cache out of band: %v", err)
	}
	_, v.readsAtLastRemoval, _ = v.progress(0)
}

// unblock makes the image Ready on every node, which ends any wait for it.
func (v *cacheVanisher) unblock() {
	for _, n := range v.nodes {
		if err := v.e.sim.SetImageCacheStatus("orka-default", cachedImage, n, orka.CacheStatusReady); err != nil {
			v.t.Errorf("making the cache Ready: %v", err)
		}
	}
}

// run removes the image after each of the provider's first rounds adds has been seen, then
// calls after (in the background).
func (v *cacheVanisher) run(rounds int, after func()) {
	v.started = true
	go func() {
		defer close(v.done)
		for n := 1; n <= rounds; n++ {
			if !v.await(fmt.Sprintf("round %d", n), func() (int, int, bool) { return v.progress(n) }) {
				return
			}
			v.remove()
		}
		if after != nil {
			after()
		}
	}()
}

// A cache that vanishes once while it is being created (an upgrade, someone's removal) is
// added again, and the create ends when it is Ready, with two adds sent.
func TestAccImageCache_vanishedWhileCachingIsAddedAgain(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: time.Hour, CacheRemoveDelay: 50 * time.Millisecond})
	e.needSim(t)
	addr := "orka_image_cache.c"
	hcl := e.config(fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  all   = true
  timeouts {
    create = "10m"
  }
}`, cachedImage))
	v := newCacheVanisher(t, e, "mini-arm-1", "mini-arm-2")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoCache("orka-default", cachedImage),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					v.run(1, func() {
						// The provider adds the image again: caching then completes.
						if v.await("the second add", func() (int, int, bool) {
							adds, reads, _ := v.progress(0)
							return adds, reads, adds >= 2
						}) {
							v.unblock()
						}
					})
				},
				Config: hcl,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("node_status"), knownvalue.MapExact(map[string]knownvalue.Check{
						"mini-arm-1": knownvalue.StringExact("Ready"), "mini-arm-2": knownvalue.StringExact("Ready"),
					})),
				},
				Check: resource.ComposeTestCheckFunc(
					e.checkRequests("POST", cacheRoute("orka-default", cachedImage, "add"), 2),
					e.checkSimCache("orka-default", cachedImage, "mini-arm-1", "mini-arm-2"),
				),
			},
		},
	})
}

// A cache that vanishes again after it was added again fails the create at once, with the
// cause, instead of waiting for the create timeout (10m here; the test ends long before, and
// the provider reads the cache only a few times after the second removal). Nothing is cached,
// so nothing is recorded: the next plan creates the cache (not a replacement of a tainted one).
func TestAccImageCache_vanishedTwiceFailsFast(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: time.Hour, CacheRemoveDelay: 50 * time.Millisecond})
	e.needSim(t)
	addr := "orka_image_cache.c"
	hcl := e.config(fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  nodes = ["mini-arm-1", "mini-arm-2"]
  timeouts {
    create = "10m"
  }
}`, cachedImage))
	v := newCacheVanisher(t, e, "mini-arm-1", "mini-arm-2")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { v.run(2, nil) },
				Config:    hcl,
				ExpectError: regexp.MustCompile(`(?s)the cache of image "` + regexp.QuoteMeta(cachedImage) +
					`"\s+vanished\s+from\s+node\(s\)\s+mini-arm-1,\s+mini-arm-2\s+while\s+caching.*nothing\s+is\s+left\s+to\s+wait\s+for.*` +
					`Nothing\s+is\s+cached\s+on\s+the\s+targeted\s+nodes`),
			},
			{
				PreConfig: func() {
					select {
					case <-v.done:
					case <-time.After(time.Minute): // a generous sanity bound: it ended before the apply failed
						t.Fatal("the out-of-band removals never ended")
					}
					if _, reads, _ := v.progress(0); reads-v.readsAtLastRemoval > 6 {
						t.Errorf("the provider read the cache %d times after it vanished the second time, want a few", reads-v.readsAtLastRemoval)
					}
					if n := e.countRequests("POST", cacheRoute("orka-default", cachedImage, "add")); n != 2 {
						t.Errorf("%d adds, want 2 (the create and one more after the first removal)", n)
					}
				},
				Config:             hcl,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// A cache that vanishes twice from some of its nodes only is kept in the state as tainted,
// with the error: the other nodes still cache the image, and the next apply replaces it.
func TestAccImageCache_vanishedTwiceFromSomeNodesTaints(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2, CacheDelay: time.Hour, CacheRemoveDelay: 50 * time.Millisecond})
	e.needSim(t)
	addr := "orka_image_cache.c"
	hcl := e.config(fmt.Sprintf(`
resource "orka_image_cache" "c" {
  image = %q
  nodes = ["mini-arm-1", "mini-arm-2"]
  timeouts {
    create = "10m"
  }
}`, cachedImage))
	v := newCacheVanisher(t, e, "mini-arm-1", "mini-arm-2")
	v.from = []string{"mini-arm-2"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { v.run(2, nil) },
				Config:    hcl,
				ExpectError: regexp.MustCompile(`(?s)vanished\s+from\s+node\(s\)\s+mini-arm-2\s+while\s+caching.*` +
					`kept\s+in\s+the\s+Terraform\s+state\s+as\s+tainted`),
			},
			{
				Config:             hcl,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}
