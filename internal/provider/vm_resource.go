package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	_ resource.Resource                   = (*vmResource)(nil)
	_ resource.ResourceWithConfigure      = (*vmResource)(nil)
	_ resource.ResourceWithIdentity       = (*vmResource)(nil)
	_ resource.ResourceWithImportState    = (*vmResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*vmResource)(nil)
	_ resource.ResourceWithValidateConfig = (*vmResource)(nil)
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
	// Deploy-time overrides that Orka does not report back: see replaceUnlessImported*. They
	// are computed only to stay out of generated configuration when unset (unsetIsNull).
	overrideStr := []planmodifier.String{unsetIsNull{}, replaceUnlessImportedString()}
	replaceBool := []planmodifier.Bool{unsetIsNull{}, replaceUnlessImportedBool()}
	replaceInt := []planmodifier.Int64{unsetIsNull{}, replaceUnlessImportedInt64()}
	// Set or reported: a value the user may set, or Orka fills in; it keeps its state value
	// in plans and a change of the configured value replaces the VM.
	keepStr := []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()}
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	stablePort := []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}

	resp.Schema = schema.Schema{
		MarkdownDescription: "A deployed VM (`orka3 vm deploy`). Orka cannot change a VM in place, so every argument " +
			"replaces it, except the `timeouts` block, which is recorded in place without a call to Orka. Orka release and layer upgrades may delete VMs: a VM that is gone is removed from state " +
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
				Validators: []validator.String{vmConfigNameValidator()},
			},
			"vm_config_revision": schema.StringAttribute{
				MarkdownDescription: "Set to the VM config's `revision` (`orka_vm_config.<name>.revision`) so that a " +
					"change of the config reaches this VM: Orka cannot change a VM, so when the config is replaced " +
					"with other settings, this VM is replaced too, in the same plan, which names this argument as " +
					"the reason. Works with `count` and `for_each`, unlike `replace_triggered_by` on `each.value`. " +
					"Not sent to Orka. See the VM config roll-out guide for keeping part of a pool running.",
				Optional: true, Computed: true, PlanModifiers: overrideStr,
				Validators: []validator.String{stringRule{summary: "Invalid vm_config_revision",
					doc: "a VM config's revision: 16 hexadecimal digits", check: revisionProblem}},
			},
			"image": schema.StringAttribute{
				MarkdownDescription: "Image to deploy, overriding the VM config's: a local image name or an OCI reference. " +
					"When not set, the VM config's image is used and shown here after apply.",
				Optional: true, Computed: true, PlanModifiers: keepStr,
				Validators: []validator.String{imageValidator()},
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
				Validators:    []validator.Float64{memoryValidator{}},
			},
			"node": schema.StringAttribute{
				MarkdownDescription: "Node to deploy on. When not set Orka's scheduler chooses; the node the VM runs on is shown after apply.",
				Optional:            true, Computed: true, PlanModifiers: keepStr,
				Validators: []validator.String{nodeNameValidator()},
			},
			"scheduler": schema.StringAttribute{
				MarkdownDescription: "`default` or `most-allocated`, overriding the VM config's.",
				Optional:            true, Computed: true, PlanModifiers: overrideStr,
				Validators: []validator.String{stringvalidator.OneOf(schedulers...)},
			},
			"tag": schema.StringAttribute{
				MarkdownDescription: "Node tag (1 to 32 characters) to prefer (or require, with `tag_required`), overriding the VM config's.",
				Optional:            true, Computed: true, PlanModifiers: overrideStr,
				Validators: []validator.String{nodeTagValidator(vmTagMaxLen)},
			},
			"tag_required":    schema.BoolAttribute{MarkdownDescription: "Deploy only on nodes with `tag`.", Optional: true, Computed: true, PlanModifiers: replaceBool},
			"net_boost":       schema.BoolAttribute{MarkdownDescription: "Override the VM config's `net_boost`.", Optional: true, Computed: true, PlanModifiers: replaceBool},
			"legacy_io":       schema.BoolAttribute{MarkdownDescription: "Override the VM config's `legacy_io`.", Optional: true, Computed: true, PlanModifiers: replaceBool},
			"gpu_passthrough": schema.BoolAttribute{MarkdownDescription: "Override the VM config's `gpu_passthrough` (needs `vnc_console = false`).", Optional: true, Computed: true, PlanModifiers: replaceBool},
			"vnc_console":     schema.BoolAttribute{MarkdownDescription: "Override the VM config's `vnc_console`.", Optional: true, Computed: true, PlanModifiers: replaceBool},
			"display_width": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_width"], Optional: true, Computed: true, PlanModifiers: replaceInt,
				Validators: []validator.Int64{int64validator.Between(displayWidthMin, displayWidthMax)},
			},
			"display_height": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_height"], Optional: true, Computed: true, PlanModifiers: replaceInt,
				Validators: []validator.Int64{int64validator.Between(displayHeightMin, displayHeightMax)},
			},
			"display_dpi": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_dpi"], Optional: true, Computed: true, PlanModifiers: replaceInt,
				Validators: []validator.Int64{int64validator.Between(displayDPIMin, displayDPIMax)},
			},
			"reserved_ports": schema.ListAttribute{
				MarkdownDescription: "Node ports to forward to the VM, each `NODEPORT:VMPORT` with an optional `/tcp` or `/udp`.",
				ElementType:         types.StringType, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.List{emptyAsUnsetList(), replaceUnlessImportedList()},
				Validators:    []validator.List{listvalidator.ValueStringsAre(portMappingValidator{})},
			},
			"custom_metadata": schema.MapAttribute{
				MarkdownDescription: "Metadata handed to the VM. Keys and values must not contain `,` or `=`. The keys `" + strings.Join(vmMarkKeys, "`, `") + "` are reserved: the provider marks the VMs it deploys with them (who deployed them, which configuration, which create).",
				ElementType:         types.StringType, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Map{emptyAsUnsetMap(), mapplanmodifier.RequiresReplace()},
				Validators: []validator.Map{
					mapvalidator.KeysAre(metadataTextValidator{what: "key"}, stringvalidator.NoneOf(vmMarkKeys...)),
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
			"timeouts": timeoutsBlock(ctx, timeouts.Opts{
				Create: true, Delete: true,
				CreateDescription: fmt.Sprintf("How long to wait for the deploy, default `%s`. Orka's own deploy "+
					"wait is derived from it (%s less, in whole minutes) so that a failed deploy can still be cleaned up.",
					vmDefaultCreateTimeout, vmCleanupReserve),
				DeleteDescription: fmt.Sprintf("How long to wait for the VM to be gone, default `%s`.", vmDefaultDeleteTimeout),
			}),
		},
	}
}

