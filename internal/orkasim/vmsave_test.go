package orkasim

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// waitImage polls an image until it leaves Updating.
func (e *env) waitImage(name string) Image {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var img Image
		e.must(200, "GET", base+"/images/"+name, nil).decode(e.t, &img)
		if img.State != ImageUpdating || time.Now().After(deadline) {
			return img
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSaveVMMakesADeployableImage(t *testing.T) {
	e := newEnv(t, Options{Minute: 20 * time.Millisecond})
	e.mustDeploy("orka-default", map[string]any{"name": "tuned", "image": "sequoia.orkasi"})

	st := e.must(200, "POST", vmPath+"/tuned/save", map[string]any{"imageName": "tuned-save.orkasi"}).status(t)
	if !strings.Contains(st.Message, "tuned-save.orkasi") {
		t.Fatalf("save answer %+v", st)
	}
	// Listed at once, Updating, and not deployable yet.
	var imgs list[Image]
	e.must(200, "GET", base+"/images", nil).decode(t, &imgs)
	var listed *Image
	for i := range imgs.Items {
		if imgs.Items[i].Name == "tuned-save.orkasi" {
			listed = &imgs.Items[i]
		}
	}
	if listed == nil || listed.State != ImageUpdating || listed.Type != "arm64" {
		t.Fatalf("images after save: %+v", imgs.Items)
	}
	if r := e.send(e.admin, "POST", vmPath, map[string]any{"name": "early", "image": "tuned-save.orkasi"}); r.code != 400 ||
		!strings.Contains(string(r.body), "Updating") {
		t.Fatalf("deploy from an Updating image: %d %s", r.code, r.body)
	}
	// A second save to the same name is refused.
	e.must(409, "POST", vmPath+"/tuned/save", map[string]any{"imageName": "tuned-save.orkasi"})

	if img := e.waitImage("tuned-save.orkasi"); img.State != ImageReady {
		t.Fatalf("image after the save: %+v", img)
	}
	e.createConfig("from-save", map[string]any{"image": "tuned-save.orkasi"})
	vm := e.getVM("orka-default", e.mustDeploy("orka-default", map[string]any{"name": "restored", "vmConfig": "from-save"}).Name)
	if vm.Image != "tuned-save.orkasi" || vm.Status != "Running" {
		t.Fatalf("VM from the saved image %+v", vm)
	}
}

func TestSaveVMFailures(t *testing.T) {
	e := newEnv(t, Options{Minute: 20 * time.Millisecond})
	e.mustDeploy("orka-default", map[string]any{"name": "src", "image": "sequoia.orkasi"})

	e.must(404, "POST", vmPath+"/nope/save", map[string]any{"imageName": "x.orkasi"})
	e.must(400, "POST", vmPath+"/src/save", map[string]any{"imageName": "Bad Name"})
	e.must(400, "POST", vmPath+"/src/save", "")

	// A save whose source VM is deleted before it finished fails, with a message.
	e.must(200, "POST", vmPath+"/src/save", map[string]any{"imageName": "lost.orkasi"})
	e.must(200, "DELETE", vmPath+"/src", nil)
	if img := e.waitImage("lost.orkasi"); img.State != ImageFailed || !strings.Contains(img.ErrorMessage, "deleted") {
		t.Fatalf("image of a deleted source VM: %+v", img)
	}
	if r := e.send(e.admin, "POST", vmPath, map[string]any{"name": "x", "image": "lost.orkasi"}); r.code != 400 {
		t.Fatalf("deploy from a Failed image: %d %s", r.code, r.body)
	}

	// FailNextSave fails exactly the next save.
	e.mustDeploy("orka-default", map[string]any{"name": "src2", "image": "sequoia.orkasi"})
	e.sim.FailNextSave("disk full")
	e.must(200, "POST", vmPath+"/src2/save", map[string]any{"imageName": "full.orkasi"})
	e.must(200, "POST", vmPath+"/src2/save", map[string]any{"imageName": "fine.orkasi"})
	if img := e.waitImage("full.orkasi"); img.State != ImageFailed || img.ErrorMessage != "disk full" {
		t.Fatalf("failed save: %+v", img)
	}
	if img := e.waitImage("fine.orkasi"); img.State != ImageReady {
		t.Fatalf("save after the failed one: %+v", img)
	}
}

// [DOC] orka-api.md §5: a push answers 200 {"jobName": ...} with "a push job ID in the
// vm-push- format" (the Packer plugin treats only 200 as success).
func TestPushVMAnswersAJobName(t *testing.T) {
	e := newEnv(t, Options{Minute: 20 * time.Millisecond})
	e.mustDeploy("orka-default", map[string]any{"name": "src", "image": "sequoia.orkasi"})

	r := e.must(200, "POST", vmPath+"/src/push", map[string]any{"imageReference": "ghcr.io/org/macos:tuned"})
	var keys map[string]any
	r.decode(t, &keys)
	if len(keys) != 1 {
		t.Fatalf("push answer %s carries more than jobName", r.body)
	}
	var got pushAnswer
	r.decode(t, &got)
	if !regexp.MustCompile(`^vm-push-[a-z0-9]{5}$`).MatchString(got.JobName) {
		t.Fatalf("jobName %q is not vm-push- and 5 lowercase letters or digits", got.JobName)
	}
	jobs := e.sim.PushJobs()
	if len(jobs) != 1 || jobs[0].JobName != got.JobName || jobs[0].VM != "src" || jobs[0].ImageReference != "ghcr.io/org/macos:tuned" {
		t.Fatalf("push jobs %+v", jobs)
	}
	if job, ok := e.sim.PushJob(got.JobName); !ok || job.VM != "src" || job.Namespace != "orka-default" {
		t.Fatalf("PushJob(%q) = %+v, %v", got.JobName, job, ok)
	}
	if _, ok := e.sim.PushJob("vm-push-zzzzz0"); ok {
		t.Fatal("PushJob found a job that was never started")
	}
	var second pushAnswer
	e.must(200, "POST", vmPath+"/src/push", map[string]any{"imageReference": "ghcr.io/org/macos:tuned"}).decode(t, &second)
	if second.JobName == got.JobName {
		t.Fatalf("two pushes got the same job name %q", got.JobName)
	}
	e.must(400, "POST", vmPath+"/src/push", map[string]any{"imageReference": "not-a-reference"})
	e.must(404, "POST", vmPath+"/nope/push", map[string]any{"imageReference": "ghcr.io/org/macos:tuned"})
}

// [DOC] orka-api.md §5: save takes {"imageName", "description"} (the API quick start) and the
// new image carries exactly that description; without one it has none.
func TestSaveVMKeepsTheDescription(t *testing.T) {
	e := newEnv(t, Options{Minute: 20 * time.Millisecond})
	e.mustDeploy("orka-default", map[string]any{"name": "src", "image": "sequoia.orkasi"})
	e.must(200, "POST", vmPath+"/src/save", map[string]any{"imageName": "described.orkasi", "description": "Xcode 16.2, tuned"})
	e.must(200, "POST", vmPath+"/src/save", map[string]any{"imageName": "plain.orkasi"})
	for name, want := range map[string]string{"described.orkasi": "Xcode 16.2, tuned", "plain.orkasi": ""} {
		var img Image
		e.must(200, "GET", base+"/images/"+name, nil).decode(t, &img)
		if img.Description != want {
			t.Errorf("image %s while saving: description %q, want %q", name, img.Description, want)
		}
		if img = e.waitImage(name); img.State != ImageReady || img.Description != want {
			t.Errorf("image %s once saved: %+v, want description %q", name, img, want)
		}
	}
}
