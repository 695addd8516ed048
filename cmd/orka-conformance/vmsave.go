package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// checkSave (-deploy-vm -save-image) saves the probe's running VM into a new scratch image,
// with a description, watches the image's state until it is Ready or Failed, checks the
// description, then saves into the same name again, which must be refused, and deletes the
// image (DELETE .../images/{image}, which MacStadium's 2.4-to-3.0 mapping documents). Whatever
// the run leaves of its saved images is deleted at its end (removeSavedImages).
func (p *probe) checkSave(ctx context.Context, ns, vm string) error {
	image := scratch.Name("img")
	description := "saved by orka-conformance from " + vm
	p.savedImages = append(p.savedImages, image) // before the POST: an answer lost on the way may still have saved it
	// The client sends only imageName; the description goes in beside it, as documented.
	withDescription := withRewrite(ctx, func(b []byte) []byte {
		d, _ := json.Marshal(description)
		return append([]byte(`{"description":`+string(d)+`,`), bytes.TrimPrefix(bytes.TrimSpace(b), []byte("{"))...)
	})
	if _, err := p.c.SaveVM(withDescription, ns, vm, orka.SaveVMRequest{ImageName: image}); err != nil {
		p.rep.contradict("vm-save-body", p.rec.latest(), p.rec, `saving VM %s with {"imageName": %q, "description": ...}: %v`, vm, image, err)
		return nil
	}
	final, ok := p.watchSave(ctx, image)
	if !ok {
		return ctx.Err()
	}
	if final != "" {
		p.checkDescription(ctx, image, description)
	}
	if final == orka.ImageStateReady {
		// A second save would start while (or although) the first failed: only after Ready.
		_, err := p.c.SaveVM(ctx, ns, vm, orka.SaveVMRequest{ImageName: image})
		if !p.expectStatus("vm-save-conflict", err, http.StatusConflict, "", "saving into an image name that is taken") && err == nil {
			p.fail("saving VM "+vm, fmt.Errorf("the second save into %s was accepted: Orka may be overwriting that image", image))
		}
	}
	if final != "" {
		return p.checkImageDelete(ctx, image)
	}
	return nil
}

// checkDescription reads the saved image's description back.
func (p *probe) checkDescription(ctx context.Context, image, description string) {
	const id = "save-description"
	img, err := p.c.GetImage(ctx, image)
	switch {
	case err != nil:
		p.fail("reading image "+image, err)
	case img.Description == description:
		p.rep.confirm(id, "image %s keeps the description sent (%q)", image, description)
	default:
		p.rep.contradict(id, p.rec.latest(), p.rec, "saved with description %q, image %s reads %q", description, image, img.Description)
	}
}

// checkImageDelete deletes a saved image and waits (a little) for it to be gone.
func (p *probe) checkImageDelete(ctx context.Context, image string) error {
	const id = "image-delete"
	ex, err := p.raw.do(ctx, http.MethodDelete, apiRoute("namespaces", orka.DefaultNamespace, "images", image), nil)
	switch {
	case err != nil:
		return err
	case routeMissing(ex):
		p.rep.contradict(id, ex, p.rec, "this cluster serves no DELETE .../images/{image} (%s)", describe(ex))
		return nil
	case !ex.ok():
		p.rep.contradict(id, ex, p.rec, "deleting image %s: %s", image, describe(ex))
		return nil
	}
	wait := min(imageDeleteWait, p.opts.SaveWait)
	deadline := time.Now().Add(wait)
	for {
		_, err := p.c.GetImage(ctx, image)
		switch {
		case orka.IsNotFound(err):
			p.rep.confirm(id, "DELETE of image %s answered %d; the image is gone", image, ex.Status)
			return nil
		case err != nil:
			return err
		case time.Now().After(deadline):
			p.rep.contradict(id, p.rec.latest(), p.rec, "DELETE of image %s answered %d, but the image is still there after %s", image, ex.Status, wait)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.opts.PollInterval):
		}
	}
}

// imageDeleteWait is how long a deleted image may still be found (at most -save-wait).
const imageDeleteWait = 2 * time.Minute