// ValidateConfig asks for a VM config or an image, and applies Orka's GPU rule to the overrides
// the VM sets itself (an unset vnc_console is the VM config's, which only Orka knows). The first
// check reads the two values straight from the configuration: the framework's generic
// at-least-one-of validator walks the schema for each, a measurable share of a large plan.
func (r *vmResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if rawString(req.Config.Raw, "vm_config").IsNull() && rawString(req.Config.Raw, "image").IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("vm_config"), "Missing vm_config or image",
			"Orka deploys a VM from a VM config or from an image: set vm_config to a VM config's name, or image "+
				"to the image to deploy, or both (the VM's own settings then override the VM config's).")
	}
	var gpu, vnc types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("gpu_passthrough"), &gpu)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("vnc_console"), &vnc)...)
	checkGPUWithVNC(gpu, vnc, false, &resp.Diagnostics)
	var to timeouts.Value
	if d := req.Config.GetAttribute(ctx, path.Root("timeouts"), &to); !d.HasError() && !to.IsNull() && !to.IsUnknown() {
		if create, d := to.Create(ctx, vmDefaultCreateTimeout); !d.HasError() && create < vmCleanupReserve+time.Minute {
			resp.Diagnostics.AddAttributeWarning(path.Root("timeouts").AtName("create"), "Create timeout below the clean-up reserve",
				fmt.Sprintf("timeouts.create: %s leaves Orka less than a minute to deploy: the provider keeps %s of the "+
					"create timeout to clean up after a failed deploy and gives Orka the rest in whole minutes, at "+
					"least 1. With less than %s, the provider stops waiting before Orka does; a VM that starts "+
					"afterwards is recorded and adopted by the next apply, but a failed one is not cleaned up by "+
					"this one. Set at least %s.", create, vmCleanupReserve, vmCleanupReserve+time.Minute, vmCleanupReserve+time.Minute))
		}
	}
}

