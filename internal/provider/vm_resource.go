package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                     = (*vmResource)(nil)
	_ resource.ResourceWithConfigure        = (*vmResource)(nil)
	_ resource.ResourceWithImportState      = (*vmResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*vmResource)(nil)
	_ resource.ResourceWithConfigValidators = (*vmResource)(nil)
)

// Deploy timing. Orka waits up to `timeout` minutes server-side (10 by default) before it
// gives up on a deploy; the provider's create timeout is longer, and the server-side wait is
// derived from it so that a failed deploy still leaves time to clean up the VM it left.
const (
	vmDefaultCreateTimeout = 15 * time.Minute
	vmDefaultDeleteTimeout = 10 * time.Minute
	vmCleanupReserve       = 3 * time.Minute
)

// serverDeployMinutes is the `timeout` sent with a deploy for a given create timeout.
func serverDeployMinutes(create time.Duration) int {
	return max(1, int((create-vmCleanupReserve)/time.Minute))
}

// NewVMResource is orka_vm: one deployed VM. VMs cannot be changed in place, and every
// release and layer upgrade may delete them, so this resource is all about creating them
// safely and noticing when they are gone.
func NewVMResource() resource.Resource { return &vmResource{} }

type vmResource struct {
	data *providerData
}

func (r *vmResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm"
}