// watchSave polls a saved image until it leaves Updating and records vm-save-body and
// vm-save-image-state; it returns the last state seen, and false when the run was interrupted.
func (p *probe) watchSave(ctx context.Context, image string) (string, bool) {
	const bodyID, stateID = "vm-save-body", "vm-save-image-state"
	known := []string{orka.ImageStateUpdating, orka.ImageStateReady, orka.ImageStateFailed}
	var seen []string
	listed := false
	deadline := time.Now().Add(p.opts.SaveWait)
	for {
		img, err := p.c.GetImage(ctx, image)
		switch {
		case err == nil && !listed:
			listed = true
			p.rep.confirm(bodyID, "the save was accepted and image %s is found", image)
		case orka.IsNotFound(err) && !listed:
			// Not listed yet: the image may appear a moment after the save was accepted.
		case err != nil:
			p.fail("reading image "+image, err)
			return "", true
		}
		if listed {
			st := img.State
			switch {
			case st == "":
				p.rep.contradict(stateID, p.rec.latest(), p.rec, "image %s has no state (the client would read it as Ready at once)", image)
				return "", true
			case !slices.Contains(known, st):
				p.rep.contradict(stateID, p.rec.latest(), p.rec, "image %s has state %q, none of %s", image, st, strings.Join(known, ", "))
				return st, true
			}
			if len(seen) == 0 || seen[len(seen)-1] != st {
				seen = append(seen, st)
			}
			switch st {
			case orka.ImageStateReady:
				note := ""
				if seen[0] != orka.ImageStateUpdating {
					note = " (Updating not seen: the save was done before the first read)"
				}
				p.rep.confirm(stateID, "state %s%s; errorMessage not seen, as the save did not fail", strings.Join(seen, " -> "), note)
				return st, true
			case orka.ImageStateFailed:
				if img.ErrorMessage == "" {
					p.rep.contradict(stateID, p.rec.latest(), p.rec, "image %s is Failed without errorMessage", image)
				} else {
					p.rep.confirm(stateID, "state %s, errorMessage present", strings.Join(seen, " -> "))
					p.fail("saving into "+image, fmt.Errorf("the save failed: %s", img.ErrorMessage))
				}
				return st, true
			}
		}
		if time.Now().After(deadline) {
			if !listed {
				p.rep.contradict(bodyID, p.rec.latest(), p.rec, "the save was accepted, but image %s is not found after %s", image, p.opts.SaveWait)
			} else {
				p.rep.skip(stateID, "image %s is still %s after %s", image, seen[len(seen)-1], p.opts.SaveWait)
			}
			return "", true
		}
		select {
		case <-ctx.Done():
			return "", false
		case <-time.After(p.opts.PollInterval):
		}
	}
}

// removeSavedImages deletes the images this run's saves made that are still there. failed
// names those it could not delete (cleanup failed); byHand those the cluster has no route to
// delete, which only a person can remove.
func (p *probe) removeSavedImages(ctx context.Context) (failed, byHand []string) {
	for _, image := range p.savedImages {
		_, err := p.c.GetImage(ctx, image)
		switch {
		case orka.IsNotFound(err):
			continue
		case err != nil:
			failed = append(failed, fmt.Sprintf("image %s may exist (reading it failed: %v): check with `orka3 image list %s`", image, err, image))
			continue
		}
		ex, err := p.raw.do(ctx, http.MethodDelete, apiRoute("namespaces", orka.DefaultNamespace, "images", image), nil)
		switch {
		case err != nil:
			failed = append(failed, fmt.Sprintf("image %s (saved by -save-image): deleting it: %v", image, err))
		case routeMissing(ex):
			byHand = append(byHand, fmt.Sprintf("image %s (saved by -save-image; this cluster serves no DELETE .../images/{image}): remove it with `orka3 image delete %s`", image, image))
		case !ex.ok():
			failed = append(failed, fmt.Sprintf("image %s (saved by -save-image): deleting it: %s", image, describe(ex)))
		}
	}
	return failed, byHand
}
