package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// The create protocol that every resource follows. Its promises:
//
//   - Names are always the client's, so Orka itself refuses a second object of the same name:
//     sending a create again can never duplicate an object, only be refused with 409.
//   - An object the provider did not make is never adopted. What proves an object is ours:
//   - VMs carry the provider's mark in their custom metadata (vmOwnerKey). A VM under our
//     name that carries the mark and matches the configuration is ours, on a later apply
//     too. MacStadium documents no answer that reports custom metadata, so a cluster may not
//     show the mark: a VM is therefore looked up before its deploy is sent, like the kinds
//     below, and one that appears after our own deploy lost its answer, matches it and shows
//     no metadata at all is taken as ours by the same rule as theirs. A VM found before the
//     deploy whose mark cannot be read is refused with the import command.
//   - VM configs, namespaces, service accounts, registry credentials, role-binding subjects,
//     image caches and local images have no field that could hold a mark. What stands in for one: the
//     name is looked up before the create is sent, and an object found then is someone
//     else's and refused. An object that appears under that name after our own create lost
//     its answer, and that matches what we asked for, is taken as ours. The residual risk is
//     another client creating an identical object under the same name in the moment between
//     our look-up and our create.
//   - A create whose fate is unknown (answer lost and the object could not be looked up, or a
//     request that may still land after the provider gave up) is never reported as "nothing
//     was created": the resource records the identity with the pending flag, and the next
//     refresh settles it (readPending).
type createSpec[T any] struct {
	// marked: objects of this kind carry the provider's mark, which mismatch checks. Kinds
	// without one are looked up before the create is sent.
	marked bool
	// idempotent: sending the create again is harmless even when the first one took effect (an
	// image cache add selects the same nodes again), so runCreate does no look-up first (the
	// image cache resource does its own, before it calls runCreate).
	idempotent bool
	// absentBefore: the caller looked the name up itself just before and found nothing, so
	// runCreate does not look again (for kinds that are looked up first).
	absentBefore bool
	// inflight names the create in the record of creates in flight (inflight.go), for kinds
	// that are looked up first; the zero key records nothing.
	inflight inflightKey
	send     func(context.Context) (T, error)
	// lookup returns the object under our name, or an error for which orka.IsNotFound holds.
	lookup func(context.Context) (T, error)
	// mismatch says why an object found under our name is not the one we asked for (including
	// "not marked as made by this provider"), or "" when it is ours.
	mismatch func(T) string
}

// existsError is an object under our name that is not ours: it is left alone.
type existsError struct {
	// mismatch is why it is not ours; "" when it was there before our create was sent.
	mismatch string
	// afterLostAnswer: it was found after our own create lost its answer.
	afterLostAnswer bool
}

func (e *existsError) Error() string {
	switch {
	case e.mismatch == "":
		return "it already exists and was not created by this resource, so it was left alone"
	case e.afterLostAnswer:
		return "the answer to the create was lost, and the object now found under that name is not the one " +
			"requested (" + e.mismatch + "), so it was not adopted"
	default:
		return "it already exists and is not the one this resource would create (" + e.mismatch +
			"), so it was left alone"
	}
}

// unknownFateError is a create that may or may not have taken effect. The caller records the
// object's identity so that the next refresh finds out which.
type unknownFateError struct {
	cause  error // why the create has no answer
	lookup error // why looking the object up did not settle it (nil: a late landing is possible)
}

func (e *unknownFateError) Error() string {
	msg := fmt.Sprintf("the create may or may not have reached Orka (%v)", e.cause)
	if e.lookup != nil {
		msg += fmt.Sprintf(", and looking the object up failed: %v", e.lookup)
	} else {
		msg += ", and the request may still be carried out after the provider stopped waiting"
	}
	return msg
}

func (e *unknownFateError) Unwrap() error { return e.cause }

// lookupGrace is how long looking an object up may take after the create's own deadline has
// passed: a request held past the timeout must still be accounted for.
const lookupGrace = time.Minute