func (r *vmResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan shows the namespace the VM will live in, and plans the replacement of a VM that
// Orka reports as Failed.
func (r *vmResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planNamespace(ctx, r.data, req, resp)
	if req.Plan.Raw.IsNull() {
		return
	}
	r.checkRevision(ctx, resp)
	if req.State.Raw.IsNull() {
		r.refuseNeverFits(ctx, resp)
		return
	}
	r.noteExisting(ctx, resp)
	if rawString(req.State.Raw, "status").ValueString() == orka.VMStatusFailed {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), types.StringUnknown())...)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("status"))
	}
}

// checkRevision refuses a vm_config_revision that is not the revision of the VM's own VM
// config, when both are known at plan: a typo, or another config's revision, would silently
// make the VM follow the wrong config. An unknown revision (the config is being created or
// replaced in this plan) passes; so does a config Orka cannot be asked about now.
func (r *vmResource) checkRevision(ctx context.Context, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	var cfgName, rev types.String
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("vm_config"), &cfgName)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("vm_config_revision"), &rev)...)
	if rev.IsNull() || rev.IsUnknown() || cfgName.IsUnknown() {
		return
	}
	if cfgName.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("vm_config_revision"), "vm_config_revision without vm_config",
			"vm_config_revision: follows the revision of the VM's vm_config, and this VM sets none. Set vm_config, "+
				"or remove vm_config_revision.")
		return
	}
	cfg, err := r.data.client.RefreshVMConfig(ctx, cfgName.ValueString())
	if err != nil {
		return // absent or unreachable: the apply reports it
	}
	if want := vmConfigFromAPI(cfg, vmConfigModel{}).Revision.ValueString(); rev.ValueString() != want {
		resp.Diagnostics.AddAttributeError(path.Root("vm_config_revision"), "vm_config_revision is not this VM config's",
			fmt.Sprintf("vm_config_revision: %q is not the revision of VM config %q, which is %q. Set it to that "+
				"config's own revision, such as vm_config_revision = orka_vm_config.<name>.revision, so that a "+
				"change of the config replaces this VM.", rev.ValueString(), cfgName.ValueString(), want))
	}
}

// refuseNeverFits fails the plan of a new VM that no node could ever run, so that it does not
// wait out Orka's whole deploy timeout first. Values not known yet are left to the check that
// runs again before the deploy is sent.
func (r *vmResource) refuseNeverFits(ctx context.Context, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	var plan vmModel
	if d := resp.Plan.Get(ctx, &plan); d.HasError() || plan.Name.IsUnknown() || plan.Namespace.IsUnknown() {
		return
	}
	// What is not configured is unknown here and taken from the VM config; a VM config that is
	// itself not known yet leaves the check to the one before the deploy.
	if !plan.VMConfig.IsNull() && plan.VMConfig.IsUnknown() && !plan.Image.IsNull() && plan.Image.IsUnknown() {
		return
	}
	deploy, d := plan.deployRequest(ctx, 0)
	if d.HasError() {
		return
	}
	ask := r.effectiveAsk(ctx, deploy)
	ns := r.data.namespaceOr(plan.Namespace)
	if why, attr := r.neverFitsAt(ctx, ns, ask, false); why != "" {
		at := faultyAttribute(deploy, attr)
		resp.Diagnostics.AddAttributeError(path.Root(at), "VM can never be scheduled",
			fmt.Sprintf("%s: no node can ever run VM %q (it asks for %s): %s", at, deploy.Name, ask, why))
		return
	}
	createTimeout, d := plan.Timeouts.Create(ctx, vmDefaultCreateTimeout)
	if d.HasError() {
		return
	}
	r.warnOverCapacity(ctx, ns, deploy.Name, ask, createTimeout.String(), &resp.Diagnostics)
}

