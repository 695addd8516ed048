package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// checkSave (-deploy-vm -save-image) saves the probe's running VM into a new scratch image,
// watches the image's state until it is Ready or Failed, then saves into the same name again,
// which must be refused. The API notes list no route that deletes an image, so the image
// stays: the report names it, and how to remove it.
func (p *probe) checkSave(ctx context.Context, ns, vm string) error {
	image := scratch.Name("img")
	p.savedImages = append(p.savedImages, image) // before the POST: an answer lost on the way may still have saved it
	if _, err := p.c.SaveVM(ctx, ns, vm, orka.SaveVMRequest{ImageName: image}); err != nil {
		p.rep.contradict("vm-save-body", p.rec.latest(), p.rec, `saving VM %s with {"imageName": %q}: %v`, vm, image, err)
		return nil
	}
	final, ok := p.watchSave(ctx, image)
	if !ok {
		return ctx.Err()
	}
	if final != orka.ImageStateReady {
		return nil // a second save would start while (or although) the first failed
	}
	_, err := p.c.SaveVM(ctx, ns, vm, orka.SaveVMRequest{ImageName: image})
	if !p.expectStatus("vm-save-conflict", err, http.StatusConflict, "", "saving into an image name that is taken") && err == nil {
		p.fail("saving VM "+vm, fmt.Errorf("the second save into %s was accepted: Orka may be overwriting that image", image))
	}
	return nil
}

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

// imagesLeft names the images this run's saves left (no REST route deletes them).
func (p *probe) imagesLeft(ctx context.Context) []string {
	var out []string
	for _, image := range p.savedImages {
		_, err := p.c.GetImage(ctx, image)
		switch {
		case err == nil:
			out = append(out, fmt.Sprintf("image %s (saved by -save-image; no REST route deletes an image: remove it with `orka3 image delete %s`)", image, image))
		case !orka.IsNotFound(err):
			out = append(out, fmt.Sprintf("image %s may exist (reading it failed: %v): check with `orka3 image list %s`", image, err, image))
		}
	}
	return out
}
