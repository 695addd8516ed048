package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// NewRoleBindingSubjectListResource lists the subjects of each namespace's orka-dev binding.
func NewRoleBindingSubjectListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_role_binding_subject", workspace: adminWorkspace, plural: "role-binding subjects", identity: roleBindingSubjectIdentity,
		extra: map[string]listschema.Attribute{
			"kind": listschema.StringAttribute{
				MarkdownDescription: "List only subjects of this kind: `user` or `service_account`.", Optional: true,
				Validators: []validator.String{stringvalidator.OneOf(subjectKindUser, subjectKindServiceAccount)},
			},
		},
		accept: func(ctx context.Context, cfg tfsdk.Config, it listItem, diags *diag.Diagnostics) bool {
			var kind types.String
			diags.Append(cfg.GetAttribute(ctx, path.Root("kind"), &kind)...)
			m, _ := it.state.(roleBindingSubjectModel)
			return kind.IsNull() || kind.ValueString() == m.Kind.ValueString()
		},
		items: func(ctx context.Context, pd *providerData, ns string, _ timeouts.Value) ([]listItem, error) {
			subjects, err := pd.client.ListRoleBindingSubjects(ctx, ns)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(subjects))
			for _, s := range subjects {
				m := roleBindingSubjectModel{Namespace: types.StringValue(ns), Name: types.StringValue(s.Name),
					Kind: types.StringValue(subjectKindUser), SubjectNamespace: types.StringNull()}
				if strings.EqualFold(s.Kind, orka.SubjectKindServiceAccount) {
					subjectNS := s.Namespace
					if subjectNS == "" {
						subjectNS = ns
					}
					m.Kind = types.StringValue(subjectKindServiceAccount)
					m.SubjectNamespace = types.StringValue(subjectNS)
				}
				m.ID = types.StringValue(m.id())
				out = append(out, listItem{name: s.Name, display: m.id(), state: m})
			}
			return out, nil
		},
	}}
}