func (r *vmResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nsNameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
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
	markDeploy(&deploy, r.data.owner, newCreateID())
	what := fmt.Sprintf("VM %q in namespace %q", deploy.Name, ns)
	summary := "Could not deploy " + what

	ask := r.effectiveAsk(ctx, deploy)
	if why := r.neverFits(ctx, ns, ask, true); why != "" {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("No node can ever run this VM: %s Nothing was deployed.", why))
		return
	}

	client := r.data.client
	get := func(ctx context.Context) (*orka.VM, error) { return client.GetVM(ctx, ns, deploy.Name) }
	// Look first: a VM already under this name is adopted only when it carries our mark and
	// matches (one an interrupted apply of ours deployed); anything else is refused, and
	// nothing is sent.
	vm, err := get(ctx)
	switch {
	case err == nil:
		if m := vmMismatch(deploy, vm, false, r.data.owner); m != "" {
			existsDiagnostic(&resp.Diagnostics, "name", what, vmID(ns, deploy.Name), &existsError{mismatch: m})
			return
		}
		tflog.Info(ctx, "adopting a VM this provider deployed in an interrupted apply")
	case !orka.IsNotFound(err):
		addAPIError(&resp.Diagnostics, summary+": looking for a VM of that name before deploying failed; "+
			"nothing was deployed", err)
		return
	default:
		vm, err = runCreate(ctx, createSpec[*orka.VM]{
			absentBefore: true,
			send:         func(ctx context.Context) (*orka.VM, error) { return client.DeployVM(ctx, ns, deploy) },
			lookup:       get,
			// Absent just before our deploy was sent: a VM that appears after our answer was
			// lost and matches is ours, even where Orka does not show the mark.
			mismatch: func(vm *orka.VM) string { return vmMismatch(deploy, vm, true, r.data.owner) },
		})
	}
	var unknown *unknownFateError
	if errors.As(err, &unknown) {
		r.keepPending(ctx, resp, plan, nil, summary, unknownFateDetail(unknown, ""))
		return
	}
	if err != nil {
		var exists *existsError
		if errors.As(err, &exists) {
			existsDiagnostic(&resp.Diagnostics, "name", what, vmID(ns, deploy.Name), exists)
			return
		}
		r.failDeploy(ctx, resp, plan, deploy, ask, err, false)
		return
	}
	if vm.Status != orka.VMStatusRunning {
		var werr error
		vm, werr = r.waitRunning(ctx, ns, deploy.Name, vm)
		switch {
		case werr == nil:
		case vm != nil && vm.Status == orka.VMStatusFailed:
			r.failDeploy(ctx, resp, plan, deploy, ask, werr, true)
			return
		default:
			// Orka accepted the deploy: the VM is ours and may still start. Keep it.
			r.keepPending(ctx, resp, plan, vm, summary, werr.Error()+".")
			return
		}
	} else {
		vm = r.readBack(ctx, ns, vm)
	}
	state, d := vmFromAPI(ctx, vm, ns, plan)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	if vm.PortWarnings != "" {
		resp.Diagnostics.AddWarning("Orka reported port warnings for "+what, vm.PortWarnings)
	}
}

