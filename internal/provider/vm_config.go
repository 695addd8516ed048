package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// vmConfigModel is the state of orka_vm_config, shared by the resource and the data source.
type vmConfigModel struct {
	ID             types.String  `tfsdk:"id"`
	Name           types.String  `tfsdk:"name"`
	Image          types.String  `tfsdk:"image"`
	CPU            types.Int64   `tfsdk:"cpu"`
	Memory         types.Float64 `tfsdk:"memory"`
	Tag            types.String  `tfsdk:"tag"`
	TagRequired    types.Bool    `tfsdk:"tag_required"`
	Scheduler      types.String  `tfsdk:"scheduler"`
	NetBoost       types.Bool    `tfsdk:"net_boost"`
	LegacyIO       types.Bool    `tfsdk:"legacy_io"`
	GPUPassthrough types.Bool    `tfsdk:"gpu_passthrough"`
	VNCConsole     types.Bool    `tfsdk:"vnc_console"`
	DisplayWidth   types.Int64   `tfsdk:"display_width"`
	DisplayHeight  types.Int64   `tfsdk:"display_height"`
	DisplayDPI     types.Int64   `tfsdk:"display_dpi"`
	NodeName       types.String  `tfsdk:"node_name"`
	Arch           types.String  `tfsdk:"arch"`
	Revision       types.String  `tfsdk:"revision"`
}

// Documented defaults and ranges of orka-api.md §4.
const (
	vmConfigDefaultCPU                 = 3
	vmConfigDefaultScheduler           = "default"
	displayWidthMin, displayWidthMax   = 320, 3840
	displayHeightMin, displayHeightMax = 480, 2160
	displayDPIMin, displayDPIMax       = 60, 240
	vmTagMaxLen                        = 32
)

var schedulers = []string{"default", "most-allocated"}

// vmConfigDocs describes each attribute once, for both the resource and the data source.
var vmConfigDocs = map[string]string{
	"id":    "The VM config's name.",
	"name":  "Name of the VM config, unique in the cluster: 1 to 50 lowercase letters, digits and `-`, starting with a letter and ending with a letter or digit.",
	"image": "Image to boot: a local image name (`*.img` for Intel, `*.orkasi` for Apple silicon) or an OCI reference such as `ghcr.io/org/macos:sonoma`.",
	"cpu":   fmt.Sprintf("Number of CPU cores, at least 2. Defaults to %d.", vmConfigDefaultCPU),
	"memory": "Memory in GiB. When not set, Orka derives it from `cpu`; the derived value is shown " +
		"after apply.",
	"tag": "Node tag (1 to 32 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit) that VMs " +
		"from this config prefer, or require with `tag_required`.",
	"tag_required": "Deploy only on nodes that carry `tag`. Defaults to `false`.",
	"scheduler":    "How Orka picks a node: `default` (spread VMs) or `most-allocated` (pack nodes). Defaults to `default`.",
	"net_boost":    "Enable Orka's network performance improvements for Intel VMs (`netBoost`). Defaults to `false`.",
	"legacy_io":    "Use the legacy IO mode (`legacyIO`) for older macOS guests. Defaults to `false`.",
	"gpu_passthrough": "Pass the node's GPU through to the VM. Needs a cluster with GPU passthrough enabled " +
		"and `vnc_console = false`. Defaults to `false`.",
	"vnc_console":    "Enable the VNC console. Must be `false` for GPU passthrough. Defaults to `true`.",
	"display_width":  fmt.Sprintf("Virtual display width in pixels, %d to %d. Orka's default applies when not set.", displayWidthMin, displayWidthMax),
	"display_height": fmt.Sprintf("Virtual display height in pixels, %d to %d. Orka's default applies when not set.", displayHeightMin, displayHeightMax),
	"display_dpi":    fmt.Sprintf("Virtual display DPI, %d to %d (Orka 3.4 and later). Orka's default applies when not set.", displayDPIMin, displayDPIMax),
	"node_name":      "Pin VMs from this config to the named node.",
	"arch":           "Architecture of the config's image as Orka reports it: `arm64` or `amd64`.",
	"revision": "A digest of the settings Orka reports for this config. It changes whenever the config is " +
		"replaced with other settings (and is unknown in the plan that replaces it), so an `orka_vm` whose " +
		"`vm_config_revision` follows it is replaced too, and a config change reaches its VMs.",
}

// readOnlyDoc is an attribute's description for a data source, where nothing is set and so
// no default applies.
func readOnlyDoc(doc string) string {
	if i := strings.Index(doc, " Defaults to "); i >= 0 {
		return doc[:i]
	}
	return strings.Replace(doc, " Orka's default applies when not set.", "", 1)
}

// toAPI is the create body for a planned config. Unknown optional values are left out so
// that Orka's defaults apply.
func (m vmConfigModel) toAPI() orka.VMConfig {
	c := orka.VMConfig{
		Name:           m.Name.ValueString(),
		Image:          m.Image.ValueString(),
		CPU:            int(m.CPU.ValueInt64()),
		Memory:         m.Memory.ValueFloat64(),
		Tag:            m.Tag.ValueString(),
		TagRequired:    boolPtr(m.TagRequired),
		Scheduler:      m.Scheduler.ValueString(),
		NetBoost:       boolPtr(m.NetBoost),
		LegacyIO:       boolPtr(m.LegacyIO),
		GPUPassthrough: boolPtr(m.GPUPassthrough),
		VNCConsole:     boolPtr(m.VNCConsole),
		DisplayWidth:   int(m.DisplayWidth.ValueInt64()),
		DisplayHeight:  int(m.DisplayHeight.ValueInt64()),
		DisplayDPI:     int(m.DisplayDPI.ValueInt64()),
		NodeName:       m.NodeName.ValueString(),
	}
	return c
}

