package provider

import (
	"context"
	"fmt"
	"math"
	"strconv"
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
	if req.CustomMetadata == nil {
		req.CustomMetadata = map[string]string{}
	}
	req.CustomMetadata[vmOwnerKey] = vmOwnerValue
	return req, diags
}

// The provider's mark on the VMs it deploys: one custom metadata entry, sent with every deploy
// and hidden from custom_metadata. A VM that carries it was deployed by this provider, which
// is what allows adopting a VM found under our name after a deploy whose answer was lost.
const (
	vmOwnerKey   = "orka-tf-deployed-by"
	vmOwnerValue = "terraform-provider-orka"
)

// vmMark is what a VM read from Orka says about who deployed it.
type vmMark int

const (
	markOthers  vmMark = iota // Orka reports its metadata, without this provider's mark
	markOurs                  // it carries this provider's mark
	markUnknown               // Orka reported no metadata at all, so the mark cannot be read
)

// vmMarkOf reads the mark. MacStadium documents no VM answer that carries customMetadata
// (orka-api.md §5), so a cluster may never report it: a VM without the field is neither ours
// nor someone else's, and the callers fall back to what else they know.
func vmMarkOf(vm *orka.VM) vmMark {
	switch {
	case vm == nil || vm.CustomMetadata == nil:
		return markUnknown
	case vm.CustomMetadata[vmOwnerKey] == vmOwnerValue:
		return markOurs
	}
	return markOthers
}

func vmOwned(vm *orka.VM) bool { return vmMarkOf(vm) == markOurs }

// userMetadata is a VM's custom metadata without the provider's mark.
func userMetadata(md map[string]string) map[string]string {
	if _, ok := md[vmOwnerKey]; !ok {
		return md
	}
	out := make(map[string]string, len(md))
	for k, v := range md {
		if k != vmOwnerKey {
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

// parseGiB reads a Kubernetes-style memory quantity ("4.80Gi", "6G", "512Mi", "6") as GiB.
func parseGiB(q string) (float64, error) {
	q = strings.TrimSpace(q)
	units := []struct {
		suffix string
		gib    float64
	}{
		{"Gi", 1}, {"G", 1e9 / (1 << 30)}, {"Mi", 1.0 / 1024}, {"M", 1e6 / (1 << 30)}, {"Ti", 1024},
	}
	for _, u := range units {
		if strings.HasSuffix(q, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSuffix(q, u.suffix), 64)
			if err != nil {
				return 0, err
			}
			return roundTo(n*u.gib, 2), nil
		}
	}
	n, err := strconv.ParseFloat(q, 64)
	if err != nil {
		return 0, fmt.Errorf("unknown memory quantity %q", q)
	}
	return n, nil
}

func roundTo(f float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	return float64(int64(f*p+0.5)) / p
}