func (r *vmResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceStr := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	// Deploy-time overrides that Orka does not report back: see replaceUnlessImported*.
	overrideStr := []planmodifier.String{replaceUnlessImportedString()}
	replaceBool := []planmodifier.Bool{replaceUnlessImportedBool()}
	replaceInt := []planmodifier.Int64{replaceUnlessImportedInt64()}
	// Set or reported: a value the user may set, or Orka fills in; it keeps its state value
	// in plans and a change of the configured value replaces the VM.
	keepStr := []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()}
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	stablePort := []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}

	resp.Schema = schema.Schema{
		MarkdownDescription: "A deployed VM (`orka3 vm deploy`). Orka cannot change a VM in place, so every argument " +
			"replaces it. Orka release and layer upgrades may delete VMs: a VM that is gone is removed from state " +
			"with a warning and the next apply deploys it again under the same name. The provider always chooses " +
			"the name and never leaves a VM behind that it lost track of: a failed deploy is cleaned up, and a " +
			"deploy whose answer was lost is found by name and adopted.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`namespace/name`.", Computed: true, PlanModifiers: stable,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the VM, unique in its namespace: at most 63 lowercase letters, digits and `-`, " +
					"starting and ending with a letter or digit.",
				Required: true, PlanModifiers: replaceStr,
				Validators: []validator.String{vmNameValidator()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace to deploy in. Defaults to the provider's `namespace`.",
				Optional:            true, Computed: true, PlanModifiers: replaceStr,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"vm_config": schema.StringAttribute{
				MarkdownDescription: "VM config to deploy from. At least one of `vm_config` and `image` must be set.",
				Optional:            true, Computed: true, PlanModifiers: keepStr,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"image": schema.StringAttribute{
				MarkdownDescription: "Image to deploy, overriding the VM config's: a local image name or an OCI reference. " +
					"When not set, the VM config's image is used and shown here after apply.",
				Optional: true, Computed: true, PlanModifiers: keepStr,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"cpu": schema.Int64Attribute{
				MarkdownDescription: "CPU cores, at least 2, overriding the VM config's. Shows the VM's cores after apply.",
				Optional:            true, Computed: true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplaceIfConfigured()},
				Validators:    []validator.Int64{int64validator.AtLeast(2)},
			},
			"memory": schema.Float64Attribute{
				MarkdownDescription: "Memory in GiB, overriding the VM config's. Shows the VM's memory after apply.",
				Optional:            true, Computed: true,
				PlanModifiers: []planmodifier.Float64{float64planmodifier.UseStateForUnknown(), float64planmodifier.RequiresReplaceIfConfigured()},
				Validators:    []validator.Float64{float64validator.AtLeast(0.1)},
			},
			"node": schema.StringAttribute{
				MarkdownDescription: "Node to deploy on. When not set Orka's scheduler chooses; the node the VM runs on is shown after apply.",
				Optional:            true, Computed: true, PlanModifiers: keepStr,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"scheduler": schema.StringAttribute{
				MarkdownDescription: "`default` or `most-allocated`, overriding the VM config's.",
				Optional:            true, PlanModifiers: overrideStr,
				Validators: []validator.String{stringvalidator.OneOf(schedulers...)},
			},
			"tag": schema.StringAttribute{
				MarkdownDescription: "Node tag to prefer (or require, with `tag_required`), overriding the VM config's.",
				Optional:            true, PlanModifiers: overrideStr,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 32)},
			},
			"tag_required":    schema.BoolAttribute{MarkdownDescription: "Deploy only on nodes with `tag`.", Optional: true, PlanModifiers: replaceBool},
			"net_boost":       schema.BoolAttribute{MarkdownDescription: "Override the VM config's `net_boost`.", Optional: true, PlanModifiers: replaceBool},
			"legacy_io":       schema.BoolAttribute{MarkdownDescription: "Override the VM config's `legacy_io`.", Optional: true, PlanModifiers: replaceBool},
			"gpu_passthrough": schema.BoolAttribute{MarkdownDescription: "Override the VM config's `gpu_passthrough` (needs `vnc_console = false`).", Optional: true, PlanModifiers: replaceBool},
			"vnc_console":     schema.BoolAttribute{MarkdownDescription: "Override the VM config's `vnc_console`.", Optional: true, PlanModifiers: replaceBool},
			"display_width": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_width"], Optional: true, PlanModifiers: replaceInt,
				Validators: []validator.Int64{int64validator.Between(displayWidthMin, displayWidthMax)},
			},
			"display_height": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_height"], Optional: true, PlanModifiers: replaceInt,
				Validators: []validator.Int64{int64validator.Between(displayHeightMin, displayHeightMax)},
			},
			"display_dpi": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_dpi"], Optional: true, PlanModifiers: replaceInt,
				Validators: []validator.Int64{int64validator.Between(displayDPIMin, displayDPIMax)},
			},
			"reserved_ports": schema.ListAttribute{
				MarkdownDescription: "Node ports to forward to the VM, each `NODEPORT:VMPORT` with an optional `/tcp` or `/udp`.",
				ElementType:         types.StringType, Optional: true,
				PlanModifiers: []planmodifier.List{replaceUnlessImportedList()},
				Validators:    []validator.List{listvalidator.ValueStringsAre(portMappingValidator{})},
			},
			"custom_metadata": schema.MapAttribute{
				MarkdownDescription: "Metadata handed to the VM. Keys and values must not contain `,` or `=`.",
				ElementType:         types.StringType, Optional: true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
				Validators: []validator.Map{
					mapvalidator.KeysAre(metadataTextValidator{what: "key"}),
					mapvalidator.ValueStringsAre(metadataTextValidator{what: "value"}),
				},
			},
			"ip": schema.StringAttribute{
				MarkdownDescription: "IP to reach the VM at: the node's IP in NAT mode, the VM's own under bridged networking.",
				Computed:            true, PlanModifiers: stable,
			},
			"ssh_port":         schema.Int64Attribute{MarkdownDescription: "Node port forwarded to the VM's SSH port.", Computed: true, PlanModifiers: stablePort},
			"vnc_port":         schema.Int64Attribute{MarkdownDescription: "Node port of the VM's VNC console.", Computed: true, PlanModifiers: stablePort},
			"screenshare_port": schema.Int64Attribute{MarkdownDescription: "Node port forwarded to the VM's Screen Sharing.", Computed: true, PlanModifiers: stablePort},
			"status": schema.StringAttribute{
				MarkdownDescription: "`Running`, `Pending` or `Failed`. A VM found `Failed` is replaced on the next apply.",
				Computed:            true, PlanModifiers: stable,
			},
			"deploy_date": schema.StringAttribute{MarkdownDescription: "When the VM was deployed (RFC 3339).", Computed: true, PlanModifiers: stable},
			"arch":        schema.StringAttribute{MarkdownDescription: "`arm64` or `amd64`.", Computed: true, PlanModifiers: stable},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Delete: true,
				CreateDescription: fmt.Sprintf("How long to wait for the deploy, default `%s`. Orka's own deploy "+
					"wait is derived from it (%s less, in whole minutes) so that a failed deploy can still be cleaned up.",
					vmDefaultCreateTimeout, vmCleanupReserve),
				DeleteDescription: fmt.Sprintf("How long to wait for the VM to be gone, default `%s`.", vmDefaultDeleteTimeout),
			}),
		},
	}
}

