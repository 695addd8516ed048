package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/function"
)

var _ function.Function = (*roundMemoryFunction)(nil)

// NewRoundMemoryFunction is provider::orka::round_memory: a memory size in GiB as Orka keeps
// it, on its 0.1 GiB step. The `memory` arguments refuse a size off that step (memoryValidator)
// rather than let state hold a value Orka never kept; this is the way to land on the step.
func NewRoundMemoryFunction() function.Function { return &roundMemoryFunction{} }

type roundMemoryFunction struct{}

func (f *roundMemoryFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "round_memory"
}

func (f *roundMemoryFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "A memory size rounded to the 0.1 GiB step Orka keeps",
		MarkdownDescription: fmt.Sprintf("Rounds a memory size in GiB to the nearest %v GiB, as Orka does with the "+
			"memory of a VM or VM config. The `memory` arguments of `orka_vm` and `orka_vm_config` accept only sizes "+
			"on that step, so a computed size (a share of a node's memory from `parse_memory`) goes through this "+
			"function first. Rounding is to the nearest step, as Orka rounds: a size that must fit within a node "+
			"is safer rounded down, `floor(x * 10) / 10`. A result below %v GiB is an error. Needs Terraform 1.8 or "+
			"later, or OpenTofu 1.7 or later.", memoryStep, memoryStep),
		Parameters: []function.Parameter{
			function.Float64Parameter{Name: "gib", MarkdownDescription: "A memory size in GiB."},
		},
		Return: function.Float64Return{},
	}
}

func (f *roundMemoryFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var gib float64
	resp.Error = req.Arguments.Get(ctx, &gib)
	if resp.Error != nil {
		return
	}
	rounded := roundMemory(gib)
	if p := memoryProblem(rounded); p != "" {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("gib: %v rounds to %v, and %s", gib, rounded, p))
		return
	}
	resp.Error = resp.Result.Set(ctx, rounded)
}
