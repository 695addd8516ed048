package main

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// leftovers sets up what interrupted live runs leave behind, next to objects of other people
// with similar names, and returns the names.
type leftovers struct {
	scratchNS, keepNS                   string
	scratchVM, scratchVMElsewhere       string
	keepVM                              string
	scratchCfg, keepCfg                 string
	scratchSA, keepSA                   string
	scratchServer, keepServer           string
	scratchUser, keepUser, boundAccount string
}

func makeLeftovers(t *testing.T, c *orka.Client) leftovers {
	t.Helper()
	ctx := context.Background()
	l := leftovers{
		scratchNS: scratch.Name("ns"), keepNS: "orka-ci",
		scratchVM: scratch.Name("vm"), scratchVMElsewhere: scratch.Name("vm"), keepVM: "build-vm-tfacc",
		scratchCfg: scratch.Name("cfg"), keepCfg: "tfacc-cfg-keep",
		scratchSA: scratch.Name("sa"), keepSA: "ci-bot",
		scratchServer: "https://" + scratch.Name("registry") + ".example.com", keepServer: "https://ghcr.io",
		scratchUser: scratch.Name("dev") + "@example.com", keepUser: "orka-tfacc@example.com.keep",
		boundAccount: scratch.Name("sa"),
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateNamespace(ctx, l.scratchNS, false))
	must(c.CreateNamespace(ctx, l.keepNS, false))
	for _, cfg := range []string{l.scratchCfg, l.keepCfg} {
		_, err := c.CreateVMConfig(ctx, orka.VMConfig{Name: cfg, Image: "90gbsonomassd.orkasi", CPU: 3})
		must(err)
	}
	for _, vm := range []struct{ ns, name string }{{l.scratchNS, l.scratchVM}, {l.keepNS, l.scratchVMElsewhere}, {l.keepNS, l.keepVM}} {
		// These namespaces hold no nodes, so each deploy times out and leaves its VM Pending:
		// a leftover all the same.
		_, err := c.DeployVM(ctx, vm.ns, orka.DeployVMRequest{Name: vm.name, VMConfig: l.keepCfg, Timeout: 1})
		var apiErr *orka.APIError
		if !errors.As(err, &apiErr) || apiErr.Reason != "Timeout" {
			t.Fatalf("deploying %s/%s into a namespace without nodes: %v, want Orka's Timeout", vm.ns, vm.name, err)
		}
	}
	must(c.CreateServiceAccount(ctx, l.scratchNS, l.boundAccount))
	for _, sa := range []string{l.scratchSA, l.keepSA} {
		must(c.CreateServiceAccount(ctx, l.keepNS, sa))
		must(c.CreateServiceAccount(ctx, orka.DefaultNamespace, sa))
	}
	for _, server := range []string{l.scratchServer, l.keepServer} {
		must(c.AddRegistryCredential(ctx, l.keepNS, orka.RegistryCredentialInput{Server: server, Username: "u", Password: "p"}))
	}
	must(c.AddRoleBindingSubjects(ctx, l.keepNS, orka.SubjectsChange{
		Users:           []string{l.scratchUser, l.keepUser},
		ServiceAccounts: []orka.ServiceAccountRef{{Name: l.boundAccount, Namespace: l.scratchNS}},
	}))
	return l
}