func vmNameValidator() validator.String {
	return nameValidator{
		what: "VM name", maxLen: 63,
		pattern: dnsLabel,
		rule:    "use lowercase letters, digits and '-', and start and end with a letter or digit",
	}
}

func (r *vmResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.AtLeastOneOf(path.MatchRoot("vm_config"), path.MatchRoot("image")),
	}
}

func (r *vmResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan shows the namespace the VM will live in, and plans the replacement of a VM that
// Orka reports as Failed.
func (r *vmResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planNamespace(ctx, r.data, req, resp)
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var status types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("status"), &status)...)
	if status.ValueString() == orka.VMStatusFailed {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), types.StringUnknown())...)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("status"))
	}
}

func (r *vmResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan vmModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	createTimeout, d := plan.Timeouts.Create(ctx, vmDefaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()

	ns := r.data.namespaceOr(plan.Namespace)
	plan.Namespace = types.StringValue(ns)
	deploy, d := plan.deployRequest(ctx, serverDeployMinutes(createTimeout))
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	what := fmt.Sprintf("VM %q in namespace %q", deploy.Name, ns)

	vm, err := r.data.client.DeployVM(ctx, ns, deploy)
	accepted := err == nil
	if orka.IsAmbiguous(err) {
		tflog.Warn(ctx, "deploy answer lost; looking the VM up by name", map[string]any{"vm": deploy.Name, "namespace": ns})
		vm, err = r.recoverDeploy(ctx, ns, deploy, err)
		accepted = err == nil
	}
	if orka.IsConflict(err) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "VM already exists",
			fmt.Sprintf("%s already exists and was not created by this resource, so it was left alone. To manage it "+
				"with Terraform, import it (terraform import <address> %s) or choose another name.\n\n%s",
				what, vmID(ns, deploy.Name), err))
		return
	}
	if err == nil && vm != nil && vm.Status != orka.VMStatusRunning {
		vm, err = r.waitRunning(ctx, ns, deploy.Name)
	}
	if err != nil {
		r.failDeploy(ctx, resp, plan, deploy, err, accepted || mayHaveLeftVM(err))
		return
	}
	state, d := vmFromAPI(ctx, vm, ns, plan)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	if vm.PortWarnings != "" {
		resp.Diagnostics.AddWarning("Orka reported port warnings for "+what, vm.PortWarnings)
	}
}

