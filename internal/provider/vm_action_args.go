package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The VM-preserving actions (orka_vm_save, orka_vm_push) name their source VM the same way;
// these are the arguments and checks they share.

// actionEnginesNote ends each action's description: which engine runs what, as the acceptance
// suite shows on every engine of `make testacc-matrix`.
const actionEnginesNote = "\n\n**Engines:** actions run on Terraform 1.14 and later. Triggers on the " +
	"`before_destroy` and `after_destroy` events, such as saving a VM before a new image replaces it, and " +
	"`on_failure` in `action_trigger` need Terraform 1.16. OpenTofu has no actions."

func vmActionSourceAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"vm_name": schema.StringAttribute{
			MarkdownDescription: "Name of the VM to read from. It must be `Running`.",
			Required:            true,
			Validators:          []validator.String{vmNameValidator()},
		},
		"namespace": schema.StringAttribute{
			MarkdownDescription: "Namespace of the VM; defaults to the provider's `namespace`.",
			Optional:            true,
			Validators:          []validator.String{namespaceNameValidator()},
		},
	}
}

// actionTimeout reads an optional duration argument that validation already checked.
func actionTimeout(v types.String, def time.Duration) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return def
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil || d <= 0 {
		return def
	}
	return d
}

// actionProgress checks that the provider was configured before the action ran, and returns
// the function that reports the action's progress to Terraform (when Terraform listens).
func actionProgress(pd *providerData, resp *action.InvokeResponse) (func(string), bool) {
	if pd == nil {
		resp.Diagnostics.AddError("Provider not configured", "The orka provider was not configured before the action ran.")
		return nil, false
	}
	return func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}, true
}
