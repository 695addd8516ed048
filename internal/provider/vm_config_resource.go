package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                   = (*vmConfigResource)(nil)
	_ resource.ResourceWithConfigure      = (*vmConfigResource)(nil)
	_ resource.ResourceWithIdentity       = (*vmConfigResource)(nil)
	_ resource.ResourceWithImportState    = (*vmConfigResource)(nil)
	_ resource.ResourceWithValidateConfig = (*vmConfigResource)(nil)
)

// NewVMConfigResource is orka_vm_config. Orka has no update for VM configs, so every argument
// forces replacement.
func NewVMConfigResource() resource.Resource { return &vmConfigResource{} }

type vmConfigResource struct {
	data *providerData
}

func (r *vmConfigResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm_config"
}

func (r *vmConfigResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceStr := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceBool := []planmodifier.Bool{boolplanmodifier.RequiresReplace()}
	// Values Orka may fill in when not set keep their state value in plans, so that a plan
	// shows only what really changes; any change still forces replacement.
	computedInt := []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplace()}

	resp.Schema = schema.Schema{
		MarkdownDescription: "A VM config: the template that `orka_vm` deploys from (`orka3 vmconfig`). VM configs " +
			"live in the `orka-default` namespace and survive every kind of Orka upgrade. Orka cannot change a " +
			"VM config in place, so every change replaces it. VMs already deployed from it keep the old settings " +
			"unless they follow its `revision` (`orka_vm.vm_config_revision`), which replaces them in the same plan.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: vmConfigDocs["id"], Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: vmConfigDocs["name"], Required: true,
				Validators: []validator.String{vmConfigNameValidator()}, PlanModifiers: replaceStr,
			},
			"image": schema.StringAttribute{
				MarkdownDescription: vmConfigDocs["image"], Required: true,
				Validators: []validator.String{imageValidator()}, PlanModifiers: replaceStr,
			},
			"cpu": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["cpu"], Optional: true, Computed: true,
				Default:       int64default.StaticInt64(vmConfigDefaultCPU),
				Validators:    []validator.Int64{int64validator.AtLeast(2)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"memory": schema.Float64Attribute{
				MarkdownDescription: vmConfigDocs["memory"], Optional: true, Computed: true,
				Validators: []validator.Float64{memoryValidator{}},
				PlanModifiers: []planmodifier.Float64{
					float64planmodifier.UseStateForUnknown(), float64planmodifier.RequiresReplace(),
				},
			},
			"tag": schema.StringAttribute{
				MarkdownDescription: vmConfigDocs["tag"], Optional: true,
				Validators: []validator.String{nodeTagValidator(vmTagMaxLen)}, PlanModifiers: replaceStr,
			},
			"tag_required": schema.BoolAttribute{
				MarkdownDescription: vmConfigDocs["tag_required"], Optional: true, Computed: true,
				Default: booldefault.StaticBool(false), PlanModifiers: replaceBool,
			},
			"scheduler": schema.StringAttribute{
				MarkdownDescription: vmConfigDocs["scheduler"], Optional: true, Computed: true,
				Default:       stringdefault.StaticString(vmConfigDefaultScheduler),
				Validators:    []validator.String{stringvalidator.OneOf(schedulers...)},
				PlanModifiers: replaceStr,
			},
			"net_boost": schema.BoolAttribute{
				MarkdownDescription: vmConfigDocs["net_boost"], Optional: true, Computed: true,
				Default: booldefault.StaticBool(false), PlanModifiers: replaceBool,
			},
			"legacy_io": schema.BoolAttribute{
				MarkdownDescription: vmConfigDocs["legacy_io"], Optional: true, Computed: true,
				Default: booldefault.StaticBool(false), PlanModifiers: replaceBool,
			},
			"gpu_passthrough": schema.BoolAttribute{
				MarkdownDescription: vmConfigDocs["gpu_passthrough"], Optional: true, Computed: true,
				Default: booldefault.StaticBool(false), PlanModifiers: replaceBool,
			},
			"vnc_console": schema.BoolAttribute{
				MarkdownDescription: vmConfigDocs["vnc_console"], Optional: true, Computed: true,
				Default: booldefault.StaticBool(true), PlanModifiers: replaceBool,
			},
			"display_width": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_width"], Optional: true, Computed: true,
				Validators:    []validator.Int64{int64validator.Between(displayWidthMin, displayWidthMax)},
				PlanModifiers: computedInt,
			},
			"display_height": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_height"], Optional: true, Computed: true,
				Validators:    []validator.Int64{int64validator.Between(displayHeightMin, displayHeightMax)},
				PlanModifiers: computedInt,
			},
			"display_dpi": schema.Int64Attribute{
				MarkdownDescription: vmConfigDocs["display_dpi"], Optional: true, Computed: true,
				Validators:    []validator.Int64{int64validator.Between(displayDPIMin, displayDPIMax)},
				PlanModifiers: computedInt,
			},
			"node_name": schema.StringAttribute{
				MarkdownDescription: vmConfigDocs["node_name"], Optional: true,
				Validators: []validator.String{nodeNameValidator()}, PlanModifiers: replaceStr,
			},
			"arch": schema.StringAttribute{
				MarkdownDescription: vmConfigDocs["arch"], Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			// No UseStateForUnknown: every planned change of a config replaces it, and then the
			// revision must be unknown so that VMs following it are replaced in the same plan.
			"revision": schema.StringAttribute{MarkdownDescription: vmConfigDocs["revision"], Computed: true},
		},
	}
}

