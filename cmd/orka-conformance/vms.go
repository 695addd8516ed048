package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// deployMemory is the explicit memory of the probe's running VM: not what its VM config
// (cpu 4) derives, so that reading it back shows the deploy's value won.
const deployMemory = 6.5

// deployAnswerFields are the fields of a deploy answer, in the order MacStadium's API quick
// start shows them, and the one it may add.
var (
	deployAnswerFields   = []string{"name", "node", "memory", "ip", "ssh", "vnc", "screenshare", "status"}
	deployAnswerOptional = []string{"portWarnings"}
)

// vmItemOptionalFields are the VM item fields the documents leave open (vm-item-fields).
var vmItemOptionalFields = []string{"namespace", "vmConfig", "type"}

// deployed is the probe's running VM and what it was deployed with.
type deployed struct {
	ns, name string
	req      orka.DeployVMRequest
	answer   *exchange
}

// deploy deploys a VM under a fresh scratch name that cleanup deletes.
func (p *probe) deploy(ctx context.Context, ns string, req orka.DeployVMRequest) (*deployed, *orka.VM, error) {
	req.Name = scratch.Name("vm")
	name := req.Name
	p.track("VM "+ns+"/"+name, func(ctx context.Context) error { return p.c.DeleteVM(ctx, ns, name) })
	vm, err := p.c.DeployVM(ctx, ns, req)
	return &deployed{ns: ns, name: name, req: req, answer: p.rec.latest()}, vm, err
}

func (p *probe) checkVMs(ctx context.Context) error {
	if _, err := p.c.ListVMs(ctx, p.nsA); err != nil {
		p.fail("listing the VMs of "+p.nsA, err)
	}
	if !p.opts.DeployVM {
		p.rep.note("memory-read-back", "the VM part needs -deploy-vm")
		return nil
	}
	if p.cfg == "" {
		return nil
	}
	ns := p.opts.DeployNamespace
	off := false
	base := orka.DeployVMRequest{VMConfig: p.cfg, VNCConsole: &off, Memory: deployMemory, Timeout: p.opts.DeployTimeout}
	extras := base
	extras.ReservedPorts = fmt.Sprintf("%d:8080/tcp", 40000+rand.IntN(1000)) //nolint:gosec // a port, not a secret
	extras.DisplayWidth, extras.DisplayHeight = 1024, 768
	extras.CustomMetadata = map[string]string{"orka-conformance": scratch.Name("md")}
	d, vm, err := p.deploy(ctx, ns, extras)
	if ae := apiError(err); ae != nil && ae.StatusCode == http.StatusBadRequest {
		p.rep.contradict("deploy-extras", d.answer, p.rec, "a deploy with reservedPorts %q, display %dx%d and customMetadata was refused: %v",
			extras.ReservedPorts, extras.DisplayWidth, extras.DisplayHeight, err)
		p.rep.skip("vm-get-custom-metadata", "the deploy with customMetadata was refused (see deploy-extras)")
		d, vm, err = p.deploy(ctx, ns, base)
	} else if err == nil {
		p.rep.confirm("deploy-extras", "reservedPorts %q, display %dx%d and customMetadata %v were accepted",
			extras.ReservedPorts, extras.DisplayWidth, extras.DisplayHeight, extras.CustomMetadata)
		if vm.PortWarnings != "" {
			p.rep.note("deploy-extras", "portWarnings: %s", vm.PortWarnings)
		}
	}
	if err != nil {
		return fmt.Errorf("deploying %s in %s: %w", d.name, ns, err)
	}
	p.checkDeployAnswer(d.answer)
	if vm.VNC == nil {
		p.rep.confirm("vm-deploy-vnc-console", "deployed with vncConsole false over a config with it on: no VNC port")
	} else {
		p.rep.contradict("vm-deploy-vnc-console", d.answer, p.rec, "deployed with vncConsole false over a config with it on: VNC port %d", *vm.VNC)
	}
	if err := p.checkVMReads(ctx, d); err != nil {
		return err
	}
	_, err = p.c.DeployVM(ctx, ns, orka.DeployVMRequest{Name: d.name, VMConfig: p.cfg, Timeout: 1})
	p.expectCode("vm-name-taken-409", err, http.StatusConflict, "deploying a second VM named "+d.name+" in "+ns)
	if p.opts.SaveImage {
		if err := p.checkSave(ctx, ns, d.name); err != nil {
			p.fail("saving VM "+d.name, err)
		}
	}
	if p.opts.PushImage != "" {
		p.checkPush(ctx, ns, d.name)
	}
	gone := p.checkVMOwnership(ctx, ns, d.name)
	if err := p.c.DeleteVM(ctx, ns, d.name); err != nil && (!gone || !orka.IsNotFound(err)) {
		p.fail("deleting VM "+d.name, err)
	}
	_, err = p.c.GetVM(ctx, ns, d.name)
	p.expectStatus("error-codes", err, http.StatusNotFound, "NotFound", "reading a deleted VM")
	if err := p.checkUnschedulable(ctx); err != nil {
		return err
	}
	return p.checkGeneratedNames(ctx)
}

