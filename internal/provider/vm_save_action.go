package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ action.Action              = (*vmSaveAction)(nil)
	_ action.ActionWithConfigure = (*vmSaveAction)(nil)
)

const (
	vmSaveDefaultTimeout = 60 * time.Minute
	// vmSaveProgressEvery bounds how long a save stays silent while Orka reports no change.
	vmSaveProgressEvery = 30 * time.Second
)

// vmSaveAction saves a VM into a new image, so that what someone tuned by hand in a VM
// survives an Orka upgrade that deletes the VM: a VM config can deploy from the image later.
type vmSaveAction struct {
	data *providerData
}

// NewVMSaveAction returns the orka_vm_save action.
func NewVMSaveAction() action.Action { return &vmSaveAction{} }

type vmSaveActionModel struct {
	VMName      types.String `tfsdk:"vm_name"`
	Namespace   types.String `tfsdk:"namespace"`
	ImageName   types.String `tfsdk:"image_name"`
	Description types.String `tfsdk:"description"`
	Timeout     types.String `tfsdk:"timeout"`
}

func (a *vmSaveAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm_save"
}

// savedImageName is the rule for a new image's name: images are Kubernetes custom resources,
// whose names are DNS subdomains. [ASSUMED as the rule Orka applies to a saved image].
func savedImageNameValidator() nameValidator {
	return nameValidator{
		what: "image name", maxLen: 253,
		pattern: regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`),
		rule:    "use lowercase letters, digits, '-' and '.', and start and end with a letter or digit, such as \"xcode-16-tuned.orkasi\"",
	}
}

func (a *vmSaveAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := vmActionSourceAttributes()
	attrs["image_name"] = schema.StringAttribute{
		MarkdownDescription: "Name of the new image. It must not exist yet: the action never overwrites an image. " +
			"Once the action has finished, an `orka_vm_config` (or an `orka_vm`) deploys from it with `image = \"<image_name>\"`.",
		Required:   true,
		Validators: []validator.String{savedImageNameValidator()},
	}
	attrs["description"] = schema.StringAttribute{
		MarkdownDescription: "Description of the new image, as `orka3 image list` shows it (for example what was " +
			"installed by hand and when). Not set: the image has no description.",
		Optional: true,
	}
	attrs["timeout"] = schema.StringAttribute{
		MarkdownDescription: "How long to wait for the image to be `Ready`, as a duration such as `\"90m\"`; " +
			"default `60m`. When it runs out, the save goes on in Orka and the action fails saying so.",
		Optional:   true,
		Validators: []validator.String{durationValidator{min: time.Second}},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Saves a VM's disk into a new local image, so that changes made inside the VM by hand " +
			"survive an Orka upgrade that deletes the VM. Orka saves asynchronously: the action reports progress " +
			"until the image is `Ready`, and fails with Orka's message if it becomes `Failed` or with a clear error " +
			"when `timeout` runs out. Invoke it with `terraform apply -invoke=action.orka_vm_save.<name>` (Terraform 1.14 " +
			"or later), or from a resource's `lifecycle { action_trigger { ... } }`.\n\n" +
			"A failed or timed-out save can leave the image behind in Orka (as `Failed` or still `Updating`); the action " +
			"never deletes an image, and refuses to save under the name of an image that exists." + actionEnginesNote,
		Attributes: attrs,
	}
}

func (a *vmSaveAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *vmSaveAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m vmSaveActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	progress, ok := actionProgress(a.data, resp)
	if !ok {
		return
	}
	job := vmSaveJob{
		client: a.data.client, namespace: a.data.namespaceOr(m.Namespace), vm: m.VMName.ValueString(),
		image: m.ImageName.ValueString(), description: m.Description.ValueString(), timeout: actionTimeout(m.Timeout, vmSaveDefaultTimeout), progress: progress,
	}
	job.run(ctx, &resp.Diagnostics)
}

// vmSaveJob is one save: start it, then follow the image until it is Ready or Failed.
type vmSaveJob struct {
	client      *orka.Client
	namespace   string
	vm, image   string
	description string
	timeout     time.Duration
	progress    func(string)
}

