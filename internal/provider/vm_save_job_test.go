package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// These run the save action's logic against the simulator directly, on any Terraform: what
// it reports while Orka works, and what it does when Orka is slow or an answer is lost.

func deployForSave(t *testing.T, e *testEnv, name string) {
	t.Helper()
	if _, err := e.client.DeployVM(testContext(t), "", orka.DeployVMRequest{Name: name, Image: "sequoia.orkasi"}); err != nil {
		t.Fatal(err)
	}
}

func runSave(t *testing.T, e *testEnv, vm, image string, timeout time.Duration) ([]string, diag.Diagnostics) {
	t.Helper()
	var msgs []string
	var diags diag.Diagnostics
	vmSaveJob{client: e.client, namespace: "orka-default", vm: vm, image: image, timeout: timeout,
		progress: func(m string) { msgs = append(msgs, m) }}.run(context.Background(), &diags)
	return msgs, diags
}

func TestVMSaveJob_reportsProgressUntilReady(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	deployForSave(t, e, "tuned")
	msgs, diags := runSave(t, e, "tuned", "tuned-keep.orkasi", time.Minute)
	if diags.HasError() {
		t.Fatalf("save failed: %v", diags)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{`Saving VM "tuned" in namespace "orka-default" into the new image "tuned-keep.orkasi"`,
		`Image "tuned-keep.orkasi" is Updating`, `Image "tuned-keep.orkasi" is Ready after`, `image = "tuned-keep.orkasi"`} {
		if !strings.Contains(all, want) {
			t.Errorf("progress lacks %q:\n%s", want, all)
		}
	}
	img, err := e.client.GetImage(testContext(t), "tuned-keep.orkasi")
	if err != nil || imageStateOf(img) != orka.ImageStateReady {
		t.Fatalf("image after the action: %+v, %v", img, err)
	}
}

func TestVMSaveJob_timeoutSaysTheSaveGoesOn(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Minute: time.Hour}) // a save takes two hours
	e.needSim(t)
	deployForSave(t, e, "slow")
	_, diags := runSave(t, e, "slow", "slow-keep.orkasi", 300*time.Millisecond)
	if !diags.HasError() {
		t.Fatal("no error after the timeout")
	}
	d := diags.Errors()[0]
	if d.Summary() != "Image not ready in time" || !strings.Contains(d.Detail(), "still Updating after 300ms") ||
		!strings.Contains(d.Detail(), "save goes on in Orka") {
		t.Fatalf("diagnostic %q: %s", d.Summary(), d.Detail())
	}
}

func TestVMSaveJob_lostAnswerFollowsTheImageWithoutResending(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	deployForSave(t, e, "src")
	const savePath = "/api/v1/namespaces/orka-default/vms/src/save"
	if err := e.sim.AddFault(orkasim.Fault{Method: "POST", Path: savePath, DropResponse: true}); err != nil {
		t.Fatal(err)
	}
	_, diags := runSave(t, e, "src", "src-keep.orkasi", time.Minute)
	if diags.HasError() {
		t.Fatalf("save with a lost answer failed: %v", diags)
	}
	if n := e.countRequests("POST", savePath); n != 1 {
		t.Fatalf("the save was sent %d times, want once", n)
	}
}

func TestVMSaveJob_missingVMStartsNothing(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	_, diags := runSave(t, e, "ghost", "ghost-keep.orkasi", time.Minute)
	if !diags.HasError() || !strings.Contains(diags.Errors()[0].Summary(), "no image was started") ||
		!strings.Contains(diags.Errors()[0].Detail(), "404") {
		t.Fatalf("diagnostics %v", diags)
	}
	if _, err := e.client.GetImage(testContext(t), "ghost-keep.orkasi"); !orka.IsNotFound(err) {
		t.Fatalf("an image was made for a missing VM: %v", err)
	}
}

func TestVMSaveJob_outageWhileWaitingIsWaitedOut(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	deployForSave(t, e, "src")
	const imagePath = "/api/v1/namespaces/orka-default/images/src-keep.orkasi"
	// The existence check passes; then more 503s than the client retries for one read.
	if err := e.sim.AddFault(orkasim.Fault{Method: "GET", Path: imagePath, Status: 503, Count: 5, After: 1}); err != nil {
		t.Fatal(err)
	}
	msgs, diags := runSave(t, e, "src", "src-keep.orkasi", time.Minute)
	if diags.HasError() {
		t.Fatalf("an outage while waiting failed the save: %v", diags)
	}
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, "Orka is not answering") || !strings.Contains(all, "is Ready after") {
		t.Fatalf("progress:\n%s", all)
	}
}
