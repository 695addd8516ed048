package orkasim

import (
	"testing"
	"time"
)

const imgPath = base + "/images"

// [DOC] orka-api.md §8: DELETE .../images/{name} (the 2.4→3.0 API mapping), refused while the
// image is in use: an Intel image by any VM, an Apple-silicon image by more than one (the CLI
// troubleshooting reference). The 409 and its message are [ASSUMED].
func TestDeleteImage(t *testing.T) {
	e := newEnv(t, Options{Nodes: 4, Minute: 20 * time.Millisecond})

	// Apple silicon: one VM does not hold the image, two do.
	e.mustDeploy("orka-default", map[string]any{"name": "v1", "image": "90gbventurassd.orkasi"})
	e.mustDeploy("orka-default", map[string]any{"name": "v2", "image": "90gbventurassd.orkasi"})
	expectError(t, e.do("DELETE", imgPath+"/90gbventurassd.orkasi", nil), 409, "Conflict",
		`"90gbventurassd.orkasi"`, "orka-default/v1", "orka-default/v2", "more than one VM")
	e.must(200, "DELETE", vmPath+"/v2", nil)
	e.must(200, "DELETE", imgPath+"/90gbventurassd.orkasi", nil)
	expectError(t, e.do("GET", imgPath+"/90gbventurassd.orkasi", nil), 404, "NotFound", "90gbventurassd.orkasi")
	expectError(t, e.do("DELETE", imgPath+"/90gbventurassd.orkasi", nil), 404, "NotFound", "90gbventurassd.orkasi")
	var imgs list[Image]
	e.must(200, "GET", imgPath, nil).decode(t, &imgs)
	for _, img := range imgs.Items {
		if img.Name == "90gbventurassd.orkasi" {
			t.Fatal("a deleted image is still listed")
		}
	}
	// A deleted image can no longer be deployed.
	expectError(t, e.deploy("orka-default", map[string]any{"name": "v3", "image": "90gbventurassd.orkasi"}), 400, "BadRequest", "image")

	// Intel: a single VM holds the image.
	e.mustDeploy("orka-default", map[string]any{"name": "intel-src", "image": "registry.local/macos/monterey.img"})
	e.must(200, "POST", vmPath+"/intel-src/save", map[string]any{"imageName": "monterey-tuned.img"})
	if img := e.waitImage("monterey-tuned.img"); img.State != ImageReady || img.Type != "amd64" {
		t.Fatalf("Intel image %+v", img)
	}
	e.mustDeploy("orka-default", map[string]any{"name": "i1", "image": "monterey-tuned.img"})
	expectError(t, e.do("DELETE", imgPath+"/monterey-tuned.img", nil), 409, "Conflict", "orka-default/i1", "Intel")
	e.must(200, "DELETE", vmPath+"/i1", nil)
	e.must(200, "DELETE", imgPath+"/monterey-tuned.img", nil)

	expectError(t, e.do("DELETE", "/api/v1/namespaces/orka-nope/images/sequoia.orkasi", nil), 404, "NotFound", "orka-nope")
}

// [DOC] orka-api.md §8: a regular service account may manage images (the access matrix),
// given access to orka-default, where images live.
func TestServiceAccountManagesImages(t *testing.T) {
	e := newEnv(t, Options{Minute: 20 * time.Millisecond})
	e.createAccount("orka-default", "ci")
	tok := e.token("orka-default", "ci", nil)
	if r := e.send(tok, "POST", imgPath+"/sequoia.orkasi/description", map[string]any{"description": "by ci"}); r.code != 200 {
		t.Fatalf("SA describing an image: %d %s", r.code, r.body)
	}
	if r := e.send(tok, "POST", imgPath+"/sequoia.orkasi/copy", map[string]any{"newName": "ci-copy.orkasi"}); r.code != 201 {
		t.Fatalf("SA copying an image: %d %s", r.code, r.body)
	}
	if r := e.send(tok, "DELETE", imgPath+"/90gbsonomassd.orkasi", nil); r.code != 200 {
		t.Fatalf("SA deleting an image: %d %s", r.code, r.body)
	}
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.createAccount("orka-ci", "runner")
	other := e.token("orka-ci", "runner", nil)
	expectError(t, e.send(other, "DELETE", imgPath+"/sequoia.orkasi", nil), 403, "Forbidden", "no access to namespace")
}

