package provider

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/upgrade"
)

var (
	_ datasource.DataSource              = (*upgradeWindowDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*upgradeWindowDataSource)(nil)
)

// MacStadium schedules maintenance windows of up to three hours.
const maxWindow = 3 * time.Hour

// Window states relative to now.
const (
	windowUnscheduled = "unscheduled"
	windowScheduled   = "scheduled"
	windowInProgress  = "in_progress"
	windowCompleted   = "completed"
)

// NewUpgradeWindowDataSource is data "orka_upgrade_window": what a MacStadium upgrade of a
// given type will wipe (from the same table the simulator applies), where the window stands
// now, and whether the cluster is ready for it. Its `regenerate_tokens_after` is meant for the
// token resource's `regenerate_after`: the start of a window whose upgrade kills tokens, so
// that a token minted by a recovery run during the window is not thrown away again at `end`.
func NewUpgradeWindowDataSource() datasource.DataSource { return &upgradeWindowDataSource{} }

type upgradeWindowDataSource struct {
	data *providerData
}

type upgradeWindowModel struct {
	ID                      types.String `tfsdk:"id"`
	Type                    types.String `tfsdk:"type"`
	Start                   types.String `tfsdk:"start"`
	Duration                types.String `tfsdk:"duration"`
	Namespaces              types.List   `tfsdk:"namespaces"`
	End                     types.String `tfsdk:"end"`
	Status                  types.String `tfsdk:"status"`
	Active                  types.Bool   `tfsdk:"active"`
	SecondsUntilStart       types.Int64  `tfsdk:"seconds_until_start"`
	Impact                  types.Map    `tfsdk:"impact"`
	Wiped                   types.List   `tfsdk:"wiped"`
	TokensMustBeRegenerated types.Bool   `tfsdk:"tokens_must_be_regenerated"`
	RegenerateTokensAfter   types.String `tfsdk:"regenerate_tokens_after"`
	Preparation             types.List   `tfsdk:"preparation"`
	RunningVMs              types.List   `tfsdk:"running_vms"`
	Ready                   types.Bool   `tfsdk:"ready"`
}

func (d *upgradeWindowDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_upgrade_window"
}

