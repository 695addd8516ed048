package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// vmModel is the state of orka_vm.
type vmModel struct {
	ID        types.String `tfsdk:"id"`
	Name      types.String `tfsdk:"name"`
	Namespace types.String `tfsdk:"namespace"`
	VMConfig  types.String `tfsdk:"vm_config"`
	// VMConfigRevision is only recorded: following the config's revision replaces the VM
	// when the config is replaced.
	VMConfigRevision types.String   `tfsdk:"vm_config_revision"`
	Image            types.String   `tfsdk:"image"`
	CPU              types.Int64    `tfsdk:"cpu"`
	Memory           types.Float64  `tfsdk:"memory"`
	Node             types.String   `tfsdk:"node"`
	Scheduler        types.String   `tfsdk:"scheduler"`
	Tag              types.String   `tfsdk:"tag"`
	TagRequired      types.Bool     `tfsdk:"tag_required"`
	NetBoost         types.Bool     `tfsdk:"net_boost"`
	LegacyIO         types.Bool     `tfsdk:"legacy_io"`
	GPUPassthrough   types.Bool     `tfsdk:"gpu_passthrough"`
	VNCConsole       types.Bool     `tfsdk:"vnc_console"`
	DisplayWidth     types.Int64    `tfsdk:"display_width"`
	DisplayHeight    types.Int64    `tfsdk:"display_height"`
	DisplayDPI       types.Int64    `tfsdk:"display_dpi"`
	ReservedPorts    types.List     `tfsdk:"reserved_ports"`
	CustomMetadata   types.Map      `tfsdk:"custom_metadata"`
	IP               types.String   `tfsdk:"ip"`
	SSHPort          types.Int64    `tfsdk:"ssh_port"`
	VNCPort          types.Int64    `tfsdk:"vnc_port"`
	ScreensharePort  types.Int64    `tfsdk:"screenshare_port"`
	Status           types.String   `tfsdk:"status"`
	DeployDate       types.String   `tfsdk:"deploy_date"`
	Arch             types.String   `tfsdk:"arch"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func vmID(namespace, name string) string { return namespace + "/" + name }

// deployRequest is the deploy body for a planned VM.
func (m vmModel) deployRequest(ctx context.Context, serverTimeoutMinutes int) (orka.DeployVMRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	req := orka.DeployVMRequest{
		Name:           m.Name.ValueString(),
		VMConfig:       m.VMConfig.ValueString(),
		Image:          m.Image.ValueString(),
		CPU:            int(m.CPU.ValueInt64()),
		Memory:         m.Memory.ValueFloat64(),
		Node:           m.Node.ValueString(),
		Scheduler:      m.Scheduler.ValueString(),
		Tag:            m.Tag.ValueString(),
		TagRequired:    boolPtr(m.TagRequired),
		NetBoost:       boolPtr(m.NetBoost),
		LegacyIO:       boolPtr(m.LegacyIO),
		GPUPassthrough: boolPtr(m.GPUPassthrough),
		VNCConsole:     boolPtr(m.VNCConsole),
		Timeout:        serverTimeoutMinutes,
		DisplayWidth:   int(m.DisplayWidth.ValueInt64()),
		DisplayHeight:  int(m.DisplayHeight.ValueInt64()),
		DisplayDPI:     int(m.DisplayDPI.ValueInt64()),
	}
	if !m.ReservedPorts.IsNull() && !m.ReservedPorts.IsUnknown() {
		var ports []string
		diags.Append(m.ReservedPorts.ElementsAs(ctx, &ports, false)...)
		req.ReservedPorts = strings.Join(ports, ",")
	}
	if !m.CustomMetadata.IsNull() && !m.CustomMetadata.IsUnknown() {
		diags.Append(m.CustomMetadata.ElementsAs(ctx, &req.CustomMetadata, false)...)
	}
	return req, diags
}

// The provider's mark on the VMs it deploys: custom metadata entries, sent with every deploy
// and hidden from custom_metadata.
//   - vmOwnerKey says that this provider deployed the VM (every version has sent it).
//   - vmOwnerNameKey names the configuration that did (the provider's owner), so that
//     configurations sharing a cluster tell their VMs apart; a VM without it was deployed by a
//     configuration without an owner.
//   - vmCreateKey identifies the one create call that sent the deploy, so that what a failed
//     deploy left behind is recognised as that request's and nobody else's.
const (
	vmOwnerKey     = "orka-tf-deployed-by"
	vmOwnerValue   = "terraform-provider-orka"
	vmOwnerNameKey = "orka-tf-owner"
	vmCreateKey    = "orka-tf-create"
)

// vmMarkKeys are the reserved custom metadata keys.
var vmMarkKeys = []string{vmOwnerKey, vmOwnerNameKey, vmCreateKey}

// markDeploy adds the provider's mark to a deploy: this owner, and this create call.
func markDeploy(req *orka.DeployVMRequest, owner, createID string) {
	md := make(map[string]string, len(req.CustomMetadata)+3)
	maps.Copy(md, req.CustomMetadata)
	md[vmOwnerKey] = vmOwnerValue
	if owner != "" {
		md[vmOwnerNameKey] = owner
	}
	md[vmCreateKey] = createID
	req.CustomMetadata = md
}

// newCreateID is a random identifier for one create call.
func newCreateID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// vmMark is what a VM read from Orka says about who deployed it.
type vmMark int

const (
	markOthers  vmMark = iota // Orka reports its metadata, without this owner's mark
	markOurs                  // it carries this provider's mark with this owner
	markUnknown               // Orka reported no metadata at all, so the mark cannot be read
)

// vmMarkOf reads the mark for owner. MacStadium documents no VM answer that carries
// customMetadata (orka-api.md §5), so a cluster may never report it: a VM without the field is
// neither ours nor someone else's, and the callers fall back to what else they know.
func vmMarkOf(vm *orka.VM, owner string) vmMark {
	switch {
	case vm == nil || vm.CustomMetadata == nil:
		return markUnknown
	case vm.CustomMetadata[vmOwnerKey] == vmOwnerValue && vm.CustomMetadata[vmOwnerNameKey] == owner:
		return markOurs
	}
	return markOthers
}

// markedBy describes who the mark says deployed a VM that is not ours.
func markedBy(vm *orka.VM) string {
	switch md := vm.CustomMetadata; {
	case md[vmOwnerKey] != vmOwnerValue:
		return "it does not carry this provider's mark (custom metadata " + vmOwnerKey + ")"
	case md[vmOwnerNameKey] == "":
		return "it was deployed by a configuration of this provider without an owner, not by this one (provider argument owner)"
	default:
		return fmt.Sprintf("it was deployed by another configuration of this provider, owner %q (provider argument owner)", md[vmOwnerNameKey])
	}
}

// madeBy reports whether a VM carries the mark of the create call createID.
func madeBy(vm *orka.VM, createID string) bool {
	return vm != nil && createID != "" && vm.CustomMetadata[vmCreateKey] == createID
}

// userMetadata is a VM's custom metadata without the provider's mark.
func userMetadata(md map[string]string) map[string]string {
	if !slices.ContainsFunc(vmMarkKeys, func(k string) bool { _, ok := md[k]; return ok }) {
		return md
	}
	out := make(map[string]string, len(md))
	for k, v := range md {
		if !slices.Contains(vmMarkKeys, k) {
			out[k] = v
		}
	}
	return out
}

// vmFromAPI is the state for a VM Orka reports. Deploy-time overrides that Orka does not
// report back keep the values Terraform had.
func vmFromAPI(ctx context.Context, v *orka.VM, namespace string, prior vmModel) (vmModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := prior
	m.ID = types.StringValue(vmID(namespace, v.Name))
	m.Name = types.StringValue(v.Name)
	m.Namespace = types.StringValue(namespace)
	if v.VMConfig != "" {
		m.VMConfig = types.StringValue(v.VMConfig)
	} else if m.VMConfig.IsUnknown() {
		m.VMConfig = types.StringNull()
	}
	if v.Image != "" {
		m.Image = types.StringValue(v.Image)
	} else if m.Image.IsUnknown() {
		m.Image = types.StringNull()
	}
	// Orka's deploy answer carries only name, node, memory, ip, ports and status (orka-api.md
	// §5), and a cluster may leave other fields out of its VM items: a field Orka did not send
	// keeps what Terraform knew, and is null only where nothing was known.
	if v.CPU > 0 {
		m.CPU = types.Int64Value(int64(v.CPU))
	} else if m.CPU.IsUnknown() {
		m.CPU = types.Int64Null()
	}
	if gib, err := parseGiB(v.Memory); err == nil {
		// Orka keeps memory in steps of 0.1 GiB and reports it as a quantity ("8.10Gi"); a
		// configured size stands unless Orka reports another.
		if m.Memory.IsNull() || m.Memory.IsUnknown() || math.Abs(m.Memory.ValueFloat64()-gib) >= 0.01 {
			m.Memory = types.Float64Value(gib)
		}
	} else if m.Memory.IsUnknown() {
		m.Memory = types.Float64Null()
	}
	m.Node = stringOrNull(v.Node)
	m.IP = stringOrNull(v.IP)
	m.SSHPort = portValue(v.SSH)
	m.VNCPort = portValue(v.VNC)
	m.ScreensharePort = portValue(v.Screenshare)
	m.Status = types.StringValue(v.Status)
	m.DeployDate = reportedOr(v.DeployDate, m.DeployDate)
	m.Arch = reportedOr(v.Type, m.Arch)
	switch md := userMetadata(v.CustomMetadata); {
	case v.CustomMetadata == nil:
		// Not reported: what was asked for stands.
		if m.CustomMetadata.IsUnknown() {
			m.CustomMetadata = types.MapNull(types.StringType)
		}
	case len(md) > 0 || !prior.CustomMetadata.IsNull():
		v, d := types.MapValueFrom(ctx, types.StringType, md)
		diags.Append(d...)
		m.CustomMetadata = v
	}
	if m.ReservedPorts.IsUnknown() {
		m.ReservedPorts = types.ListNull(types.StringType)
	}
	// No metadata and no ports are recorded as empty, the form an unset argument plans
	// (emptyAsUnset).
	m.CustomMetadata = emptyMapIfNull(m.CustomMetadata)
	m.ReservedPorts = emptyListIfNull(m.ReservedPorts)
	return m, diags
}

// reportedOr is a string Orka reported, or, when it sent none, what was known before (null
// when nothing was).
func reportedOr(reported string, prior types.String) types.String {
	switch {
	case reported != "":
		return types.StringValue(reported)
	case prior.IsUnknown():
		return types.StringNull()
	}
	return prior
}

func portValue(p *int) types.Int64 {
	if p == nil || *p == 0 {
		return types.Int64Null()
	}
	return types.Int64Value(int64(*p))
}

// parseGiB reads a memory quantity ("4.80Gi", "6G", "512Mi", "6") as GiB to 0.01, as the
// client reads it (orka.ParseMemoryGiB).
func parseGiB(q string) (float64, error) {
	n, err := orka.ParseMemoryGiB(q)
	if err != nil {
		return 0, err
	}
	return roundTo(n, 2), nil
}

func roundTo(f float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	return float64(int64(f*p+0.5)) / p
}