// runCreate sends a create and settles what happened to it. It returns the object (from the
// create's answer, or the one adopted), an *existsError, an *unknownFateError, or Orka's
// refusal (nothing was created).
func runCreate[T any](ctx context.Context, s createSpec[T]) (T, error) {
	obj, err := sendCreate(ctx, s)
	var exists *existsError
	var apiErr *orka.APIError
	if errors.As(err, &exists) || ctx.Err() == nil && errors.As(err, &apiErr) && apiErr.StatusCode/100 == 4 {
		// Not ours, or refused by Orka: nothing of ours to find later. Any other failure (a
		// request cut off because Terraform went away, an answer lost) keeps the record.
		s.inflight.done()
	}
	return obj, err
}

func sendCreate[T any](ctx context.Context, s createSpec[T]) (T, error) {
	var zero T
	trusted := s.marked || s.idempotent
	if !trusted && !s.absentBefore {
		found, err := s.lookup(ctx)
		switch {
		case err == nil && s.inflight.survived() && s.mismatch(found) == "":
			// This working directory's record says an apply sent this create and never saw
			// its outcome (it was killed): the object is the one it made.
			tflog.Info(ctx, "adopting the object of a create that an interrupted apply sent")
			return found, nil
		case err == nil:
			return zero, &existsError{}
		case !orka.IsNotFound(err):
			return zero, err // nothing was sent
		}
	}
	s.inflight.start(ctx)
	obj, err := s.send(ctx)
	ambiguous := false // an earlier attempt may have reached Orka
	for {
		switch {
		case err == nil:
			return obj, nil
		case orka.IsConflict(err) && !trusted && !ambiguous:
			// Absent a moment ago, present now, and not from our own request.
			return zero, &existsError{}
		case orka.IsConflict(err), orka.IsAmbiguous(err):
			lost := ambiguous || orka.IsAmbiguous(err)
			lctx, cancel := graceContext(ctx)
			found, lerr := s.lookup(lctx)
			cancel()
			switch {
			case lerr == nil:
				if m := s.mismatch(found); m != "" {
					return zero, &existsError{mismatch: m, afterLostAnswer: lost}
				}
				if !trusted && !lost {
					return zero, &existsError{}
				}
				tflog.Info(ctx, "adopting the object our own create made", map[string]any{"after_lost_answer": lost})
				return found, nil
			case orka.IsNotFound(lerr) && orka.IsAmbiguous(err) && !ambiguous && ctx.Err() == nil:
				// Not there (yet): send once more. Should the first request land after all,
				// the second is refused with 409 and the object is looked up again.
				tflog.Warn(ctx, "create answer lost and the object is absent; sending the create once more")
				ambiguous = true
				obj, err = s.send(ctx)
				continue
			case orka.IsNotFound(lerr) && orka.IsAmbiguous(err):
				return zero, &unknownFateError{cause: err}
			case orka.IsNotFound(lerr):
				// 409 but nothing to be seen: report Orka's refusal.
				return zero, err
			default:
				if !lost && !trusted {
					return zero, err
				}
				return zero, &unknownFateError{cause: err, lookup: lerr}
			}
		case ambiguous:
			// The first attempt's answer was lost and the second failed: the first may still land.
			return zero, &unknownFateError{cause: err}
		default:
			return zero, err
		}
	}
}

// graceContext is ctx, or, when ctx has already ended, a short context of its own: settling
// what a create did is worth a little more time than the create had.
func graceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(context.WithoutCancel(ctx), lookupGrace)
}

// pendingKey is the private-state flag of an object recorded while its create's fate was
// unknown, or while the work that follows a create was unfinished.
const pendingKey = "pending_create"

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func setPending(ctx context.Context, p privateSetter, on bool) diag.Diagnostics {
	if p == nil {
		return nil
	}
	var v []byte
	if on {
		v = []byte(`true`)
	}
	return p.SetKey(ctx, pendingKey, v)
}

func isPending(ctx context.Context, p privateState) bool {
	if p == nil {
		return false
	}
	v, _ := p.GetKey(ctx, pendingKey)
	return len(v) > 0
}

// existsDiagnostic reports an object under our name that is not ours.
func existsDiagnostic(diags *diag.Diagnostics, attr string, what, importID string, err *existsError) {
	diags.AddAttributeError(path.Root(attr), "Object already exists in Orka",
		fmt.Sprintf("%s: %s. If it is yours, import it: add this block, with to = the address of the "+
			"resource named above (\"with ...\"), and apply again\n\n  import {\n    to = <address>\n    id = %q\n  }\n\n"+
			"or run terraform import <address> %s. Otherwise choose another %s.", what, err.Error(), importID, importID, attr))
}