// [DOC] orka-api.md §8: POST .../images/{name}/description (the 2.4→3.0 API mapping); the
// body {"description": str} is [ASSUMED].
func TestImageDescription(t *testing.T) {
	e := newEnv(t, Options{})
	var img Image
	e.must(200, "POST", imgPath+"/sequoia.orkasi/description", map[string]any{"description": "golden, 2025-03"}).decode(t, &img)
	if img.Name != "sequoia.orkasi" || img.Description != "golden, 2025-03" || img.State != ImageReady {
		t.Fatalf("answer %+v", img)
	}
	e.must(200, "GET", imgPath+"/sequoia.orkasi", nil).decode(t, &img)
	if img.Description != "golden, 2025-03" {
		t.Fatalf("read back %+v", img)
	}
	e.must(200, "POST", imgPath+"/sequoia.orkasi/description", map[string]any{"description": ""}).decode(t, &img)
	if img.Description != "" {
		t.Fatalf("cleared description %+v", img)
	}
	expectError(t, e.do("POST", imgPath+"/sequoia.orkasi/description", map[string]any{}), 400, "BadRequest", "invalid value for description:")
	expectError(t, e.do("POST", imgPath+"/nope.orkasi/description", map[string]any{"description": "x"}), 404, "NotFound", "nope.orkasi")
}

// [DOC] orka-api.md §8: POST .../images/{name}/copy (the 2.4→3.0 API mapping); the body
// {"newName", "description" (default: the source's)}, the 409 for a taken name and the copy
// taking as long as a save are [ASSUMED].
func TestImageCopy(t *testing.T) {
	// A copy takes 2 minutes of 150 ms: long enough to copy an image still being written.
	e := newEnv(t, Options{Minute: 150 * time.Millisecond})
	var cp Image
	e.must(201, "POST", imgPath+"/sequoia.orkasi/copy", map[string]any{"newName": "sequoia-copy.orkasi"}).decode(t, &cp)
	if cp.Name != "sequoia-copy.orkasi" || cp.Description != "macOS Sequoia 15" || cp.Type != "arm64" || cp.State != ImageUpdating {
		t.Fatalf("copy answered %+v", cp)
	}
	if cp = e.waitImage("sequoia-copy.orkasi"); cp.State != ImageReady {
		t.Fatalf("copy once done %+v", cp)
	}
	e.must(201, "POST", imgPath+"/sequoia.orkasi/copy", map[string]any{"newName": "described-copy.orkasi", "description": "for CI"}).decode(t, &cp)
	if cp.Description != "for CI" {
		t.Fatalf("copy with a description %+v", cp)
	}
	if src := e.waitImage("sequoia.orkasi"); src.Description != "macOS Sequoia 15" {
		t.Fatalf("the source changed: %+v", src)
	}
	expectError(t, e.do("POST", imgPath+"/sequoia.orkasi/copy", map[string]any{"newName": "sequoia-copy.orkasi"}), 409, "AlreadyExists", "sequoia-copy.orkasi")
	expectError(t, e.do("POST", imgPath+"/sequoia.orkasi/copy", map[string]any{"newName": "90gbsonomassd.orkasi"}), 409, "AlreadyExists", "90gbsonomassd.orkasi")
	expectError(t, e.do("POST", imgPath+"/nope.orkasi/copy", map[string]any{"newName": "x.orkasi"}), 404, "NotFound", "nope.orkasi")
	expectError(t, e.do("POST", imgPath+"/sequoia.orkasi/copy", map[string]any{"newName": "Bad Name"}), 400, "BadRequest", "invalid value for newName:")
	expectError(t, e.do("POST", imgPath+"/sequoia.orkasi/copy", map[string]any{}), 400, "BadRequest", "invalid value for newName:")
	// A copy of an image still being written is refused.
	e.must(201, "POST", imgPath+"/sequoia.orkasi/copy", map[string]any{"newName": "fresh.orkasi"})
	expectError(t, e.do("POST", imgPath+"/fresh.orkasi/copy", map[string]any{"newName": "fresh2.orkasi"}), 400, "BadRequest", "Updating")
	// The copy is an image like any other: deployable once Ready.
	e.waitImage("fresh.orkasi")
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "from-copy", "image": "fresh.orkasi"}); vm.Status != "Running" {
		t.Fatalf("VM from a copy %+v", vm)
	}
}
