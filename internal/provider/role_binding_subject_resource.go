package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                   = (*roleBindingSubjectResource)(nil)
	_ resource.ResourceWithConfigure      = (*roleBindingSubjectResource)(nil)
	_ resource.ResourceWithIdentity       = (*roleBindingSubjectResource)(nil)
	_ resource.ResourceWithImportState    = (*roleBindingSubjectResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*roleBindingSubjectResource)(nil)
	_ resource.ResourceWithValidateConfig = (*roleBindingSubjectResource)(nil)
)

// Subject kinds as users write them, mapped to Orka's spellings.
const (
	subjectKindUser           = "user"
	subjectKindServiceAccount = "service_account"
)

var subjectKinds = map[string]string{
	subjectKindUser:           orka.SubjectKindUser,
	subjectKindServiceAccount: orka.SubjectKindServiceAccount,
}

// NewRoleBindingSubjectResource is orka_role_binding_subject: one user or service account in a
// namespace's orka-dev role binding, the binding that grants use of the namespace.
func NewRoleBindingSubjectResource() resource.Resource { return &roleBindingSubjectResource{} }

type roleBindingSubjectResource struct {
	data *providerData
}

type roleBindingSubjectModel struct {
	ID               types.String `tfsdk:"id"`
	Namespace        types.String `tfsdk:"namespace"`
	Kind             types.String `tfsdk:"kind"`
	Name             types.String `tfsdk:"name"`
	SubjectNamespace types.String `tfsdk:"subject_namespace"`
}

func (r *roleBindingSubjectResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role_binding_subject"
}

func (r *roleBindingSubjectResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceStr := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Grants one user or service account the use of a namespace, as a subject of the " +
			"namespace's `orka-dev` role binding (`orka3 rb add-subject`). Role bindings survive every kind of Orka " +
			"upgrade. Orka adds a new service account to its own namespace's binding by itself; this resource is " +
			"for everything else, such as letting a CI account of `orka-ci` deploy in `orka-ios`. Adding a subject " +
			"that is already bound adopts it, and destroying the resource removes the subject. Needs an " +
			"administrator's token.\n\n" +
			"Import with `namespace/user/<name>`, `namespace/service_account/<name>` (an account of the same " +
			"namespace) or `namespace/service_account/<subject_namespace>/<name>`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`namespace/user/name`, or `namespace/service_account/subject_namespace/name`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace whose `orka-dev` role binding gets the subject. Defaults to the " +
					"provider's `namespace`.",
				Optional: true, Computed: true, PlanModifiers: replaceStr,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"kind": schema.StringAttribute{
				MarkdownDescription: "`user` (an Orka user, by the e-mail address they log in with) or " +
					"`service_account`.",
				Required: true, PlanModifiers: replaceStr,
				Validators: []validator.String{stringvalidator.OneOf(subjectKindUser, subjectKindServiceAccount)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The user's name (the e-mail address they log in with) or the service account's " +
					"name (lowercase letters, digits, `-` and `.`).",
				Required: true, PlanModifiers: replaceStr,
			},
			"subject_namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace of the service account. Required when `kind = \"service_account\"`; " +
					"must not be set for users.",
				Optional: true, PlanModifiers: replaceStr,
				Validators: []validator.String{namespaceNameValidator()},
			},
		},
	}
}

func (r *roleBindingSubjectResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *roleBindingSubjectResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m roleBindingSubjectModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Kind.IsUnknown() || m.Kind.IsNull() {
		return
	}
	// The name's rule depends on the kind: an account that breaks it could never exist, and a
	// user name that breaks it could never log in.
	nameRule := userNameValidator()
	if m.Kind.ValueString() == subjectKindServiceAccount {
		nameRule = serviceAccountNameValidator()
	}
	if !m.Name.IsNull() && !m.Name.IsUnknown() {
		if p := nameRule.problem(m.Name.ValueString()); p != "" {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Invalid "+nameRule.what, fmt.Sprintf("name: %s.", p))
		}
	}
	switch m.Kind.ValueString() {
	case subjectKindServiceAccount:
		if m.SubjectNamespace.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("subject_namespace"), "Missing subject_namespace",
				"kind = \"service_account\" needs subject_namespace: the namespace the service account lives in.")
		}
	case subjectKindUser:
		if !m.SubjectNamespace.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("subject_namespace"), "subject_namespace is only for service accounts",
				"Users do not belong to a namespace: remove subject_namespace, or set kind = \"service_account\".")
		}
	}
}

func (r *roleBindingSubjectResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planNamespace(ctx, r.data, req, resp)
	requireAdministrator(ctx, r.data, "orka_role_binding_subject", req, resp, "namespace", "kind", "subject_namespace", "name")
}

