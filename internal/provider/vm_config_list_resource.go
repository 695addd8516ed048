package provider

import (
	"context"
	"math"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// NewVMConfigListResource lists the cluster's VM configs.
func NewVMConfigListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_vm_config", workspace: poolWorkspace, plural: "VM configs", identity: nameIdentity, clusterScoped: true,
		items: func(ctx context.Context, pd *providerData, _ string, _ timeouts.Value) ([]listItem, error) {
			cfgs, err := pd.client.ListVMConfigs(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(cfgs))
			for i := range cfgs {
				out = append(out, listItem{name: cfgs[i].Name, display: cfgs[i].Name + " (" + cfgs[i].Image + ")",
					state: vmConfigChosen(&cfgs[i])})
			}
			return out, nil
		},
		note: "A VM config's block holds what was chosen for it: no argument equal to its default (`cpu = 3`, " +
			"`scheduler = \"default\"`, `vnc_console = true`, the other switches `false`), and no `memory` equal to " +
			"what Orka derives from `cpu` when none is given.",
	}}
}

// vmConfigChosen is the state of a listed VM config that generated configuration is written
// from: what a person would have written, not everything Orka reports. Terraform writes no
// line for a null argument, so every argument equal to its default is null here (the plan
// after the import applies the same default and finds nothing to change), and so is a memory
// equal to what Orka derives from the config's cpu (memory is kept from state when not set).
// The import that follows reads the config itself, so its state holds everything.
func vmConfigChosen(c *orka.VMConfig) vmConfigModel {
	m := vmConfigFromAPI(c, vmConfigModel{})
	if c.Memory == 0 || math.Abs(c.Memory-orka.DerivedMemoryGiB(int(m.CPU.ValueInt64()))) < 0.05 {
		m.Memory = types.Float64Null()
	}
	if m.CPU.ValueInt64() == vmConfigDefaultCPU {
		m.CPU = types.Int64Null()
	}
	if m.Scheduler.ValueString() == vmConfigDefaultScheduler {
		m.Scheduler = types.StringNull()
	}
	for _, b := range []struct {
		v   *types.Bool
		def bool
	}{{&m.TagRequired, false}, {&m.NetBoost, false}, {&m.LegacyIO, false}, {&m.GPUPassthrough, false}, {&m.VNCConsole, true}} {
		if b.v.ValueBool() == b.def {
			*b.v = types.BoolNull()
		}
	}
	return m
}