// vmConfigFromAPI is the state for what Orka holds. prior is the state or plan Terraform had
// (zero value on import and in the data source); where Orka is silent about a value, the prior
// value or the documented default stands, so a quiet API never causes a replacement.
func vmConfigFromAPI(c *orka.VMConfig, prior vmConfigModel) vmConfigModel {
	m := vmConfigModel{
		ID:             types.StringValue(c.Name),
		Name:           types.StringValue(c.Name),
		Image:          types.StringValue(c.Image),
		CPU:            types.Int64Value(int64(c.CPU)),
		Memory:         types.Float64Value(c.Memory),
		Tag:            stringOrNull(c.Tag),
		TagRequired:    boolFrom(c.TagRequired, prior.TagRequired, false),
		Scheduler:      types.StringValue(c.Scheduler),
		NetBoost:       boolFrom(c.NetBoost, prior.NetBoost, false),
		LegacyIO:       boolFrom(c.LegacyIO, prior.LegacyIO, false),
		GPUPassthrough: boolFrom(c.GPUPassthrough, prior.GPUPassthrough, false),
		VNCConsole:     boolFrom(c.VNCConsole, prior.VNCConsole, true),
		DisplayWidth:   int64OrNull(c.DisplayWidth),
		DisplayHeight:  int64OrNull(c.DisplayHeight),
		DisplayDPI:     int64OrNull(c.DisplayDPI),
		NodeName:       stringOrNull(c.NodeName),
		Arch:           stringOrNull(c.Type),
		Revision:       prior.Revision,
	}
	if c.CPU == 0 {
		m.CPU = knownOr(prior.CPU, types.Int64Value(vmConfigDefaultCPU))
	}
	if c.Memory == 0 {
		m.Memory = knownOr(prior.Memory, types.Float64Null())
	}
	if c.Scheduler == "" {
		m.Scheduler = knownOr(prior.Scheduler, types.StringValue(vmConfigDefaultScheduler))
	}
	if m.Revision.IsNull() || m.Revision.IsUnknown() {
		m.Revision = types.StringValue(m.revision())
	}
	return m
}

// revision digests the settings of a config as stored, so that the same settings give the
// same revision (on create, import and in the data source alike) and other settings another.
// Once in state it is kept as it is: only a replacement of the config changes it.
func (m vmConfigModel) revision() string {
	h := sha256.New()
	for _, v := range []attr.Value{m.Name, m.Image, m.CPU, m.Memory, m.Tag, m.TagRequired, m.Scheduler, m.NetBoost,
		m.LegacyIO, m.GPUPassthrough, m.VNCConsole, m.DisplayWidth, m.DisplayHeight, m.DisplayDPI, m.NodeName} {
		fmt.Fprintf(h, "%s\x00", v.String())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// knownOr returns v when it holds a value, else def.
func knownOr[T interface {
	IsNull() bool
	IsUnknown() bool
}](v T, def T) T {
	if v.IsNull() || v.IsUnknown() {
		return def
	}
	return v
}

// vmConfigMismatch lists how an existing config differs from the one we asked for, looking
// only at what was asked. Used to decide whether a config found after a lost create
// response is ours.
func vmConfigMismatch(want orka.VMConfig, got *orka.VMConfig) []string {
	var diffs []string
	add := func(field string, w, g any) {
		diffs = append(diffs, fmt.Sprintf("%s: wanted %v, found %v", field, w, g))
	}
	if want.Image != got.Image {
		add("image", want.Image, got.Image)
	}
	if want.CPU != 0 && want.CPU != got.CPU {
		add("cpu", want.CPU, got.CPU)
	}
	if want.Memory != 0 && math.Abs(want.Memory-got.Memory) > 0.05 {
		add("memory", want.Memory, got.Memory)
	}
	if want.Tag != got.Tag {
		add("tag", want.Tag, got.Tag)
	}
	if want.Scheduler != "" && got.Scheduler != "" && want.Scheduler != got.Scheduler {
		add("scheduler", want.Scheduler, got.Scheduler)
	}
	for _, b := range []struct {
		field     string
		want, got *bool
	}{
		{"tag_required", want.TagRequired, got.TagRequired}, {"net_boost", want.NetBoost, got.NetBoost},
		{"legacy_io", want.LegacyIO, got.LegacyIO}, {"gpu_passthrough", want.GPUPassthrough, got.GPUPassthrough},
		{"vnc_console", want.VNCConsole, got.VNCConsole},
	} {
		if b.want != nil && b.got != nil && *b.want != *b.got {
			add(b.field, *b.want, *b.got)
		}
	}
	for _, n := range []struct {
		field     string
		want, got int
	}{
		{"display_width", want.DisplayWidth, got.DisplayWidth}, {"display_height", want.DisplayHeight, got.DisplayHeight},
		{"display_dpi", want.DisplayDPI, got.DisplayDPI},
	} {
		if n.want != 0 && n.want != n.got {
			add(n.field, n.want, n.got)
		}
	}
	if want.NodeName != got.NodeName {
		add("node_name", want.NodeName, got.NodeName)
	}
	return diffs
}