func (d *upgradeWindowDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	typeNames := make([]string, 0, len(upgrade.Types))
	for _, t := range upgrade.Types {
		typeNames = append(typeNames, string(t))
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Describes a MacStadium maintenance window for an Orka upgrade: what the upgrade type wipes " +
			"(MacStadium's table), whether the window is scheduled, running or over, and which VMs still run in the " +
			"namespaces you care about (MacStadium asks for no running workflows during the window). Wire " +
			"`regenerate_tokens_after` into `orka_service_account_token.regenerate_after` so that tokens are " +
			"regenerated exactly once after an upgrade that kills them, and use " +
			"`check` blocks or preconditions on `ready` and `seconds_until_start` to refuse new work before a window. " +
			"While a window is in progress the API is unreachable; the data source then reports `active = true` " +
			"from the clock alone and warns that the cluster could not be asked.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{MarkdownDescription: "`type@start`.", Computed: true},
			"type": schema.StringAttribute{
				MarkdownDescription: "Upgrade type: `release` (a new Orka release, the default), `infrastructure` (a " +
					"virtualization/orchestration layer upgrade: Kubernetes, Docker, Linux) or `patch`.",
				Optional: true, Validators: []validator.String{stringvalidator.OneOf(typeNames...)},
			},
			"start": schema.StringAttribute{
				MarkdownDescription: "When MacStadium scheduled the window to start (RFC 3339, such as `2026-12-05T22:00:00Z`). " +
					"Leave unset while no window is scheduled.",
				Optional: true, Validators: []validator.String{rfc3339Validator{}},
			},
			"duration": schema.StringAttribute{
				MarkdownDescription: "Length of the window, default `3h` (MacStadium's maximum). Longer is allowed, with a warning.",
				Optional:            true, Validators: []validator.String{durationValidator{min: time.Minute}},
			},
			"namespaces": schema.ListAttribute{
				MarkdownDescription: "Namespaces whose VMs count as running workflows. Defaults to the provider's `namespace`. " +
					"Name them literally (`[\"orka-ci\"]`), even those the same configuration creates: a namespace " +
					"that does not exist yet holds no VMs. A reference to an `orka_namespace` (such as " +
					"`[for n in orka_namespace.pool : n.name]`) defers this data source's read to apply whenever a " +
					"namespace is added, so every attribute, `regenerate_tokens_after` included, is unknown at plan " +
					"and every token wired to it is replaced. Alternatively, wire the tokens to a second " +
					"`orka_upgrade_window` without `namespaces`.",
				ElementType: types.StringType, Optional: true,
				Validators: []validator.List{listvalidator.ValueStringsAre(namespaceNameValidator())},
			},
			"end": schema.StringAttribute{
				MarkdownDescription: "When the window ends (RFC 3339); null when `start` is not set. Not for " +
					"`orka_service_account_token.regenerate_after`: a recovery run can start as soon as the API " +
					"answers again, before `end`, and the tokens it mints would be thrown away again by the first " +
					"plan after `end`. Wire `regenerate_tokens_after` instead.",
				Computed: true,
			},
			"regenerate_tokens_after": schema.StringAttribute{
				MarkdownDescription: "The value to wire into `orka_service_account_token.regenerate_after`: the " +
					"window's `start` (RFC 3339) when the upgrade type stops service-account tokens working " +
					"(`release` and `infrastructure`), and null for a `patch` window, which keeps them, or when " +
					"`start` is not set. A token issued before the upgrade started is then regenerated by the first " +
					"plan after the start, once; a token minted after the start (by a recovery run during the " +
					"window or after it) is kept, however many runs follow. Keep it known at plan time: if this data " +
					"source's arguments reference resources of the same configuration (such as `namespaces` built " +
					"from `orka_namespace` resources), a change to those defers the read to apply and every token " +
					"wired here is replaced. Name `namespaces` literally, or wire the tokens to an " +
					"`orka_upgrade_window` without `namespaces`.",
				Computed: true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`unscheduled`, `scheduled`, `in_progress` or `completed`, relative to now.",
				Computed:            true,
			},
			"active": schema.BoolAttribute{MarkdownDescription: "Whether the window is in progress now.", Computed: true},
			"seconds_until_start": schema.Int64Attribute{
				MarkdownDescription: "Seconds until the window starts; 0 once it has started; null when unscheduled. " +
					"Terraform's `||` and `&&` evaluate both sides and fail on null, so guard comparisons with a " +
					"conditional: `status != \"scheduled\" ? true : seconds_until_start > 86400 || ready`.",
				Computed: true,
			},
			"impact": schema.MapAttribute{
				MarkdownDescription: "What the upgrade does to each aspect of the cluster: `persists`, `may_be_deleted`, " +
					"`deleted`, `lost`, `removed` or `must_be_regenerated`.",
				ElementType: types.StringType, Computed: true,
			},
			"wiped": schema.ListAttribute{
				MarkdownDescription: "The aspects this upgrade type destroys or may destroy, in MacStadium's order.",
				ElementType:         types.StringType, Computed: true,
			},
			"tokens_must_be_regenerated": schema.BoolAttribute{
				MarkdownDescription: "Whether service-account tokens stop working with this upgrade type.", Computed: true,
			},
			"preparation": schema.ListAttribute{
				MarkdownDescription: "MacStadium's preparation steps for this upgrade type.",
				ElementType:         types.StringType, Computed: true,
			},
			"running_vms": schema.ListAttribute{
				MarkdownDescription: "`namespace/name` of every VM deployed now in `namespaces`. Null when the cluster " +
					"could not be asked.",
				ElementType: types.StringType, Computed: true,
			},
			"ready": schema.BoolAttribute{
				MarkdownDescription: "Whether no VM runs in `namespaces`; false when the cluster could not be asked.",
				Computed:            true,
			},
		},
	}
}