// The sweeper removes every prefixed leftover (a scratch namespace with its VM and account,
// and prefixed VMs, configs, accounts, credentials, subjects and node tags elsewhere) and
// nothing else; a dry run changes nothing.
func TestSweepRemovesOnlyPrefixedLeftovers(t *testing.T) {
	sim, getenv := simulator(t, nil)
	c, err := orka.New(orka.Config{Endpoint: getenv("ORKA_ENDPOINT"), Token: getenv("ORKA_TOKEN"), RetryWaitMin: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l := makeLeftovers(t, c)
	scratchTag := scratch.Name("tag")
	must(t, sim.SetNodeTags("mini-arm-2", "gpu", scratchTag))

	before := sim.Snapshot()
	code, out := runIt(t, context.Background(), getenv, "-sweep", "-dry-run")
	if code != 0 || !strings.Contains(out, "would remove namespace "+l.scratchNS) {
		t.Errorf("dry run: exit %d, and it does not list the scratch namespace", code)
	}
	if after := sim.Snapshot(); len(after.Namespaces) != len(before.Namespaces) || len(after.VMConfigs) != len(before.VMConfigs) {
		t.Error("the dry run removed something")
	}

	code, out = runIt(t, context.Background(), getenv, "-sweep")
	if code != 0 || !strings.Contains(out, "sweep: done") {
		t.Errorf("sweep: exit %d", code)
	}
	assertNoScratch(t, sim)
	snap := sim.Snapshot()
	if _, ok := snap.Namespaces[l.keepNS]; !ok {
		t.Errorf("namespace %s was removed", l.keepNS)
	}
	if _, ok := snap.VMs[l.keepNS][l.keepVM]; !ok {
		t.Errorf("VM %s was removed", l.keepVM)
	}
	if _, ok := snap.VMConfigs[l.keepCfg]; !ok {
		t.Errorf("VM config %s was removed", l.keepCfg)
	}
	for _, ns := range []string{l.keepNS, orka.DefaultNamespace} {
		if !slices.Contains(snap.ServiceAccounts[ns], l.keepSA) {
			t.Errorf("service account %s/%s was removed", ns, l.keepSA)
		}
	}
	if tags := snap.Nodes["mini-arm-2"].OrkaTags; !slices.Equal(tags, []string{"gpu"}) {
		t.Errorf("tags of mini-arm-2 after the sweep: %v; want gpu kept, %s removed", tags, scratchTag)
	}
	if _, ok := snap.RegistryCredentials[l.keepNS][l.keepServer]; !ok {
		t.Errorf("registry credential %s was removed", l.keepServer)
	}
	if _, ok := snap.RegistryCredentials[l.keepNS][l.scratchServer]; ok {
		t.Errorf("registry credential %s was left", l.scratchServer)
	}
	var subjects []string
	for _, s := range snap.Subjects[l.keepNS] {
		subjects = append(subjects, s.Name)
	}
	if !slices.Contains(subjects, l.keepUser) || slices.Contains(subjects, l.scratchUser) || slices.Contains(subjects, l.boundAccount) {
		t.Errorf("subjects of %s after the sweep: %v; want %s kept, %s and %s removed", l.keepNS, subjects, l.keepUser, l.scratchUser, l.boundAccount)
	}

	// Nothing is left to sweep: a second run removes nothing.
	code, out = runIt(t, context.Background(), getenv, "-sweep")
	if code != 0 || strings.Contains(out, "removed ") {
		t.Errorf("second sweep: exit %d, output %q", code, out)
	}
}

// The sweeper moves a node out of a scratch namespace (to orka-default, saying so) before it
// removes the namespace, and deletes prefixed images; on a cluster that serves no image
// deletion it names them for the administrator instead.
func TestSweepMovesNodesOutAndDeletesImages(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handler   func(http.Handler) http.Handler
		deletable bool
	}{
		{"images deletable", nil, true},
		{"no image deletion", noRoute(func(r *http.Request) bool { return r.Method == "DELETE" && strings.Contains(r.URL.Path, "/images/") }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, getenv := simulator(t, tc.handler)
			ctx := context.Background()
			c := adminClient(t, getenv)
			ns, cfg, vm, image := scratch.Name("conf"), scratch.Name("cfg"), scratch.Name("vm"), scratch.Name("img")
			must(t, c.CreateNamespace(ctx, ns, false))
			must(t, sim.MoveNode("mini-arm-2", ns))
			_, err := c.CreateVMConfig(ctx, orka.VMConfig{Name: cfg, Image: "90gbsonomassd.orkasi", CPU: 3})
			must(t, err)
			_, err = c.DeployVM(ctx, orka.DefaultNamespace, orka.DeployVMRequest{Name: vm, VMConfig: cfg, Timeout: 1})
			must(t, err)
			_, err = c.SaveVM(ctx, orka.DefaultNamespace, vm, orka.SaveVMRequest{ImageName: image})
			must(t, err)

			code, out := runIt(t, ctx, getenv, "-sweep", "-dry-run")
			if code != 0 || !strings.Contains(out, "would remove image "+image) || !strings.Contains(out, "would remove node mini-arm-2 from "+ns) {
				t.Errorf("dry run: exit %d; it does not list the image and the node", code)
			}
			code, out = runIt(t, ctx, getenv, "-sweep")
			if code != 0 || !strings.Contains(out, "left for you: node mini-arm-2 is in orka-default now") {
				t.Errorf("sweep: exit %d; it does not say where it put the node", code)
			}
			snap := sim.Snapshot()
			if got := snap.Nodes["mini-arm-2"].Namespace; got != orka.DefaultNamespace {
				t.Errorf("mini-arm-2 is in %s, want %s", got, orka.DefaultNamespace)
			}
			if _, ok := snap.Namespaces[ns]; ok {
				t.Errorf("namespace %s was not removed", ns)
			}
			if tc.deletable {
				if !strings.Contains(out, "removed image "+image) {
					t.Errorf("the sweep did not remove image %s", image)
				}
				if _, err := c.GetImage(ctx, image); !orka.IsNotFound(err) {
					t.Errorf("image %s: %v, want it gone", image, err)
				}
			} else if !strings.Contains(out, "left for you: image "+image+" (this cluster serves no DELETE .../images/{image}: run `orka3 image delete "+image+"`)") {
				t.Errorf("the sweep does not name image %s for the administrator", image)
			}
		})
	}
}

// noRoute answers the matching requests as a cluster that does not serve their route: a
// plain-text 404 from the gateway, and nothing reaches the simulator.
func noRoute(match func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("404 page not found\n"))
		})
	}
}