// readBack reads a VM that the deploy answer reported Running: the answer carries only its
// name, node, memory, ip, ports and status (orka-api.md §5), and the rest (cores, image, VM
// config, deploy date, arch) comes from the VM itself. When that read fails, the answer and
// the configuration stand, and the next refresh fills in the rest.
func (r *vmResource) readBack(ctx context.Context, ns string, answer *orka.VM) *orka.VM {
	got, err := r.data.client.GetVM(orka.Fresh(ctx), ns, answer.Name)
	if err != nil {
		tflog.Warn(ctx, "reading the deployed VM back failed; its state holds the deploy answer", map[string]any{"error": err.Error()})
		return answer
	}
	if got.PortWarnings == "" {
		got.PortWarnings = answer.PortWarnings
	}
	return got
}

// vmMismatch says why a VM found under our name is not the one deploy asked for, or "" when
// it is. It is ours when it carries the mark of this very create call, or this owner's mark.
// absentBefore: the name was free just before our own deploy was sent, which stands in for
// the mark on a cluster that does not report custom metadata.
func vmMismatch(deploy orka.DeployVMRequest, vm *orka.VM, absentBefore bool, owner string) string {
	switch mark := vmMarkOf(vm, owner); {
	case madeBy(vm, deploy.CustomMetadata[vmCreateKey]):
	case mark == markOthers:
		return markedBy(vm)
	case mark == markUnknown:
		if !absentBefore {
			return "Orka does not report the VM's custom metadata, so the provider cannot tell whether it " +
				"deployed this VM (status " + vm.Status + ", node " + orDash(vm.Node) + ", VM config " + orDash(vm.VMConfig) + ")"
		}
	}
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
		if vm.CustomMetadata == nil {
			break
		}
		if got, ok := vm.CustomMetadata[k]; !slices.Contains(vmMarkKeys, k) && (!ok || got != v) {
			diffs = append(diffs, fmt.Sprintf("custom_metadata[%q] %q, found %q", k, v, got))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// waitRunning polls a VM that Orka accepted but has not started yet. It returns the last VM
// seen, also with an error.
func (r *vmResource) waitRunning(ctx context.Context, ns, name string, vm *orka.VM) (*orka.VM, error) {
	err := poll(ctx, func() (bool, error) {
		got, err := r.data.client.GetVM(ctx, ns, name)
		if err != nil {
			return false, err
		}
		vm = got
		if vm.Status == orka.VMStatusFailed {
			return false, fmt.Errorf("VM %q in namespace %q is reported as Failed by Orka", name, ns)
		}
		return vm.Status == orka.VMStatusRunning, nil
	}, func() error {
		if vm != nil && vm.Node != "" {
			return fmt.Errorf("VM %q in namespace %q was still starting on node %q (status %s) when the create "+
				"timeout ran out", name, ns, vm.Node, vm.Status)
		}
		return fmt.Errorf("VM %q in namespace %q was still waiting to be scheduled when the create timeout ran out", name, ns)
	})
	return vm, err
}

// failDeploy handles a deploy that Orka refused or that ended Failed. A deploy that ran can
// leave the VM object behind (Pending or Failed): when it carries our mark, or Orka accepted
// our deploy (accepted), it is deleted, so nothing is orphaned; when that delete fails too, the
// VM is kept in state with the error. One whose mark cannot be read is kept in state too,
// where the next plan shows its replacement, rather than deleted unseen.
func (r *vmResource) failDeploy(ctx context.Context, resp *resource.CreateResponse, plan vmModel, deploy orka.DeployVMRequest, ask vmAsk, cause error, accepted bool) {
	ns := plan.Namespace.ValueString()
	what := fmt.Sprintf("VM %q in namespace %q", deploy.Name, ns)
	summary := "Could not deploy " + what
	if !mayHaveLeftVM(cause) {
		// Orka refused the deploy or was not there to take it: nothing was created, and a VM
		// of that name, if any, is not ours to touch.
		addAPIError(&resp.Diagnostics, summary, cause)
		return
	}
	// The deadline may have passed; cleaning up gets time of its own.
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), vmCleanupReserve)
	defer cancel()

	left, getErr := r.data.client.GetVM(cleanupCtx, ns, deploy.Name)
	explain := ""
	if getErr == nil && left.Status == orka.VMStatusPending {
		if left.Node == "" {
			explain = r.capacityReport(cleanupCtx, ns, deploy.Name, ask)
		} else {
			explain = fmt.Sprintf("VM %q was scheduled on node %q but had not started when Orka's deploy wait ran out; "+
				"it was not refused for lack of capacity.", deploy.Name, left.Node)
		}
	}
	var cleanup string
	switch {
	case orka.IsNotFound(getErr):
		cleanup = "Orka holds no VM of that name, so nothing was left behind."
	case getErr != nil:
		cleanup = fmt.Sprintf("Checking for a VM left behind failed (%v). ", getErr) +
			"If Orka holds one, the next apply finds it: a VM of ours is adopted or replaced, never duplicated."
	case !accepted && vmMarkOf(left, r.data.owner) == markOthers:
		cleanup = "Orka holds a VM of that name that this configuration did not make (" + markedBy(left) + "); it was left alone."
	case !accepted && vmMarkOf(left, r.data.owner) == markOurs && !madeBy(left, deploy.CustomMetadata[vmCreateKey]):
		cleanup = "Orka holds a VM of that name deployed by this configuration, but not by this deploy (another apply " +
			"of the same configuration, or of another configuration with the same owner, may have deployed it " +
			"meanwhile); it was left alone. Give each configuration sharing the cluster an owner of its own."
	case !accepted && vmMarkOf(left, r.data.owner) == markUnknown:
		cleanup = fmt.Sprintf("Orka holds a VM of that name (status %s), which was absent just before this deploy "+
			"was sent, so it is most likely what the failed deploy left behind; but Orka does not report custom "+
			"metadata, so the provider cannot prove it made it, and did not delete it. It is recorded in the "+
			"Terraform state as tainted: the next plan shows it replaced. If it is not yours, run "+
			"terraform state rm on this resource before applying again.", left.Status)
		r.recordVM(cleanupCtx, resp, plan, left)
	default:
		if err := r.deleteAndWait(cleanupCtx, ns, deploy.Name); err != nil {
			cleanup = fmt.Sprintf("Deleting the VM that the failed deploy left behind (status %s) failed: %v. It is kept "+
				"in the Terraform state as tainted, so the next apply deletes and redeploys it.", left.Status, err)
			r.recordVM(cleanupCtx, resp, plan, left)
		} else {
			cleanup = fmt.Sprintf("The VM the failed deploy left behind (status %s) was deleted.", left.Status)
		}
	}
	detail := apiErrorDetail(cause)
	if explain != "" {
		detail = explain + "\n\n" + cause.Error()
	}
	resp.Diagnostics.AddError(summary, detail+"\n\n"+cleanup)
}