func (j vmSaveJob) run(outer context.Context, diags *diag.Diagnostics) {
	vmLabel := fmt.Sprintf("VM %q in namespace %q", j.vm, j.namespace)
	ctx, cancel := context.WithTimeout(outer, j.timeout)
	defer cancel()
	start := time.Now()

	// An Apple-silicon VM saves into an .orkasi image, an Intel one into an .img image
	// (orka-api.md §4); the VM's arch is read first where Orka reports it.
	if vm, err := j.client.GetVM(ctx, j.namespace, j.vm); err == nil {
		if want := map[string]string{"arm64": ".orkasi", "amd64": ".img"}[vm.Type]; want != "" && !strings.HasSuffix(j.image, want) {
			diags.AddAttributeError(path.Root("image_name"), "Image name does not fit the VM",
				fmt.Sprintf("image_name: %q does not end in %s, which images of %s VMs are named with (%s is %s); "+
					"%s was not saved. Name it such as %q.", j.image, want, vm.Type, vmLabel, vm.Type, vmLabel,
					strings.TrimSuffix(strings.TrimSuffix(j.image, ".img"), ".orkasi")+want))
			return
		}
	}

	// Never overwrite, and never follow an image someone else is writing.
	switch img, err := j.client.GetImage(ctx, j.image); {
	case err == nil:
		diags.AddAttributeError(path.Root("image_name"), "Image already exists",
			fmt.Sprintf("An image named %q already exists (state %s), so %s was not saved: this action never overwrites an image. "+
				"Choose another image_name, or delete the image first if it is no longer needed.", j.image, imageStateOf(img), vmLabel))
		return
	case !orka.IsNotFound(err):
		addAPIError(diags, fmt.Sprintf("Could not check whether image %q exists; %s was not saved", j.image, vmLabel), err)
		return
	}

	j.progress(fmt.Sprintf("Saving %s into the new image %q.", vmLabel, j.image))
	if _, err := j.client.SaveVM(ctx, j.namespace, j.vm, j.request()); err != nil {
		if !orka.IsAmbiguous(err) {
			addAPIError(diags, fmt.Sprintf("Orka did not save %s; no image was started", vmLabel), err)
			return
		}
		// The answer was lost. The image exists if Orka took the request; the name was free
		// a moment ago, so an image under it now is this save. Resend only when it is absent.
		if _, gerr := j.client.GetImage(ctx, j.image); orka.IsNotFound(gerr) {
			j.progress("Orka's answer to the save was lost and the image does not exist; sending the save once more.")
			if _, err := j.client.SaveVM(ctx, j.namespace, j.vm, j.request()); err != nil {
				addAPIError(diags, fmt.Sprintf("Orka did not confirm saving %s into image %q; check `orka3 image list %s` "+
					"before invoking again", vmLabel, j.image, j.image), err)
				return
			}
		} else if gerr != nil {
			addAPIError(diags, fmt.Sprintf("The save of %s into image %q may have started (its answer was lost) and the "+
				"image could not be looked up; check `orka3 image list %s`", vmLabel, j.image, j.image), gerr)
			return
		}
	}

	var last orka.Image
	lastState, lastReport := "", time.Now()
	err := poll(ctx, func() (bool, error) {
		img, err := j.client.GetImage(ctx, j.image)
		if ctx.Err() != nil {
			return false, ctx.Err() // the timeout below says what was still pending
		}
		switch {
		case orka.IsUnavailable(err):
			j.progress(fmt.Sprintf("Orka is not answering (%v); still waiting for image %q.", err, j.image))
			return false, nil
		case err != nil:
			return false, err
		}
		state := imageStateOf(img)
		// Ready and Failed are reported once, below, with what to do next.
		if state == orka.ImageStateUpdating && (state != lastState || time.Since(lastReport) >= vmSaveProgressEvery) {
			j.progress(fmt.Sprintf("Image %q is %s (%s so far).", j.image, state, time.Since(start).Round(time.Second)))
			lastState, lastReport = state, time.Now()
		}
		last = *img
		return state != orka.ImageStateUpdating, nil
	}, func() error { return context.DeadlineExceeded })

	switch {
	case err != nil && outer.Err() != nil:
		diags.AddError("Stopped waiting for the image",
			fmt.Sprintf("The run was interrupted while image %q was %s. Orka accepted the save of %s and goes on with it: "+
				"follow it with `orka3 image list %s`.", j.image, imageStateOf(&last), vmLabel, j.image))
	case err != nil && ctx.Err() != nil:
		diags.AddError("Image not ready in time",
			fmt.Sprintf("Orka accepted the save of %s, but image %q was still %s after %s (the action's timeout). "+
				"The save goes on in Orka: follow it with `orka3 image list %s`, and deploy from the image once it is Ready. "+
				"Invoking the action again with the same image_name is refused while the image exists.",
				vmLabel, j.image, imageStateOf(&last), j.timeout, j.image))
	case err != nil:
		addAPIError(diags, fmt.Sprintf("Lost track of image %q while %s was being saved; check `orka3 image list %s`",
			j.image, vmLabel, j.image), err)
	case imageStateOf(&last) == orka.ImageStateFailed:
		msg := last.ErrorMessage
		if msg == "" {
			msg = "Orka gave no reason"
		}
		diags.AddError("Saving the VM failed",
			fmt.Sprintf("Orka could not save %s into image %q: %s.\n\nThe failed image is left in Orka (the action never "+
				"deletes images); delete it with `orka3 image delete %s` before saving under that name again.",
				vmLabel, j.image, msg, j.image))
	default:
		j.progress(fmt.Sprintf("Image %q is Ready after %s. An orka_vm_config with image = %q deploys from it.",
			j.image, time.Since(start).Round(time.Second), j.image))
	}
}

// request is the save's body: the image's name and description.
func (j vmSaveJob) request() orka.SaveVMRequest {
	return orka.SaveVMRequest{ImageName: j.image, Description: j.description}
}

// imageStateOf reads an image's state; Orka's images that predate any save say nothing,
// which means Ready.
func imageStateOf(img *orka.Image) string {
	switch {
	case img == nil || img.Name == "":
		return orka.ImageStateUpdating
	case img.State == "":
		return orka.ImageStateReady
	default:
		return img.State
	}
}