// unknownFateDetail explains what was recorded after a create whose fate is unknown.
func unknownFateDetail(err *unknownFateError, recorded string) string {
	return err.Error() + ".\n\n" + recorded + " Apply again once Orka answers: the next refresh looks the " +
		"object up, keeps it if the create took effect, and creates it only if it did not. Nothing is " +
		"created twice and nothing is left behind untracked."
}

// settleCreateError reports a failed create: an existing object that is not ours, or Orka's
// refusal. It reports false for an unknown fate, which the caller records instead.
func settleCreateError(diags *diag.Diagnostics, summary, attr, what, importID string, err error) bool {
	var exists *existsError
	var unknown *unknownFateError
	switch {
	case errors.As(err, &exists):
		existsDiagnostic(diags, attr, what, importID, exists)
	case errors.As(err, &unknown):
		return false
	default:
		addAPIError(diags, summary, err)
	}
	return true
}

// recordUnknown keeps an object whose create's fate is unknown in state with the pending flag,
// with a warning: the object may exist, so it must stay tracked, and a warning (not an error)
// keeps Terraform from tainting, and so from deleting, an object that may be perfectly good.
func recordUnknown(ctx context.Context, resp *resource.CreateResponse, state any, summary string, err error) {
	var unknown *unknownFateError
	if !errors.As(err, &unknown) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(setPending(ctx, resp.Private, true)...)
	resp.Diagnostics.AddWarning(summary, unknownFateDetail(unknown,
		"The object is recorded in the Terraform state as it was requested."))
}

// readPending settles, on refresh, an object recorded while its create's fate was unknown:
// found and ours, it stays (and the flag is cleared); confirmed absent, it leaves state and
// the next apply creates it; found and not ours, it leaves state and the next apply reports
// the clash. It returns true when it has dealt with the response.
func readPending(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, what string, found bool, mismatch string) bool {
	if !isPending(ctx, req.Private) {
		return false
	}
	switch {
	case !found:
		resp.Diagnostics.AddWarning("Interrupted create did not take effect",
			what+" was recorded by an apply that could not tell whether its create reached Orka. Orka does not "+
				"have it, so it has been removed from the Terraform state and the next apply creates it.")
		resp.State.RemoveResource(ctx)
		return true
	case mismatch != "":
		resp.Diagnostics.AddWarning("Interrupted create: the object found is not ours",
			what+" was recorded by an apply that could not tell whether its create reached Orka. Orka has an "+
				"object of that name, but it is not the one requested ("+mismatch+"), so it is not adopted: it "+
				"has been removed from the Terraform state, and the next apply reports the clash.")
		resp.State.RemoveResource(ctx)
		return true
	}
	resp.Diagnostics.Append(setPending(ctx, resp.Private, false)...)
	return false
}

// absenceInterval is how far apart the two looks that prove an object gone must be
// (orka.AbsenceInterval says why).
const absenceInterval = orka.AbsenceInterval

// getConfirmed runs get and, when it finds nothing, proves it: an object leaves state only
// when a list Orka answered without it (or its own request, where the list could not be read)
// and its own request made at least absenceInterval later both say it is gone. A list that
// failed, 404 included, is no evidence (the client reports it as an error of its own). The
// interval counts from the list's answer, which a whole refresh shares, so an estate wiped by
// an upgrade waits for it once, not once per object.
func getConfirmed[T any](ctx context.Context, get func(context.Context) (T, error)) (T, error) {
	lctx, ev := orka.WithAbsenceEvidence(ctx)
	v, err := get(lctx)
	if !orka.IsNotFound(err) {
		return v, err
	}
	first := time.Now()
	if at, ok := ev.ListAnsweredWithout(); ok && at.Before(first) {
		first = at
	}
	if wait := time.Until(first.Add(absenceInterval)); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, ctx.Err() // not proven gone
		case <-t.C:
		}
	}
	return get(orka.Fresh(ctx)) // the object's own request, not from a list shared by this run
}

// errAbsent is the not-found answer for objects that are found by listing.
func errAbsent(what string) error {
	return &orka.APIError{Method: "GET", StatusCode: 404, Reason: "NotFound", Message: what + " not found"}
}