func (d *upgradeWindowDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *upgradeWindowDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m upgradeWindowModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	typ := upgrade.Release
	if !m.Type.IsNull() {
		typ = upgrade.Type(m.Type.ValueString())
	}
	m.Type = types.StringValue(string(typ))
	length := maxWindow
	if !m.Duration.IsNull() {
		length, _ = time.ParseDuration(m.Duration.ValueString()) // validated at plan time
		if length > maxWindow {
			resp.Diagnostics.AddAttributeWarning(path.Root("duration"), "Maintenance window longer than 3 hours",
				fmt.Sprintf("MacStadium's maintenance windows last up to 3 hours; %s was given. It is used as given.", length))
		}
	} else {
		m.Duration = types.StringValue("3h")
	}

	now := d.data.now()
	m.Status, m.Active = types.StringValue(windowUnscheduled), types.BoolValue(false)
	m.End, m.SecondsUntilStart = types.StringNull(), types.Int64Null()
	m.RegenerateTokensAfter = types.StringNull()
	m.ID = types.StringValue(string(typ))
	if !m.Start.IsNull() {
		start, _ := time.Parse(time.RFC3339, m.Start.ValueString()) // validated at plan time
		end := start.Add(length)
		m.ID = types.StringValue(string(typ) + "@" + start.UTC().Format(time.RFC3339))
		m.End = types.StringValue(end.UTC().Format(time.RFC3339))
		if upgrade.TokensMustBeRegenerated(typ) {
			m.RegenerateTokensAfter = types.StringValue(start.UTC().Format(time.RFC3339))
		}
		m.SecondsUntilStart = types.Int64Value(max(0, int64(start.Sub(now)/time.Second)))
		switch {
		case now.Before(start):
			m.Status = types.StringValue(windowScheduled)
		case now.Before(end):
			m.Status, m.Active = types.StringValue(windowInProgress), types.BoolValue(true)
		default:
			m.Status = types.StringValue(windowCompleted)
		}
	}

	impact := map[string]string{}
	for a, e := range upgrade.Impact(typ) {
		impact[string(a)] = string(e)
	}
	var wiped []string
	for _, a := range upgrade.Wiped(typ) {
		wiped = append(wiped, string(a))
	}
	m.Impact = mustMap(impact)
	m.Wiped = mustList(wiped)
	m.TokensMustBeRegenerated = types.BoolValue(upgrade.TokensMustBeRegenerated(typ))
	m.Preparation = mustList(upgrade.Preparation(typ))

	namespaces := []string{d.data.namespace}
	if !m.Namespaces.IsNull() {
		namespaces = nil
		resp.Diagnostics.Append(m.Namespaces.ElementsAs(ctx, &namespaces, false)...)
	}
	m.Namespaces = mustList(namespaces)

	running, err := d.runningVMs(ctx, namespaces)
	switch {
	case err == nil:
		m.RunningVMs, m.Ready = mustList(running), types.BoolValue(len(running) == 0)
	case orka.IsUnavailable(err) || m.Active.ValueBool():
		// During a window the API is expected to be unreachable: report from the clock alone.
		resp.Diagnostics.AddWarning("Could not ask the Orka cluster for running VMs",
			"The running VMs could not be listed, so running_vms is null and ready is false. "+
				"The window status is computed from the clock alone.\n\n"+apiErrorDetail(err))
		m.RunningVMs, m.Ready = types.ListNull(types.StringType), types.BoolValue(false)
	default:
		addAPIError(&resp.Diagnostics, "Could not list the VMs running before the maintenance window", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (d *upgradeWindowDataSource) runningVMs(ctx context.Context, namespaces []string) ([]string, error) {
	running := []string{}
	for _, ns := range namespaces {
		vms, err := d.data.client.ListVMs(ctx, ns)
		if orka.IsNotFound(err) {
			// A namespace the same configuration has yet to create runs nothing; naming it
			// literally keeps this data source readable at plan time. Its own read proves it
			// absent, so that a stray 404 is not taken for an empty namespace.
			if _, nerr := d.data.client.GetNamespace(ctx, ns); orka.IsNotFound(nerr) {
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		for _, vm := range vms {
			running = append(running, vmID(ns, vm.Name))
		}
	}
	sort.Strings(running)
	return running, nil
}

func mustList(items []string) types.List {
	if items == nil {
		items = []string{}
	}
	vals := make([]attr.Value, 0, len(items))
	for _, s := range items {
		vals = append(vals, types.StringValue(s))
	}
	return types.ListValueMust(types.StringType, vals)
}

func mustMap(items map[string]string) types.Map {
	vals := make(map[string]attr.Value, len(items))
	for k, v := range items {
		vals[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, vals)
}