// recoverDeploy runs when a deploy's answer was lost: Orka may or may not have the VM. A VM
// under our name that matches the request is ours; none means the deploy never happened and
// is sent once more; anything else is someone else's.
func (r *vmResource) recoverDeploy(ctx context.Context, ns string, deploy orka.DeployVMRequest, cause error) (*orka.VM, error) {
	vm, err := r.data.client.GetVM(ctx, ns, deploy.Name)
	if orka.IsNotFound(err) {
		vm, err = r.data.client.DeployVM(ctx, ns, deploy)
		if !orka.IsConflict(err) {
			return vm, err
		}
		// The first deploy landed after all, late: look again.
		vm, err = r.data.client.GetVM(ctx, ns, deploy.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("the answer to the deploy was lost (%w), and looking the VM up failed: %w", cause, err)
	}
	if mismatch := vmMismatch(deploy, vm); mismatch != "" {
		return nil, &foreignVMError{msg: fmt.Sprintf("the answer to the deploy was lost (%v), and the VM found under "+
			"that name differs from the request (%s), so it is not adopted", cause, mismatch)}
	}
	return vm, nil
}

// foreignVMError marks a VM that exists under our name but is not ours: it must not be
// cleaned up.
type foreignVMError struct{ msg string }

func (e *foreignVMError) Error() string { return e.msg }

func vmMismatch(deploy orka.DeployVMRequest, vm *orka.VM) string {
	var diffs []string
	if deploy.VMConfig != "" && vm.VMConfig != "" && deploy.VMConfig != vm.VMConfig {
		diffs = append(diffs, fmt.Sprintf("vm_config %q, found %q", deploy.VMConfig, vm.VMConfig))
	}
	if deploy.Image != "" && vm.Image != "" && deploy.Image != vm.Image {
		diffs = append(diffs, fmt.Sprintf("image %q, found %q", deploy.Image, vm.Image))
	}
	if deploy.CPU != 0 && vm.CPU != 0 && deploy.CPU != vm.CPU {
		diffs = append(diffs, fmt.Sprintf("cpu %d, found %d", deploy.CPU, vm.CPU))
	}
	for k, v := range deploy.CustomMetadata {
		if got, ok := vm.CustomMetadata[k]; vm.CustomMetadata != nil && (!ok || got != v) {
			diffs = append(diffs, fmt.Sprintf("custom_metadata[%q] %q, found %q", k, v, got))
		}
	}
	return strings.Join(diffs, "; ")
}

// waitRunning polls a VM that Orka accepted but has not started yet.
func (r *vmResource) waitRunning(ctx context.Context, ns, name string) (*orka.VM, error) {
	var vm *orka.VM
	err := poll(ctx, func() (bool, error) {
		var err error
		if vm, err = r.data.client.GetVM(ctx, ns, name); err != nil {
			return false, err
		}
		if vm.Status == orka.VMStatusFailed {
			return false, fmt.Errorf("VM %q in namespace %q is reported as Failed by Orka", name, ns)
		}
		return vm.Status == orka.VMStatusRunning, nil
	}, func() error {
		return fmt.Errorf("VM %q in namespace %q was still %s when the create timeout ran out", name, ns, vm.Status)
	})
	return vm, err
}

// failDeploy handles a deploy that did not end Running. Orka can leave the VM object behind
// (Pending or Failed); it is deleted so nothing is orphaned. If that delete fails too, the
// VM's identity is kept in state with the error, so Terraform marks it tainted and replaces
// it on the next apply.
func (r *vmResource) failDeploy(ctx context.Context, resp *resource.CreateResponse, plan vmModel, deploy orka.DeployVMRequest, cause error, mayHaveLeft bool) {
	ns := plan.Namespace.ValueString()
	what := fmt.Sprintf("VM %q in namespace %q", deploy.Name, ns)
	if !mayHaveLeft {
		// Orka refused the deploy or was not there to take it: nothing was created, and a VM
		// of that name, if any, is not ours to touch.
		addAPIError(&resp.Diagnostics, "Could not deploy "+what, cause)
		return
	}
	var foreign *foreignVMError
	if errors.As(cause, &foreign) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "VM already exists",
			fmt.Sprintf("%s: %s. If it is yours, import it (terraform import <address> %s); otherwise choose another name.",
				what, foreign.msg, vmID(ns, deploy.Name)))
		return
	}
	// The deadline may have passed; cleaning up gets time of its own.
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), vmCleanupReserve)
	defer cancel()

	left, getErr := r.data.client.GetVM(cleanupCtx, ns, deploy.Name)
	capacity := ""
	if getErr == nil && left.Status == orka.VMStatusPending {
		capacity = r.capacityReport(cleanupCtx, ns, deploy)
	}
	var cleanup string
	switch {
	case orka.IsNotFound(getErr):
		cleanup = "Orka holds no VM of that name, so nothing was left behind."
	case getErr != nil:
		cleanup = r.keepTainted(cleanupCtx, resp, plan, fmt.Sprintf("checking for a VM left behind failed: %v", getErr))
	default:
		if err := r.deleteAndWait(cleanupCtx, ns, deploy.Name); err != nil {
			cleanup = r.keepTainted(cleanupCtx, resp, plan, fmt.Sprintf("deleting the VM that the failed deploy left behind "+
				"(status %s) failed: %v", left.Status, err))
		} else {
			cleanup = fmt.Sprintf("The VM the failed deploy left behind (status %s) was deleted.", left.Status)
		}
	}
	detail := apiErrorDetail(cause)
	if capacity != "" {
		detail = capacity + "\n\n" + cause.Error()
	}
	resp.Diagnostics.AddError("Could not deploy "+what, detail+"\n\n"+cleanup)
}

// mayHaveLeftVM reports whether a failed deploy can have left a VM behind. When Orka answered
// with a refusal (4xx) or as unavailable (503), nothing was created; a 500 is a deploy that ran
// and failed or timed out, and any other failure (a lost answer, a failed wait) may hide one.
func mayHaveLeftVM(err error) bool {
	var apiErr *orka.APIError
	if errors.As(err, &apiErr) && !orka.IsAmbiguous(err) {
		return apiErr.StatusCode >= 500 && apiErr.StatusCode != 503
	}
	return true
}

