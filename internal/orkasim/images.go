package orkasim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Images (orka-api.md §8): listed, read, deleted, described and copied in orka-default.
// Regular service accounts may manage images [DOC: the access matrix], so every image route
// asks only for access to the namespace.

// imagesNamespace checks that images are asked for in orka-default, where they all live.
func (s *Server) imagesNamespace(ns string) error {
	if _, err := s.nsLocked(ns); err != nil {
		return err
	}
	if ns != defaultNamespace {
		return invalid("namespace", ns, "images live in namespace orka-default")
	}
	return nil
}

func (s *Server) listImages(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.imagesNamespace(c.ns()); err != nil {
		return 0, nil, err
	}
	s.st.settleSaves()
	return http.StatusOK, listOf(append([]Image{}, s.st.images...)), nil
}

// imageLocked finds the image of an .../images/{name} route, or answers 404.
func (s *Server) imageLocked(c *call) (*Image, error) {
	if err := s.imagesNamespace(c.ns()); err != nil {
		return nil, err
	}
	img := s.st.image(c.params["name"])
	if img == nil {
		return nil, notFound("image %q not found in namespace %s", c.params["name"], defaultNamespace)
	}
	return img, nil
}

func (s *Server) getImage(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	img, err := s.imageLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, *img, nil
}

// deleteImage refuses an image in use [DOC: orka-api.md §8, the CLI troubleshooting
// reference]: an Intel image while any VM uses it, an Apple-silicon image while more than one
// does. A VM uses an image when it was deployed from it, whatever its status. ASSUMED: 409
// Conflict; the message names the VMs.
func (s *Server) deleteImage(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	img, err := s.imageLocked(c)
	if err != nil {
		return 0, nil, err
	}
	var users []string
	for _, vm := range s.st.allVMs() {
		if vm.vm.Image == img.Name {
			users = append(users, vm.vm.Namespace+"/"+vm.vm.Name)
		}
	}
	if img.Type == "amd64" && len(users) > 0 {
		return 0, nil, conflict("image %q is in use by VM(s) %s: an Intel image cannot be deleted while any VM uses it; delete the VM(s) first",
			img.Name, strings.Join(users, ", "))
	}
	if img.Type != "amd64" && len(users) > 1 {
		return 0, nil, conflict("image %q is in use by VM(s) %s: an Apple-silicon image cannot be deleted while more than one VM uses it; delete VMs first",
			img.Name, strings.Join(users, ", "))
	}
	name := img.Name
	s.st.images = slices.DeleteFunc(s.st.images, func(i Image) bool { return i.Name == name })
	delete(s.st.saves, name)
	return http.StatusOK, successStatus(fmt.Sprintf("image %q deleted", name)), nil
}

// describeImage sets an image's description and answers the image.
func (s *Server) describeImage(c *call) (int, any, error) {
	var in imageDescriptionInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Description == nil {
		return 0, nil, invalid("description", "", "is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	img, err := s.imageLocked(c)
	if err != nil {
		return 0, nil, err
	}
	img.Description = *in.Description
	return http.StatusOK, *img, nil
}

// copyImage copies a Ready image under a new name. The copy is Updating for as long as a save
// takes, then Ready. ASSUMED: the copy's timing and the refusal of a source that is not Ready.
func (s *Server) copyImage(c *call) (int, any, error) {
	var in imageCopyInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if len(in.NewName) > 253 || !imageNameRE.MatchString(in.NewName) {
		return 0, nil, invalid("newName", in.NewName,
			"must be at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.imageLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if src.State != ImageReady {
		return 0, nil, badRequest("image %q is %s; only a Ready image can be copied", src.Name, src.State)
	}
	if s.st.image(in.NewName) != nil {
		return 0, nil, alreadyExists("image %q already exists in namespace %s", in.NewName, defaultNamespace)
	}
	cp := Image{Name: in.NewName, Description: src.Description, Type: src.Type, State: ImageUpdating}
	if in.Description != nil {
		cp.Description = *in.Description
	}
	s.st.images = append(s.st.images, cp)
	s.st.saves[cp.Name] = &saveRec{readyAt: time.Now().Add(saveMinutes * s.opts.Minute)}
	return http.StatusCreated, cp, nil
}
