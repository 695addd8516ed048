package provider

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ action.Action              = (*vmPushAction)(nil)
	_ action.ActionWithConfigure = (*vmPushAction)(nil)
)

// vmPushAction pushes a VM's disk to an OCI registry, so that a tuned VM outlives the
// cluster itself. Orka answers with the name of the job doing the push, and nothing on its
// REST API reports that job's progress or result: the action says so instead of pretending
// to know.
type vmPushAction struct {
	data *providerData
}

// NewVMPushAction returns the orka_vm_push action.
func NewVMPushAction() action.Action { return &vmPushAction{} }

type vmPushActionModel struct {
	VMName         types.String `tfsdk:"vm_name"`
	Namespace      types.String `tfsdk:"namespace"`
	ImageReference types.String `tfsdk:"image_reference"`
}

// pushNotObservable is what the action says about the job it started, because Orka's REST
// API offers no route to follow it. [DOC: the push answers only a jobName].
const pushNotObservable = "Orka's REST API has no route that reports a push job's progress or result, so this " +
	"action cannot wait for it. An administrator can follow the job in the cluster's Kubernetes API " +
	"(`kubectl get jobs --all-namespaces | grep %[1]s`, then `kubectl logs job/%[1]s -n <namespace>`), or check " +
	"the registry for %[2]s."

func (a *vmPushAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm_push"
}

// ociReferenceToPush is a registry host, a repository path and an optional tag or digest;
// what the registry accepts only the push can tell.
func ociReferenceToPushValidator() validator.String {
	return nameValidator{
		what: "OCI image reference", maxLen: 255,
		pattern: regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[a-z0-9]+:[0-9a-f]{32,})?$`),
		rule: "give a registry host, a lowercase repository path and an optional tag, without a scheme, " +
			"such as \"ghcr.io/org/macos-xcode:tuned\"",
	}
}

func (a *vmPushAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := vmActionSourceAttributes()
	attrs["image_reference"] = schema.StringAttribute{
		MarkdownDescription: "Where to push, such as `ghcr.io/org/macos-xcode:tuned`. The VM's namespace needs an " +
			"`orka_registry_credential` for the registry's server. A VM config can deploy from the reference " +
			"(`image = \"ghcr.io/org/macos-xcode:tuned\"`) once the push has finished.",
		Required:   true,
		Validators: []validator.String{ociReferenceToPushValidator()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Pushes a VM's disk to an OCI registry, so that changes made inside the VM by hand " +
			"survive an Orka upgrade that deletes the VM, and even the cluster itself. Invoke it with " +
			"`terraform apply -invoke=action.orka_vm_push.<name>` (Terraform 1.14 or later), or from a resource's " +
			"`lifecycle { action_trigger { ... } }`.\n\n" +
			"**What can be observed:** Orka starts a job for the push and answers with its name, which the action " +
			"reports. Orka's REST API has no route that reports a push job's progress or result, so the action ends " +
			"once Orka accepted the push; it does not know whether the push succeeded. Follow the job with `kubectl` " +
			"(the action's output says how) or check the registry. Use `orka_vm_save` when the action itself must " +
			"see the result.\n\n" +
			"The push is never sent twice: when Orka's answer is lost the action fails and says the push may have started." + actionEnginesNote,
		Attributes: attrs,
	}
}

func (a *vmPushAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *vmPushAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m vmPushActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	progress, ok := actionProgress(a.data, resp)
	if !ok {
		return
	}
	ns, vm, ref := a.data.namespaceOr(m.Namespace), m.VMName.ValueString(), m.ImageReference.ValueString()
	vmLabel := fmt.Sprintf("VM %q in namespace %q", vm, ns)

	if missing := a.missingCredential(ctx, ns, ref); missing != "" {
		resp.Diagnostics.AddAttributeError(path.Root("image_reference"), "No registry credential for the push",
			fmt.Sprintf("image_reference: namespace %q has no registry credential for %s, and Orka pushes only to "+
				"registries it holds a credential for; %s was not pushed. Add one with orka_registry_credential "+
				"(server = \"https://%s\") in namespace %q, then invoke the action again.", ns, missing, vmLabel, missing, ns))
		return
	}
	progress(fmt.Sprintf("Pushing %s to %s.", vmLabel, ref))
	out, err := a.data.client.PushVM(ctx, ns, vm, orka.PushVMRequest{ImageReference: ref})
	switch {
	case orka.IsAmbiguous(err):
		addAPIError(&resp.Diagnostics, fmt.Sprintf("The push of %s to %s may have started: Orka's answer was lost, and it "+
			"was not sent again (a second push would start a second job). Check the registry for %s before invoking again",
			vmLabel, ref, ref), err)
	case err != nil:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Orka did not push %s to %s; no push job was started", vmLabel, ref), err)
	case out.JobName == "":
		progress(fmt.Sprintf("Orka accepted the push of %s to %s but named no job. ", vmLabel, ref) +
			fmt.Sprintf(pushNotObservable, "push", ref))
	default:
		progress(fmt.Sprintf("Orka started push job %q for %s to %s. ", out.JobName, vmLabel, ref) +
			fmt.Sprintf(pushNotObservable, out.JobName, ref))
	}
}

// missingCredential names the registry host of ref when the namespace's registry credentials
// can be read and none is for that host, and is "" otherwise: listing them needs an
// administrator's token, and one the provider cannot read leaves the question to Orka.
func (a *vmPushAction) missingCredential(ctx context.Context, ns, ref string) string {
	host, _, ok := strings.Cut(ref, "/")
	if !ok || !strings.ContainsAny(host, ".:") && host != "localhost" {
		return "" // no registry host in the reference
	}
	creds, err := a.data.client.ListRegistryCredentials(ctx, ns)
	if err != nil {
		return ""
	}
	for _, c := range creds {
		if u, err := url.Parse(c.Server); err == nil && strings.EqualFold(u.Host, host) {
			return ""
		}
	}
	return host
}
