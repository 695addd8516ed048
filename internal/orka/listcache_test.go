package orka

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// vmServer answers the VM routes of every namespace: lists hold vm-0..vm-(n-1), a GET of one
// VM finds those and the names in extra, anything else is 404; writes answer 200. block, when
// set, holds the first list until it is closed.
func vmServer(t *testing.T, n int, extra []string, started chan<- struct{}, block <-chan struct{}) *fakeServer {
	t.Helper()
	var once sync.Once
	return newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/namespaces/"), "/")
		ns := parts[0]
		switch {
		case r.Method != http.MethodGet:
			w.WriteHeader(http.StatusOK)
		case len(parts) == 2 && parts[1] == "vms":
			if block != nil {
				once.Do(func() { close(started); <-block })
			}
			items := make([]string, n)
			for i := range n {
				items[i] = fmt.Sprintf(`{"name":"vm-%d","namespace":%q,"status":"Running"}`, i, ns)
			}
			fmt.Fprintf(w, `{"items":[%s]}`, strings.Join(items, ","))
		case len(parts) == 3 && parts[1] == "vms":
			name := parts[2]
			known := strings.HasPrefix(name, "vm-")
			for _, e := range extra {
				known = known || e == name
			}
			if !known {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprintf(w, `{"kind":"Status","status":"Failure","reason":"NotFound","code":404,"message":"VM %q not found"}`, name)
				return
			}
			fmt.Fprintf(w, `{"name":%q,"namespace":%q,"status":"Running"}`, name, ns)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

func countRequests(fs *fakeServer, method, path string) int {
	n := 0
	for _, r := range fs.requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// 200 concurrent refreshes in one namespace cost one list request; another namespace gets its
// own list.
func TestRefreshVMSharesOneListPerNamespace(t *testing.T) {
	fs := vmServer(t, 200, nil, nil, nil)
	c := newTestClient(t, fs.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Go(func() {
			name := fmt.Sprintf("vm-%d", i)
			vm, err := c.RefreshVM(context.Background(), "orka-ci", name)
			if err == nil && (vm.Name != name || vm.Namespace != "orka-ci" || vm.Status != "Running") {
				err = fmt.Errorf("got %+v for %s", vm, name)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := fs.count(); n != 1 {
		t.Fatalf("200 refreshes made %d requests, want 1: %v", n, fs.requests())
	}
	if _, err := c.RefreshVM(context.Background(), "", "vm-3"); err != nil {
		t.Fatal(err)
	}
	if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-default/vms"); n != 1 || fs.count() != 2 {
		t.Fatalf("orka-default: %d list requests of %d in all", n, fs.count())
	}
}

// An object the list does not hold is confirmed with its own GET: gone is 404, one created
// after the list was fetched is found.
func TestRefreshVMConfirmsAbsenceWithItsOwnGET(t *testing.T) {
	fs := vmServer(t, 3, []string{"vm-late"}, nil, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	if _, err := c.RefreshVM(ctx, "orka-ci", "vm-1"); err != nil {
		t.Fatal(err)
	}
	_, err := c.RefreshVM(ctx, "orka-ci", "gone")
	if !IsNotFound(err) {
		t.Fatalf("gone: %v, want not found", err)
	}
	if countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/vms/gone") != 1 {
		t.Fatalf("absence not confirmed with its own GET: %v", fs.requests())
	}
	vm, err := c.RefreshVM(ctx, "orka-ci", "vm-late")
	if err != nil || vm.Name != "vm-late" {
		t.Fatalf("vm-late: %+v, %v", vm, err)
	}
	if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/vms"); n != 1 {
		t.Fatalf("%d list requests, want 1", n)
	}
}

// No list outlives a write through the client, even one whose fetch overlapped the write.
func TestRefreshListNotReusedAfterWrite(t *testing.T) {
	t.Run("after", func(t *testing.T) {
		fs := vmServer(t, 3, nil, nil, nil)
		c := newTestClient(t, fs.URL)
		ctx := context.Background()
		for _, step := range []func() error{
			func() error { _, err := c.RefreshVM(ctx, "orka-ci", "vm-0"); return err },
			func() error { return c.DeleteVM(ctx, "orka-other", "vm-9") },
			func() error { _, err := c.RefreshVM(ctx, "orka-ci", "vm-1"); return err },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/vms"); n != 2 {
			t.Fatalf("%d list requests, want 2 (the write dropped the first list)", n)
		}
	})
	t.Run("during", func(t *testing.T) {
		started, release := make(chan struct{}), make(chan struct{})
		fs := vmServer(t, 3, nil, started, release)
		c := newTestClient(t, fs.URL)
		ctx := context.Background()
		done := make(chan error, 1)
		go func() { _, err := c.RefreshVM(ctx, "orka-ci", "vm-0"); done <- err }()
		<-started
		if err := c.DeleteVM(ctx, "orka-ci", "vm-2"); err != nil {
			t.Fatal(err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, err := c.RefreshVM(ctx, "orka-ci", "vm-1"); err != nil {
			t.Fatal(err)
		}
		if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/vms"); n != 2 {
			t.Fatalf("%d list requests, want 2 (a list fetched during a write is not kept)", n)
		}
	})
}

// A list that cannot be read does not fail the refresh: the object's own GET answers.
func TestRefreshVMFallsBackToGETWhenTheListFails(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if strings.HasSuffix(r.URL.Path, "/vms") {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","reason":"Forbidden","code":403,"message":"no list"}`)
			return
		}
		fmt.Fprint(w, `{"name":"vm-0","status":"Running"}`)
	})
	c := newTestClient(t, fs.URL)
	vm, err := c.RefreshVM(context.Background(), "orka-ci", "vm-0")
	if err != nil || vm.Name != "vm-0" || vm.Namespace != "orka-ci" {
		t.Fatalf("%+v, %v", vm, err)
	}
	if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/vms/vm-0"); n != 1 {
		t.Fatalf("%d GETs of the VM, want 1: %v", n, fs.requests())
	}
}

// Kinds without a GET of one object confirm absence with a list fetched for it.
func TestRefreshListOnlyKindsConfirmWithAFreshList(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/serviceaccounts"):
			fmt.Fprint(w, `{"items":[{"name":"ci","namespace":"orka-ci"}]}`)
		case strings.HasSuffix(r.URL.Path, "/registrycredentials"):
			fmt.Fprint(w, `{"items":[{"server":"https://ghcr.io","username":"bot"}]}`)
		case strings.HasSuffix(r.URL.Path, "/subjects"):
			fmt.Fprint(w, `{"items":[{"kind":"User","name":"a@example.com"}]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	sa, err := c.RefreshServiceAccount(ctx, "orka-ci", "ci")
	if err != nil || sa.Name != "ci" {
		t.Fatalf("%+v, %v", sa, err)
	}
	if _, err := c.RefreshServiceAccount(ctx, "orka-ci", "gone"); !IsNotFound(err) {
		t.Fatalf("gone account: %v", err)
	}
	if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/serviceaccounts"); n != 2 {
		t.Fatalf("%d service account lists, want 2 (shared, then one to confirm)", n)
	}
	cred, err := c.RefreshRegistryCredential(ctx, "orka-ci", "https://ghcr.io")
	if err != nil || cred.Username != "bot" {
		t.Fatalf("%+v, %v", cred, err)
	}
	if _, err := c.RefreshRegistryCredential(ctx, "orka-ci", "https://quay.io"); !IsNotFound(err) {
		t.Fatalf("gone credential: %v", err)
	}
	if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/secrets/registrycredentials"); n != 2 {
		t.Fatalf("%d credential lists, want 2", n)
	}
	isUser := func(s RoleBindingSubject) bool { return s.Kind == "User" && s.Name == "a@example.com" }
	for range 3 {
		subs, err := c.RefreshRoleBindingSubjects(ctx, "orka-ci", isUser)
		if err != nil || len(subs) != 1 {
			t.Fatalf("%+v, %v", subs, err)
		}
	}
	if _, err := c.RefreshRoleBindingSubjects(ctx, "orka-ci", func(RoleBindingSubject) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/rolebindings/orka-dev/subjects"); n != 2 {
		t.Fatalf("%d subject lists, want 2", n)
	}
}

// A second look (Fresh) reads what Orka holds now, even when the shared list has the object.
func TestRefreshFreshSkipsTheSharedList(t *testing.T) {
	fs := vmServer(t, 3, nil, nil, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	if _, err := c.RefreshVM(ctx, "orka-ci", "vm-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RefreshVM(Fresh(ctx), "orka-ci", "vm-1"); err != nil {
		t.Fatal(err)
	}
	if countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/vms") != 1 ||
		countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/vms/vm-1") != 1 {
		t.Fatalf("want the shared list once and a GET of vm-1 for the fresh look: %v", fs.requests())
	}
	if _, err := c.RefreshRoleBindingSubjects(Fresh(ctx), "orka-ci", func(RoleBindingSubject) bool { return true }); err == nil {
		t.Fatal("the fake server has no subjects route: a fresh list must have been requested and failed")
	}
}

// For kinds Orka cannot read one by one, a list that answers 404 while its namespace exists
// is a stray answer, not evidence that the object is gone; when the namespace is gone too,
// the 404 stands.
func TestListOnlyKindsTakeAList404AsEvidenceOnlyWhenTheNamespaceIsGone(t *testing.T) {
	for _, nsGone := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespace_gone_%t", nsGone), func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if r.URL.Path == "/api/v1/namespaces/orka-ci" && !nsGone {
					reply(w, 200, `{"name":"orka-ci"}`)
					return
				}
				reply(w, 404, `{"kind":"Status","status":"Failure","reason":"NotFound","code":404,"message":"not found"}`)
			})
			c := newTestClient(t, fs.URL)
			ctx := Fresh(context.Background())
			_, saErr := c.RefreshServiceAccount(ctx, "orka-ci", "ci")
			_, rcErr := c.RefreshRegistryCredential(ctx, "orka-ci", "https://ghcr.io")
			_, rbErr := c.RefreshRoleBindingSubjects(ctx, "orka-ci", func(RoleBindingSubject) bool { return false })
			for what, err := range map[string]error{"service account": saErr, "registry credential": rcErr, "subjects": rbErr} {
				var lnf *ListNotFoundError
				switch {
				case nsGone && !IsNotFound(err):
					t.Errorf("%s: %v, want not found (the namespace is gone)", what, err)
				case !nsGone && (IsNotFound(err) || !errors.As(err, &lnf)):
					t.Errorf("%s: %v, want a ListNotFoundError, not a 404", what, err)
				}
			}
		})
	}
}

// A list that answers 404 only for a burst (shorter than AbsenceInterval) while its namespace
// exists is asked again later and its answer used: the refresh of a service account does not
// fail for a second of stray 404s.
func TestListOnlyKindsOutlastA404Burst(t *testing.T) {
	start := time.Now()
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/api/v1/namespaces/orka-ci":
			reply(w, 200, `{"name":"orka-ci"}`)
		case time.Since(start) < time.Second:
			reply(w, 404, `{"kind":"Status","status":"Failure","reason":"NotFound","code":404,"message":"not found"}`)
		default:
			reply(w, 200, `{"items":[{"name":"ci","namespace":"orka-ci"}]}`)
		}
	})
	c := newTestClient(t, fs.URL)
	sa, err := c.RefreshServiceAccount(Fresh(context.Background()), "orka-ci", "ci")
	if err != nil || sa.Name != "ci" {
		t.Fatalf("after a 404 burst shorter than AbsenceInterval: %+v, %v; want the account", sa, err)
	}
	if n := countRequests(fs, http.MethodGet, "/api/v1/namespaces/orka-ci/serviceaccounts"); n != 2 {
		t.Fatalf("the list was asked %d times, want 2 (the burst's answer, then one later look)", n)
	}
}

// A list that Orka answered without the object is recorded as evidence of its absence, with
// the time of the answer; a list that failed is not.
func TestAbsenceEvidenceRecordsAListAnsweredWithout(t *testing.T) {
	var listFails atomic.Bool
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/api/v1/namespaces/orka-ci/vms" && listFails.Load():
			reply(w, 503, "")
		case r.URL.Path == "/api/v1/namespaces/orka-ci/vms":
			reply(w, 200, `{"items":[{"name":"here","status":"Running"}]}`)
		default:
			reply(w, 404, `{"kind":"Status","reason":"NotFound","code":404,"message":"not found"}`)
		}
	})
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	before := time.Now()
	ctx, ev := WithAbsenceEvidence(context.Background())
	if _, err := c.RefreshVM(ctx, "orka-ci", "gone"); !IsNotFound(err) {
		t.Fatalf("gone: %v", err)
	}
	if at, ok := ev.ListAnsweredWithout(); !ok || at.Before(before) || at.After(time.Now()) {
		t.Fatalf("evidence %v %v, want the list's answer time", at, ok)
	}
	ctx, ev = WithAbsenceEvidence(context.Background())
	if _, err := c.RefreshVM(ctx, "orka-ci", "here"); err != nil {
		t.Fatal(err)
	}
	if _, ok := ev.ListAnsweredWithout(); ok {
		t.Fatal("a list that holds the object is recorded as evidence of its absence")
	}
	listFails.Store(true)
	c2 := newTestClient(t, fs.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	ctx, ev = WithAbsenceEvidence(context.Background())
	if _, err := c2.RefreshVM(ctx, "orka-ci", "gone"); !IsNotFound(err) {
		t.Fatalf("gone, list failing: %v", err)
	}
	if _, ok := ev.ListAnsweredWithout(); ok {
		t.Fatal("a failed list is recorded as evidence")
	}
}
