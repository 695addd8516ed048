package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// Ownership (vm-delete-ownership, orka-api.md §5): MacStadium's access matrix lets Tech users
// and regular service accounts delete only their own VMs and VM configs. Checking it takes a
// second token of such a subject, given in ORKA_CONFORMANCE_OTHER_TOKEN; the run's own
// (administrator's) token creates what the second token then tries to delete.
//   - VM configs (every run): the second token first creates and deletes a VM config of its
//     own, so that a 403 on the administrator's one shows ownership, not a missing right.
//   - VMs (-deploy-vm): the probe's running VM in -deploy-namespace, when the second token may
//     list that namespace's VMs; otherwise the Pending VM the unschedulable deploy leaves in
//     the scratch namespace, into whose orka-dev binding the probe puts a service account's
//     token (a user token cannot be bound by the probe: its user name is not known).

const ownershipID = "vm-delete-ownership"

// otherToken is what the run knows about the second token.
type otherToken struct {
	c *orka.Client
	// unusable is set when nothing can be checked with it (an administrator's token, or one
	// that is refused).
	unusable bool
	vmDone   bool     // the VM part was checked
	vmWhy    []string // why the VM part could not be checked, so far
}

// checkConfigOwnership sets up the second token and checks the VM-config part.
func (p *probe) checkConfigOwnership(ctx context.Context) error {
	oc := p.c.WithToken(p.opts.OtherToken)
	o := &otherToken{c: oc}
	p.other = o
	// Only an administrator may list registry credentials: a token that may is not the
	// subject this item is about.
	if _, err := oc.ListRegistryCredentials(ctx, orka.DefaultNamespace); err == nil {
		o.unusable = true
		p.rep.skip(ownershipID, "the token in %s may list registry credentials, so it is an administrator's: give a Tech user's or a regular service account's token", otherTokenEnv)
		return nil
	} else if !orka.IsForbidden(err) {
		o.unusable = true
		p.rep.skip(ownershipID, "the token in %s could not be used: %v", otherTokenEnv, err)
		return nil
	}
	if k := oc.TokenKind(); k.ServiceAccount && p.opts.DeployVM {
		ref := orka.ServiceAccountRef{Name: k.Name, Namespace: k.Namespace}
		change := orka.SubjectsChange{ServiceAccounts: []orka.ServiceAccountRef{ref}}
		p.track("subject "+k.Namespace+"/"+k.Name+" of "+p.nsA, func(ctx context.Context) error {
			err := p.c.RemoveRoleBindingSubjects(ctx, p.nsA, change)
			if orka.IsNotFound(err) {
				return nil
			}
			return err
		})
		if err := p.c.AddRoleBindingSubjects(ctx, p.nsA, change); err != nil {
			o.vmWhy = append(o.vmWhy, fmt.Sprintf("binding it to %s failed: %v", p.nsA, err))
		}
	}
	if p.cfg == "" {
		p.rep.note(ownershipID, "VM configs: not checked: the probe could not create VM configs")
		return nil
	}
	if _, err := oc.ListVMConfigs(ctx); err != nil {
		p.rep.note(ownershipID, "VM configs: not checked: the second token cannot list them (%v)", err)
		return nil
	}
	own := scratch.Name("cfg")
	if err := p.createConfig(ctx, oc, orka.VMConfig{Name: own, Image: p.image, CPU: 3}); err != nil {
		p.rep.note(ownershipID, "VM configs: not checked: the second token cannot create one of its own (%v)", err)
		return nil
	}
	if err := oc.DeleteVMConfig(ctx, own); err != nil {
		p.rep.note(ownershipID, "VM configs: not checked: the second token cannot delete its own VM config (%v), so a 403 on another one would prove nothing", err)
		return nil
	}
	theirs := scratch.Name("cfg")
	if err := p.createConfig(ctx, p.c, orka.VMConfig{Name: theirs, Image: p.image, CPU: 3}); err != nil {
		return err
	}
	p.judgeOwnership(oc.DeleteVMConfig(ctx, theirs), "VM configs: the second token deleting VM config "+theirs+", which the run's token created (its own it deleted)")
	return nil
}

// checkVMOwnership has the second token try to delete a VM the run's token deployed in ns, once
// per run; it reports whether that VM is gone now.
func (p *probe) checkVMOwnership(ctx context.Context, ns, name string) (gone bool) {
	o := p.other
	if o == nil || o.unusable || o.vmDone {
		return false
	}
	if _, err := o.c.ListVMs(ctx, ns); err != nil {
		o.vmWhy = append(o.vmWhy, fmt.Sprintf("it may not list the VMs of %s (%v)", ns, err))
		return false
	}
	o.vmDone = true
	err := o.c.DeleteVM(ctx, ns, name)
	p.judgeOwnership(err, "VMs: the second token deleting VM "+ns+"/"+name+", which the run's token deployed")
	return err == nil
}

// judgeOwnership records the answer to a delete the second token should not be allowed.
func (p *probe) judgeOwnership(err error, what string) {
	ex := p.rec.latest()
	ae := apiError(err)
	switch {
	case err == nil:
		p.rep.contradict(ownershipID, ex, p.rec, "%s: it was deleted", what)
	case ae == nil:
		p.rep.contradict(ownershipID, ex, p.rec, "%s: %v", what, err)
	case ae.StatusCode == 403:
		p.rep.confirm(ownershipID, "%s: 403 %s", what, ae.Reason)
	default:
		p.rep.contradict(ownershipID, ex, p.rec, "%s: answered %d, expected 403", what, ae.StatusCode)
	}
}

// finishOwnership says why a part of vm-delete-ownership was not checked.
func (p *probe) finishOwnership() {
	o := p.other
	if o == nil || o.unusable {
		return
	}
	if !o.vmDone {
		switch {
		case !p.opts.DeployVM:
			p.rep.note(ownershipID, "VMs: not checked: needs -deploy-vm")
		case len(o.vmWhy) > 0:
			p.rep.note(ownershipID, "VMs: not checked: %s", strings.Join(o.vmWhy, "; "))
		default:
			p.rep.note(ownershipID, "VMs: not checked: the probe's deploys did not get that far")
		}
	}
	p.rep.skip(ownershipID, "neither part could be checked (see above)")
}