// checkDeployAnswer looks at the fields of the deploy answer: MacStadium's quick start and its
// GitHub Actions integration show only deployAnswerFields (and portWarnings).
func (p *probe) checkDeployAnswer(ex *exchange) {
	const id = "deploy-answer-fields"
	obj := jsonObject(ex.body)
	if obj == nil {
		p.rep.contradict(id, ex, p.rec, "the deploy answer is not a JSON object")
		return
	}
	var shown, extra []string
	for _, f := range deployAnswerFields {
		if _, ok := obj[f]; ok {
			shown = append(shown, f)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(obj)) {
		switch {
		case slices.Contains(deployAnswerOptional, f):
			shown = append(shown, f)
		case !slices.Contains(deployAnswerFields, f):
			extra = append(extra, f)
		}
	}
	if len(extra) > 0 {
		p.rep.variant(id, "extra: "+strings.Join(extra, ","))
		p.rep.contradict(id, ex, p.rec, "the deploy answer carries %s beyond the documented %s", strings.Join(extra, ", "), strings.Join(shown, ","))
		return
	}
	p.rep.variant(id, "minimal: "+strings.Join(shown, ","))
	p.rep.confirm(id, "the deploy answer carries %s", strings.Join(shown, ", "))
}

// carries says whether an object has a field with a value (not null, not an empty string).
func carries(obj map[string]json.RawMessage, key string) bool {
	v, ok := obj[key]
	s := strings.TrimSpace(string(v))
	return ok && s != "null" && s != `""`
}

// checkVMReads reads the running VM back, from the namespace's list and by name, and looks at
// the fields the documents leave open and at what the deploy asked for.
func (p *probe) checkVMReads(ctx context.Context, d *deployed) error {
	vms, err := p.c.ListVMs(ctx, d.ns)
	if err != nil {
		return err
	}
	listEx := p.rec.latest()
	listObj := listItem(listEx.body, d.name)
	i := slices.IndexFunc(vms, func(v orka.VM) bool { return v.Name == d.name })
	switch {
	case i < 0 || listObj == nil:
		p.fail("listing VMs", fmt.Errorf("%s is not in the list", d.name))
	default:
		p.checkListedValue("vm-item-namespace", "namespace", listObj, vms[i].Namespace, d.ns, listEx)
		p.checkListedValue("vm-item-vmconfig", "vmConfig", listObj, vms[i].VMConfig, p.cfg, listEx)
	}
	got, err := p.c.GetVM(ctx, d.ns, d.name)
	if err != nil {
		p.fail("reading VM "+d.name, err)
		return nil
	}
	getEx := p.rec.latest()
	getObj := jsonObject(getEx.body)
	if listObj != nil && getObj != nil {
		p.checkVMItemFields(listObj, getObj)
		if d.req.CustomMetadata != nil {
			p.checkCustomMetadata(d.req.CustomMetadata, listObj, getObj, listEx, getEx)
		}
	}
	const id = "memory-read-back"
	if mem, err := orka.ParseMemoryGiB(got.Memory); err != nil {
		p.rep.contradict(id, getEx, p.rec, "a VM deployed with memory %v reads back memory %q, which is not a quantity: %v", d.req.Memory, got.Memory, err)
	} else if math.Abs(mem-d.req.Memory) < 0.05 {
		p.rep.confirm(id, "a VM deployed with memory %v (its VM config derives %.1f) reads back %q", d.req.Memory, math.Round(4*1.5*10)/10, got.Memory)
	} else {
		p.rep.contradict(id, getEx, p.rec, "a VM deployed with memory %v reads back %q", d.req.Memory, got.Memory)
	}
	return nil
}

// checkListedValue looks at one field of the VM's list item: when the item carries it, it must
// be the VM's own value; an item that leaves it out is accepted, as orka-api.md §5 leaves that
// open (vm-item-fields says which fields the cluster gives).
func (p *probe) checkListedValue(id, field string, listObj map[string]json.RawMessage, got, want string, listEx *exchange) {
	switch {
	case !carries(listObj, field):
		p.rep.confirm(id, "the item leaves %s out, which the documents allow (see vm-item-fields)", field)
	case got == want:
		p.rep.confirm(id, "the item carries %s %s", field, want)
	default:
		p.rep.contradict(id, listEx, p.rec, "the item's %s is %q, not %q", field, got, want)
	}
}

// checkVMItemFields says which of namespace, vmConfig and type the VM's list item and GET
// answer carry. The documents leave it open, so every answer is accepted: the variant says
// which the cluster gave.
func (p *probe) checkVMItemFields(listObj, getObj map[string]json.RawMessage) {
	const id = "vm-item-fields"
	has := func(obj map[string]json.RawMessage) (yes, no []string) {
		for _, f := range vmItemOptionalFields {
			if carries(obj, f) {
				yes = append(yes, f)
			} else {
				no = append(no, f)
			}
		}
		return yes, no
	}
	lyes, lno := has(listObj)
	gyes, gno := has(getObj)
	switch {
	case len(lno) == 0 && len(gno) == 0:
		p.rep.variant(id, "full")
	case len(lyes) == 0 && len(gyes) == 0:
		p.rep.variant(id, "sparse")
	default:
		p.rep.variant(id, fmt.Sprintf("partial: list [%s], GET [%s]", strings.Join(lyes, " "), strings.Join(gyes, " ")))
	}
	p.rep.confirm(id, "the list item carries [%s], lacks [%s]; GET carries [%s], lacks [%s]",
		strings.Join(lyes, " "), strings.Join(lno, " "), strings.Join(gyes, " "), strings.Join(gno, " "))
}

// checkCustomMetadata says whether the VM's list item and GET answer return the customMetadata
// it was deployed with ("returned") or leave it out ("absent"); returning other values
// contradicts.
func (p *probe) checkCustomMetadata(sent map[string]string, listObj, getObj map[string]json.RawMessage, listEx, getEx *exchange) {
	const id = "vm-get-custom-metadata"
	// returned: every key sent, with its value; absent: none of them.
	look := func(obj map[string]json.RawMessage) (returned, absent bool, got string) {
		var md map[string]string
		if carries(obj, "customMetadata") && json.Unmarshal(obj["customMetadata"], &md) != nil {
			return false, false, string(obj["customMetadata"])
		}
		n := 0
		for k, v := range sent {
			if gv, ok := md[k]; ok {
				if gv != v {
					return false, false, fmt.Sprintf("%v", md)
				}
				n++
			}
		}
		return n == len(sent), n == 0, fmt.Sprintf("%v", md)
	}
	lret, labs, lgot := look(listObj)
	gret, gabs, ggot := look(getObj)
	switch {
	case !lret && !labs:
		p.rep.contradict(id, listEx, p.rec, "deployed with customMetadata %v, the list item reads %s", sent, lgot)
	case !gret && !gabs:
		p.rep.contradict(id, getEx, p.rec, "deployed with customMetadata %v, GET reads %s", sent, ggot)
	case lret && gret:
		p.rep.variant(id, "returned")
		p.rep.confirm(id, "deployed with customMetadata %v: GET and the list item return it", sent)
	case labs && gabs:
		p.rep.variant(id, "absent")
		p.rep.confirm(id, "deployed with customMetadata %v: neither GET nor the list item returns it", sent)
	case gret:
		p.rep.variant(id, "get-only")
		p.rep.confirm(id, "deployed with customMetadata %v: GET returns it, the list item does not", sent)
	default:
		p.rep.variant(id, "list-only")
		p.rep.confirm(id, "deployed with customMetadata %v: the list item returns it, GET does not", sent)
	}
}

// checkPush (-push-image REF) pushes the running VM to REF and looks at Orka's answer only:
// 200 with a job name in the vm-push- form, as MacStadium documents it and its Packer plugin
// requires. No REST route reports the job's progress, so the probe does not wait for it.
func (p *probe) checkPush(ctx context.Context, ns, vm string) {
	const id = "push-answer"
	ref := p.opts.PushImage
	_, err := p.c.PushVM(ctx, ns, vm, orka.PushVMRequest{ImageReference: ref})
	ex := p.rec.latest()
	if ex != nil && ex.ok() {
		p.leftOnPurpose = append(p.leftOnPurpose, fmt.Sprintf("whatever the push of VM %s/%s reached in %s (-push-image: the registry keeps it; the probe deleted its VM right after the answer, which may have cut the push short)", ns, vm, ref))
	}
	job := stringField(jsonObject(ex.body), "jobName")
	switch {
	case err != nil && (ex == nil || !ex.ok()):
		p.rep.contradict(id, ex, p.rec, "pushing VM %s to %s: %v", vm, ref, err)
	case ex.Status != http.StatusOK:
		p.rep.contradict(id, ex, p.rec, "pushing VM %s answered %d; MacStadium's Packer plugin takes only 200 as success", vm, ex.Status)
	case !strings.HasPrefix(job, "vm-push-"):
		p.rep.contradict(id, ex, p.rec, "pushing VM %s answered 200 with jobName %q, not of the form vm-push-xxxxx", vm, job)
	default:
		p.rep.confirm(id, "pushing VM %s to %s answered 200 with jobName %s", vm, ref, job)
	}
}

// checkUnschedulable deploys a VM that requires a tag no node has (a fresh scratch tag), so
// that no node can hold it, with Orka's shortest timeout. It uses no capacity.
func (p *probe) checkUnschedulable(ctx context.Context) error {
	const id = "vm-unschedulable-pending"
	name, tag, on := scratch.Name("vm"), scratch.Name("tag"), true
	p.track("VM "+p.nsA+"/"+name, func(ctx context.Context) error { return p.c.DeleteVM(ctx, p.nsA, name) })
	vm, err := p.c.DeployVM(ctx, p.nsA, orka.DeployVMRequest{Name: name, VMConfig: p.cfg, Tag: tag, TagRequired: &on, Timeout: 1})
	ex := p.rec.latest()
	if err == nil && vm.Status == orka.VMStatusRunning {
		p.rep.contradict(id, ex, p.rec, "a VM requiring a tag no node has is Running on %s", vm.Node)
		return nil
	}
	status := "2xx"
	ae := apiError(err)
	if ae != nil {
		status = fmt.Sprint(ae.StatusCode)
	} else if err != nil {
		return err
	}
	if ae != nil && ae.StatusCode == http.StatusInternalServerError && ae.Reason == "Timeout" {
		p.rep.confirm("deploy-timeout-error", "a deploy no node could hold answered 500 Timeout after its 1-minute timeout")
	} else {
		reason := ""
		if ae != nil {
			reason = " " + ae.Reason
		}
		p.rep.contradict("deploy-timeout-error", ex, p.rec, "a deploy no node could hold answered %s%s after its 1-minute timeout", status, reason)
	}
	left, gerr := p.c.GetVM(ctx, p.nsA, name)
	switch {
	case orka.IsNotFound(gerr):
		p.rep.contradict(id, ex, p.rec, "the deploy answered %s and left no VM behind", status)
	case gerr != nil:
		return gerr
	case left.Status != orka.VMStatusPending && left.Status != orka.VMStatusFailed:
		p.rep.contradict(id, ex, p.rec, "the deploy answered %s and left the VM %s", status, left.Status)
	default:
		p.rep.confirm(id, "after its 1-minute timeout the deploy answered %s and left the VM %s", status, left.Status)
		// The VM the run's token left behind, in the scratch namespace: the second token's
		// last chance to show it may not delete it.
		p.checkVMOwnership(ctx, p.nsA, name)
	}
	if err := p.c.DeleteVM(ctx, p.nsA, name); err != nil && !orka.IsNotFound(err) {
		p.fail("deleting VM "+name, err)
	}
	return nil
}

// checkGeneratedNames deploys twice into the scratch namespace without choosing the name: once
// with none, once with a name and shouldGenerateName (as the Jenkins plugin does). Like the
// unschedulable deploy, each requires a tag no node has and waits Orka's shortest timeout, so
// no capacity is used; the name comes from the answer, or else from the namespace's list,
// where any VM the probe did not name is one of these. Each is deleted at once (and the
// scratch namespace's removal deletes whatever a lost answer hid).
func (p *probe) checkGeneratedNames(ctx context.Context) error {
	const id = "deploy-generated-name"
	tag, prefix := scratch.Name("tag"), scratch.Name("vm")
	base := map[string]any{"vmConfig": p.cfg, "tag": tag, "tagRequired": true, "timeout": 1}
	withName := maps.Clone(base)
	withName["name"], withName["shouldGenerateName"] = prefix, true
	for _, c := range []struct {
		what string
		body map[string]any
	}{
		{"a deploy without a name", base},
		{"a deploy named " + prefix + " with shouldGenerateName", withName},
	} {
		before, err := p.vmNames(ctx, p.nsA)
		if err != nil {
			return err
		}
		dctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		ex, err := p.raw.deploy(dctx, apiRoute("namespaces", p.nsA, "vms"), c.body)
		cancel()
		if err != nil {
			p.fail(c.what, err)
			continue
		}
		name, from := "", "its answer"
		if ex.ok() {
			name = stringField(jsonObject(ex.body), "name")
		}
		if name == "" {
			after, err := p.vmNames(ctx, p.nsA)
			if err != nil {
				return err
			}
			var added []string
			for _, n := range after {
				if !slices.Contains(before, n) {
					added = append(added, n)
				}
			}
			if len(added) == 1 {
				name, from = added[0], fmt.Sprintf("the namespace's list (the deploy answered %s)", describe(ex))
			}
		}
		if name == "" {
			p.rep.note(id, "%s: answered %s and left no VM whose name could be read", c.what, describe(ex))
			continue
		}
		if err := p.c.DeleteVM(ctx, p.nsA, name); err != nil && !orka.IsNotFound(err) {
			p.fail("deleting VM "+name, err)
		}
		_, named := c.body["name"]
		switch {
		case !named:
			form := "the documented form vm-xxxxx"
			if !strings.HasPrefix(name, "vm-") {
				form = "not the documented form vm-xxxxx"
			}
			p.rep.confirm(id, "%s was named %q (%s), read from %s", c.what, name, form, from)
		case name == prefix:
			p.rep.contradict(id, ex, p.rec, "%s kept that name: shouldGenerateName was ignored", c.what)
		case !strings.HasPrefix(name, prefix):
			p.rep.contradict(id, ex, p.rec, "%s was named %q, which does not start with the name sent", c.what, name)
		default:
			join := "appended directly"
			if name[len(prefix)] == '-' {
				join = `joined with "-"`
			}
			p.rep.confirm(id, "%s was named %q (the suffix %s), read from %s", c.what, name, join, from)
		}
	}
	if res := p.rep.get(id); res.Outcome == "" {
		p.rep.skip(id, "no deploy without a chosen name left a VM whose name could be read")
	}
	return nil
}

// vmNames lists the names of a namespace's VMs.
func (p *probe) vmNames(ctx context.Context, ns string) ([]string, error) {
	vms, err := p.c.ListVMs(orka.Fresh(ctx), ns)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range vms {
		out = append(out, v.Name)
	}
	return out, nil
}