func (r *vmConfigResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig enforces the one rule that spans two attributes: Orka cannot pass the GPU
// through while the VNC console is on.
func (r *vmConfigResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m vmConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkGPUWithVNC(m.GPUPassthrough, m.VNCConsole, true, &resp.Diagnostics)
}

func (r *vmConfigResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan vmConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	want := plan.toAPI()
	client := r.data.client
	what := fmt.Sprintf("VM config %q", want.Name)
	summary := "Could not create " + what

	_, err := runCreate(ctx, createSpec[*orka.VMConfig]{
		inflight: inflightKey{"vm_config", want.Name},
		send:     func(ctx context.Context) (*orka.VMConfig, error) { return client.CreateVMConfig(ctx, want) },
		lookup:   func(ctx context.Context) (*orka.VMConfig, error) { return client.GetVMConfig(ctx, want.Name) },
		mismatch: func(got *orka.VMConfig) string {
			if diffs := vmConfigMismatch(want, got); len(diffs) > 0 {
				return strings.Join(diffs, "; ")
			}
			return ""
		},
	})
	if err != nil {
		if !settleCreateError(&resp.Diagnostics, summary, "name", what+" (VM config names are unique in the cluster)", want.Name, err) {
			recordUnknown(ctx, resp, vmConfigFromAPI(&want, plan), summary, err)
		}
		return
	}
	// Read it back for what Orka derived (memory, arch).
	got, err := client.GetVMConfig(ctx, want.Name)
	if err != nil {
		// The config exists as requested: record that, and let the next refresh fill in what
		// Orka derived. A warning, not an error, so that it is not replaced.
		resp.Diagnostics.Append(resp.State.Set(ctx, vmConfigFromAPI(&want, plan))...)
		resp.Diagnostics.AddWarning(what+" was created but could not be read back",
			fmt.Sprintf("Orka accepted %s; reading it back failed: %v\n\nIt is recorded in the Terraform state as "+
				"requested, and the next refresh reads what Orka derived (memory, arch). Nothing needs to be done.", what, err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, vmConfigFromAPI(got, plan))...)
}

func (r *vmConfigResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer nameIdentity.syncRead(ctx, req, resp)
	var state vmConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	if name == "" {
		name = state.ID.ValueString()
	}
	defer inflightKey{"vm_config", name}.done() // Terraform has it in its state
	what := fmt.Sprintf("VM config %q", name)
	got, err := getConfirmed(ctx, func(ctx context.Context) (*orka.VMConfig, error) { return r.data.client.RefreshVMConfig(ctx, name) })
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Could not read "+what, err)
		return
	}
	mismatch := ""
	if err == nil {
		mismatch = strings.Join(vmConfigMismatch(state.toAPI(), got), "; ")
	}
	if readPending(ctx, req, resp, what, err == nil, mismatch) {
		return
	}
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, vmConfigFromAPI(got, state))...)
}

// Update is never called with a change (every argument forces replacement); it only carries
// the plan over, as the framework requires.
func (r *vmConfigResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	recordPlan(ctx, req, resp)
}

func (r *vmConfigResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vmConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	err := r.data.client.DeleteVMConfig(ctx, name)
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not delete VM config %q", name), err)
	}
}

func (r *vmConfigResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = nameIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	_, id, ok := parseImportID(req.ID, &resp.Diagnostics, importShape{
		parts: []importPart{{name: "name", rule: vmConfigNameValidator().problem}}, example: "sonoma-runner",
	})
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), id[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id[0])...)
}