// recordVM puts a VM that a failed deploy left and could not be deleted into state.
func (r *vmResource) recordVM(ctx context.Context, resp *resource.CreateResponse, plan vmModel, vm *orka.VM) {
	state, d := vmFromAPI(ctx, vm, plan.Namespace.ValueString(), nullUnknowns(plan))
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// mayHaveLeftVM reports whether a failed deploy can have left a VM behind. When Orka answered
// with a refusal (4xx) or as unavailable (503), nothing was created; a 500 is a deploy that ran
// and failed or timed out, and any other failure may hide one.
func mayHaveLeftVM(err error) bool {
	var apiErr *orka.APIError
	if errors.As(err, &apiErr) && !orka.IsAmbiguous(err) {
		return apiErr.StatusCode >= 500 && apiErr.StatusCode != 503
	}
	return true
}

// keepPending records a VM whose deploy Orka accepted (or may have) but which is not known to
// be Running, with the pending flag, and reports the error. Terraform marks it tainted; the
// next refresh looks it up (Read): a VM of ours is handed to the next create, which adopts it
// instead of deploying again; an absent one is deployed. Either way nothing is orphaned and
// nothing that exists is deleted.
func (r *vmResource) keepPending(ctx context.Context, resp *resource.CreateResponse, plan vmModel, vm *orka.VM, summary, why string) {
	ns := plan.Namespace.ValueString()
	state := nullUnknowns(plan)
	state.ID = types.StringValue(vmID(ns, plan.Name.ValueString()))
	if vm != nil {
		var d diag.Diagnostics
		state, d = vmFromAPI(ctx, vm, ns, state)
		resp.Diagnostics.Append(d...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(setPending(ctx, resp.Private, true)...)
	resp.Diagnostics.AddError(summary, why+"\n\nThe VM is recorded in the Terraform state. The next apply looks it "+
		"up: if Orka has it (deployed by this provider, as requested), the plan shows a create that adopts the "+
		"existing VM and waits for it, without deploying a second one; if Orka does not have it, it is deployed. "+
		"Just apply again.")
}

// nullUnknowns records whatever Orka would have reported as null.
func nullUnknowns(plan vmModel) vmModel {
	for _, p := range []*types.String{&plan.ID, &plan.IP, &plan.DeployDate, &plan.Arch, &plan.VMConfig, &plan.Image, &plan.Node, &plan.Status} {
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
	if plan.ReservedPorts.IsUnknown() {
		plan.ReservedPorts = types.ListNull(types.StringType)
	}
	if plan.CustomMetadata.IsUnknown() {
		plan.CustomMetadata = types.MapNull(types.StringType)
	}
	return plan
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

// vmAttrTypes are the VM schema's attribute types, for reading its state in a refresh.
var vmAttrTypes = schemaAttrTypes(&vmResource{})

func (r *vmResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer nsNameIdentity.syncRead(ctx, req, resp)
	var state vmModel
	if rawModel(ctx, req.State.Raw, vmAttrTypes(), &state) != nil {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	ns, name := r.data.namespaceOr(state.Namespace), state.Name.ValueString()
	what := fmt.Sprintf("VM %q in namespace %q", name, ns)
	vm, err := getConfirmed(ctx, func(ctx context.Context) (*orka.VM, error) { return r.data.client.RefreshVM(ctx, ns, name) })
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Could not read "+what, err)
		return
	}
	if isPending(ctx, req.Private) {
		mismatch := ""
		if err == nil {
			deploy, d := state.deployRequest(ctx, 0)
			resp.Diagnostics.Append(d...)
			mismatch = vmMismatch(deploy, vm, false, r.data.owner)
		}
		if readPending(ctx, req, resp, what, err == nil, mismatch) {
			return
		}
		// Ours, and tainted by the failed apply that recorded it: hand it over to the next
		// create, which adopts it rather than deleting it and deploying another.
		resp.Diagnostics.AddWarning("VM from an interrupted apply will be adopted",
			what+" was deployed by an apply that did not see it become Running. Orka has it, deployed by this "+
				"provider as requested (status "+vm.Status+"), so the next apply adopts it and waits for it to run: "+
				"the plan shows it as a create, and no second VM is deployed.")
		resp.State.RemoveResource(ctx)
		return
	}
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	if vm.Status == orka.VMStatusFailed {
		resp.Diagnostics.AddWarning(what+" has failed",
			what+" is reported as Failed by Orka. The next apply deletes it and deploys it again.")
	}
	newState, d := vmFromAPI(ctx, vm, ns, state)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(setStateIfChanged(ctx, resp, state, newState)...)
}

// Update only records configuration: every argument forces replacement, except the overrides
// of a VM just imported, which Orka could not tell.
func (r *vmResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nsNameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
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
	defer nsNameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = nsNameIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	_, id, ok := parseImportID(req.ID, &resp.Diagnostics, importShape{
		parts:   []importPart{namespacePart, {name: "name", rule: vmNameValidator().problem}},
		example: "orka-default/runner-1",
	})
	if !ok {
		return
	}
	ns, name := id[0], id[1]
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), vmID(ns, name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	markImported(ctx, resp)
}