// keepTainted records the VM in state so that Terraform tracks it (as tainted) and returns
// the sentence that explains this.
func (r *vmResource) keepTainted(ctx context.Context, resp *resource.CreateResponse, plan vmModel, why string) string {
	ns, name := plan.Namespace.ValueString(), plan.Name.ValueString()
	plan.ID = types.StringValue(vmID(ns, name))
	plan.Status = types.StringValue(orka.VMStatusFailed)
	// Whatever Orka would have reported is unknown: record it as null.
	for _, p := range []*types.String{&plan.IP, &plan.DeployDate, &plan.Arch, &plan.VMConfig, &plan.Image, &plan.Node} {
		if p.IsUnknown() {
			*p = types.StringNull()
		}
	}
	for _, p := range []*types.Int64{&plan.CPU, &plan.SSHPort, &plan.VNCPort, &plan.ScreensharePort} {
		if p.IsUnknown() {
			*p = types.Int64Null()
		}
	}
	if plan.Memory.IsUnknown() {
		plan.Memory = types.Float64Null()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	return why + ". The VM is kept in the Terraform state as tainted, so the next apply deletes and redeploys it."
}

// capacityReport explains a deploy that no node could take: what was asked and what each
// node has free.
func (r *vmResource) capacityReport(ctx context.Context, ns string, deploy orka.DeployVMRequest) string {
	var b strings.Builder
	asked := "the VM config's CPU and memory"
	if deploy.CPU != 0 || deploy.Memory != 0 {
		asked = fmt.Sprintf("cpu %d, memory %g GiB", deploy.CPU, deploy.Memory)
	}
	fmt.Fprintf(&b, "No node could take VM %q (asked for %s): Orka kept it Pending until the deploy timed out.", deploy.Name, asked)
	nodes, err := r.data.client.ListNodes(ctx, ns)
	if err != nil {
		return b.String()
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	b.WriteString(" Free capacity now:")
	for _, n := range nodes {
		fmt.Fprintf(&b, "\n  - %s (%s): %d CPU, %s memory free", n.Name, n.Phase, n.AvailableCPU, n.AvailableMemory)
	}
	b.WriteString("\nApple-silicon nodes run at most 2 VMs each. Free capacity, ask for less, or add nodes; then apply again.")
	return b.String()
}

func (r *vmResource) deleteAndWait(ctx context.Context, ns, name string) error {
	if err := r.data.client.DeleteVM(ctx, ns, name); err != nil && !orka.IsNotFound(err) {
		return err
	}
	return poll(ctx, func() (bool, error) {
		_, err := r.data.client.GetVM(ctx, ns, name)
		if orka.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}, func() error {
		return fmt.Errorf("VM %q in namespace %q was still there when the timeout ran out", name, ns)
	})
}

func (r *vmResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state vmModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns, name := r.data.namespaceOr(state.Namespace), state.Name.ValueString()
	what := fmt.Sprintf("VM %q in namespace %q", name, ns)
	vm, err := r.data.client.GetVM(ctx, ns, name)
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not read "+what, err)
		return
	}
	if vm.Status == orka.VMStatusFailed {
		resp.Diagnostics.AddWarning(what+" has failed",
			what+" is reported as Failed by Orka. The next apply deletes it and deploys it again.")
	}
	newState, d := vmFromAPI(ctx, vm, ns, state)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
}

// Update only records configuration: every argument forces replacement, except the overrides
// of a VM just imported, which Orka could not tell.
func (r *vmResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	recordPlan(ctx, req, resp)
}

func (r *vmResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vmModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	deleteTimeout, d := state.Timeouts.Delete(ctx, vmDefaultDeleteTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, deleteTimeout)
	defer cancel()
	ns, name := r.data.namespaceOr(state.Namespace), state.Name.ValueString()
	if err := r.deleteAndWait(ctx, ns, name); err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not delete VM %q in namespace %q", name, ns), err)
	}
}

func (r *vmResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ns, name, err := splitImportID(req.ID, "namespace/name")
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error()+", such as orka-default/runner-1.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), vmID(ns, name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	markImported(ctx, resp)
}