func (r *roleBindingSubjectResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer roleBindingSubjectIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan roleBindingSubjectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(plan.Namespace)
	plan.Namespace = types.StringValue(ns)
	plan.ID = types.StringValue(plan.id())
	what := fmt.Sprintf("Role binding subject %s in namespace %q", plan.describe(), ns)
	summary := fmt.Sprintf("Could not add %s to role binding orka-dev in namespace %q", plan.describe(), ns)
	client := r.data.client
	_, err := runCreate(ctx, createSpec[bool]{
		inflight: inflightKey{"role_binding_subject", plan.id()},
		send: func(ctx context.Context) (bool, error) {
			return true, client.AddRoleBindingSubjects(ctx, ns, plan.change())
		},
		lookup:   func(ctx context.Context) (bool, error) { return r.lookup(ctx, plan, ns) },
		mismatch: func(bool) string { return "" },
	})
	if err != nil {
		if !settleCreateError(&resp.Diagnostics, summary, "name", what, plan.id(), err) {
			recordUnknown(ctx, resp, plan, summary, err)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// lookup reports whether the subject is in the namespace's orka-dev binding, with "not there"
// as a not-found error.
func (r *roleBindingSubjectResource) lookup(ctx context.Context, m roleBindingSubjectModel, ns string) (bool, error) {
	subjects, err := r.data.client.RefreshRoleBindingSubjects(ctx, ns, func(s orka.RoleBindingSubject) bool { return m.matches(s, ns) })
	if err != nil {
		return false, err
	}
	for _, s := range subjects {
		if m.matches(s, ns) {
			return true, nil
		}
	}
	return false, errAbsent(fmt.Sprintf("%s in role binding orka-dev of namespace %q", m.describe(), ns))
}

func (r *roleBindingSubjectResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer roleBindingSubjectIdentity.syncRead(ctx, req, resp)
	var state roleBindingSubjectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	state.Namespace = types.StringValue(ns)
	defer inflightKey{"role_binding_subject", state.id()}.done() // Terraform has it in its state
	what := fmt.Sprintf("Role binding subject %s in namespace %q", state.describe(), ns)
	_, err := getConfirmed(ctx, func(ctx context.Context) (bool, error) { return r.lookup(ctx, state, ns) })
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read the subjects of role binding orka-dev in namespace %q", ns), err)
		return
	}
	if readPending(ctx, req, resp, what, err == nil, "") {
		return
	}
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	state.ID = types.StringValue(state.id())
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update is never called with a change: every argument forces replacement.
func (r *roleBindingSubjectResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer roleBindingSubjectIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	recordPlan(ctx, req, resp)
}

func (r *roleBindingSubjectResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state roleBindingSubjectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	err := r.data.client.RemoveRoleBindingSubjects(ctx, ns, state.change())
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not remove %s from role binding orka-dev in namespace %q", state.describe(), ns), err)
	}
}

func (r *roleBindingSubjectResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer roleBindingSubjectIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = roleBindingSubjectIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	user := importPart{name: "name", rule: userNameValidator().problem}
	account := importPart{name: "name", rule: serviceAccountNameValidator().problem}
	kindUser := importPart{name: "kind", literal: subjectKindUser}
	kindAccount := importPart{name: "kind", literal: subjectKindServiceAccount}
	subjectNamespace := namespacePart
	subjectNamespace.name = "subject_namespace"
	shape, parts, ok := parseImportID(req.ID, &resp.Diagnostics,
		importShape{parts: []importPart{namespacePart, kindUser, user}, example: "orka-ios/user/dev@example.com"},
		importShape{parts: []importPart{namespacePart, kindAccount, account}, example: "orka-ios/service_account/ci"},
		importShape{parts: []importPart{namespacePart, kindAccount, subjectNamespace, account}, example: "orka-ios/service_account/orka-ci/ci"},
	)
	if !ok {
		return
	}
	m := roleBindingSubjectModel{SubjectNamespace: types.StringNull(), Name: types.StringValue(parts[len(parts)-1])}
	switch {
	case len(shape.parts) == 4:
		m.SubjectNamespace = types.StringValue(parts[2])
	case parts[1] == subjectKindServiceAccount:
		m.SubjectNamespace = types.StringValue(parts[0])
	}
	m.Namespace = types.StringValue(parts[0])
	m.Kind = types.StringValue(parts[1])
	m.ID = types.StringValue(m.id())
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (m roleBindingSubjectModel) isServiceAccount() bool {
	return m.Kind.ValueString() == subjectKindServiceAccount
}

func (m roleBindingSubjectModel) id() string {
	if m.isServiceAccount() {
		return strings.Join([]string{m.Namespace.ValueString(), subjectKindServiceAccount, m.SubjectNamespace.ValueString(), m.Name.ValueString()}, "/")
	}
	return strings.Join([]string{m.Namespace.ValueString(), subjectKindUser, m.Name.ValueString()}, "/")
}

func (m roleBindingSubjectModel) describe() string {
	if m.isServiceAccount() {
		return fmt.Sprintf("service account %s/%s", m.SubjectNamespace.ValueString(), m.Name.ValueString())
	}
	return fmt.Sprintf("user %q", m.Name.ValueString())
}

func (m roleBindingSubjectModel) change() orka.SubjectsChange {
	if m.isServiceAccount() {
		return orka.SubjectsChange{ServiceAccounts: []orka.ServiceAccountRef{{
			Name: m.Name.ValueString(), Namespace: m.SubjectNamespace.ValueString(),
		}}}
	}
	return orka.SubjectsChange{Users: []string{m.Name.ValueString()}}
}

// matches compares with an item of Orka's list. Orka may leave out a service account's
// namespace when it is the binding's own.
func (m roleBindingSubjectModel) matches(s orka.RoleBindingSubject, bindingNS string) bool {
	if !strings.EqualFold(s.Kind, subjectKinds[m.Kind.ValueString()]) || s.Name != m.Name.ValueString() {
		return false
	}
	if !m.isServiceAccount() {
		return true
	}
	subjectNS := s.Namespace
	if subjectNS == "" {
		subjectNS = bindingNS
	}
	return subjectNS == m.SubjectNamespace.ValueString()
}
