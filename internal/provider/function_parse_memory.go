package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var _ function.Function = (*parseMemoryFunction)(nil)

// NewParseMemoryFunction is provider::orka::parse_memory: the memory quantities Orka reports
// ("31.23G" of a node, "4.80Gi" of a VM) as a number of GiB, the unit every memory argument of
// this provider takes. It parses as the client does (orka.ParseMemoryGiB), so a figure read
// through a data source means the same in HCL as in the provider's own capacity checks.
func NewParseMemoryFunction() function.Function { return &parseMemoryFunction{} }

type parseMemoryFunction struct{}

func (f *parseMemoryFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "parse_memory"
}

func (f *parseMemoryFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "An Orka memory quantity as a number of GiB",
		MarkdownDescription: "Converts a memory quantity as Orka reports it (a node's `31.23G`, a VM's `4.80Gi`) into " +
			"a number of GiB, the unit of the `memory` arguments of `orka_vm` and `orka_vm_config`. Binary suffixes " +
			"(`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`) are powers of 1024, decimal ones (`k`, `M`, `G`, `T`, `P`, `E`) powers " +
			"of 1000 and an exponent (`6e9`) counts bytes, as in Kubernetes quantities, so `31.23G` is about 29.09 GiB; " +
			"a bare number is already GiB. Anything else is an error: a sign, a space inside (`4.80 Gi`), a suffix " +
			"after an exponent, or another suffix (`4GB`, `4K`). The result is exact: pass it " +
			"to `round_memory` for the 0.1 GiB step Orka keeps. Needs Terraform 1.8 or later, or OpenTofu 1.7 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "quantity",
				MarkdownDescription: "A memory quantity such as `31.23G`, `4.80Gi`, `512Mi` or `6`.",
			},
		},
		Return: function.Float64Return{},
	}
}

func (f *parseMemoryFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var quantity string
	resp.Error = req.Arguments.Get(ctx, &quantity)
	if resp.Error != nil {
		return
	}
	gib, err := orka.ParseMemoryGiB(quantity)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, "quantity: "+err.Error()+": write a number of GiB, or a "+
			"number with one of the suffixes Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024) or k, M, G, T, P, E (powers "+
			"of 1000), with no space before it")
		return
	}
	resp.Error = resp.Result.Set(ctx, gib)
}
