package orkasim

import (
	"fmt"
	"net/http"
	"regexp"
	"time"
)

// Saving a VM into a new image and pushing a VM to an OCI registry (orka-api.md §5).
//
// Timing: both take saveMinutes minutes of the simulator's clock (Options.Minute), so tests
// that shrink Minute are fast, and the default (a real minute) is as slow as saving a 90 GB
// disk on a real cluster. A save's image is Updating until then and Ready (or Failed) after;
// it shows in GET .../images at once and can be deployed, or named by a VM config's deploy,
// only once Ready. A save fails when its source VM is deleted before it finished, or when
// FailNextSave asked for it. A push job is recorded (PushJobs) but, as on a real cluster,
// nothing on the REST API reports its progress.

// Image states, as the Image custom resource spells them.
const (
	ImageUpdating = "Updating"
	ImageReady    = "Ready"
	ImageFailed   = "Failed"
)

// saveMinutes is how many simulated minutes a save or a push takes. [ASSUMED: realistic for a
// macOS disk; MacStadium documents no figure].
const saveMinutes = 2

// imageNameRE is the Kubernetes object-name rule (a DNS subdomain), which image names follow
// because images are custom resources. [ASSUMED as the rule Orka applies to a saved image].
var imageNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)

// saveRec is an image being saved, or copied when vm is "".
type saveRec struct {
	ns, vm  string
	readyAt time.Time
	fail    string // when set, the save ends Failed with this message
}

// PushJob is one push the simulator accepted. Tests read them with PushJobs; Orka's REST API
// has no route that shows them.
type PushJob struct {
	JobName        string
	Namespace      string
	VM             string
	ImageReference string
	Started        time.Time
	Done           time.Time
}

// saveInput is the body of POST .../vms/{name}/save [DOC: the API quick start].
type saveInput struct {
	ImageName   string `json:"imageName"`
	Description string `json:"description"`
}

type pushInput struct {
	ImageReference string `json:"imageReference"`
}

// pushAnswer is the documented answer of a push: 200 {"jobName": "vm-push-xxxxx"} [DOC:
// orka-api.md §5; the Packer plugin treats only 200 as success].
type pushAnswer struct {
	JobName string `json:"jobName"`
}

// sourceVMLocked finds the VM a save or push reads from; it must be Running, since a Pending
// VM has no disk yet. [ASSUMED: Orka's rule for a VM that is not running].
func (s *Server) sourceVMLocked(c *call) (*vmState, error) {
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return nil, err
	}
	vm := ns.vms[c.params["name"]]
	if vm == nil {
		return nil, notFound("VM %q not found in namespace %q", c.params["name"], c.ns())
	}
	if vm.vm.Status != StatusRunning {
		return nil, errorf(http.StatusBadRequest, "BadRequest",
			"VM %q in namespace %q is %s; only a Running VM can be saved or pushed", vm.vm.Name, c.ns(), vm.vm.Status)
	}
	return vm, nil
}

func (s *Server) saveVM(c *call) (int, any, error) {
	var in saveInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if len(in.ImageName) > 253 || !imageNameRE.MatchString(in.ImageName) {
		return 0, nil, invalid("imageName", in.ImageName,
			"must be at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	vm, err := s.sourceVMLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if s.st.image(in.ImageName) != nil {
		return 0, nil, alreadyExists("image %q already exists in namespace %s", in.ImageName, defaultNamespace)
	}
	// The image carries exactly the description sent, none when none was sent.
	s.st.images = append(s.st.images, Image{
		Name: in.ImageName, Description: in.Description, Type: vm.vm.Type, State: ImageUpdating,
	})
	s.st.saves[in.ImageName] = &saveRec{ns: c.ns(), vm: vm.vm.Name,
		readyAt: time.Now().Add(saveMinutes * s.opts.Minute), fail: s.failNextSave}
	s.failNextSave = ""
	return http.StatusOK, successStatus(fmt.Sprintf("saving VM %q into image %q", vm.vm.Name, in.ImageName)), nil
}

func (s *Server) pushVM(c *call) (int, any, error) {
	var in pushInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if !isOCIRef(in.ImageReference) {
		return 0, nil, invalid("imageReference", in.ImageReference,
			"must be an OCI reference such as ghcr.io/org/macos:tuned")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	vm, err := s.sourceVMLocked(c)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	job := PushJob{
		JobName:   s.st.newPushJobName(),
		Namespace: c.ns(), VM: vm.vm.Name, ImageReference: in.ImageReference,
		Started: now, Done: now.Add(saveMinutes * s.opts.Minute),
	}
	s.st.pushJobs = append(s.st.pushJobs, job)
	return http.StatusOK, pushAnswer{JobName: job.JobName}, nil
}

// newPushJobName is "vm-push-" and 5 random lowercase letters and digits [DOC: orka-api.md §5,
// "a push job ID in the vm-push- format"; the suffix is Kubernetes' generateName suffix],
// unique among the jobs so far.
func (st *state) newPushJobName() string {
	for {
		name := "vm-push-" + randomSuffix(5)
		if _, ok := st.pushJob(name); !ok {
			return name
		}
	}
}

func (st *state) pushJob(name string) (PushJob, bool) {
	for _, j := range st.pushJobs {
		if j.JobName == name {
			return j, true
		}
	}
	return PushJob{}, false
}

// PushJob looks up an accepted push by the jobName its answer gave. Orka's REST API has no
// such route; this is for tests.
func (s *Server) PushJob(jobName string) (PushJob, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.pushJob(jobName)
}

// settleSavesLocked moves images whose save is due to Ready or Failed, and fails those whose
// source VM is gone.
func (st *state) settleSaves() {
	now := time.Now()
	for name, rec := range st.saves {
		img := st.imageRaw(name)
		if img == nil {
			delete(st.saves, name)
			continue
		}
		var vmGone bool
		if ns := st.namespaces[rec.ns]; rec.vm != "" && (ns == nil || ns.vms[rec.vm] == nil) {
			vmGone = true
		}
		switch {
		case vmGone:
			img.State = ImageFailed
			img.ErrorMessage = fmt.Sprintf("source VM %s/%s was deleted before the save finished", rec.ns, rec.vm)
		case now.Before(rec.readyAt):
			continue
		case rec.fail != "":
			img.State, img.ErrorMessage = ImageFailed, rec.fail
		default:
			img.State = ImageReady
		}
		delete(st.saves, name)
	}
}

// FailNextSave makes the next save the simulator accepts end Failed, with message as the
// image's errorMessage, when it would have been Ready.
func (s *Server) FailNextSave(message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if message == "" {
		message = "saving the VM's disk failed"
	}
	s.failNextSave = message
}

// PushJobs lists the pushes accepted so far.
func (s *Server) PushJobs() []PushJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PushJob{}, s.st.pushJobs...)
}
