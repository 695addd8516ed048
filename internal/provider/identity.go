package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// objectIdentity is a resource type's identity (Terraform 1.12 and later): the natural key
// that names one object in Orka. Every identity attribute is also a state attribute of the
// same name, so the identity is always derived from state and never disagrees with it.
type objectIdentity struct {
	// attrs in import-ID order, e.g. namespace then name.
	attrs []identityAttr
	// importID joins the identity's values into the type's import ID (which keeps working next
	// to import by identity).
	importID func(v map[string]string) string
}

type identityAttr struct {
	name     string
	doc      string
	optional bool
}

var (
	nsNameIdentity = objectIdentity{
		attrs: []identityAttr{
			{name: "namespace", doc: "Namespace the object lives in."},
			{name: "name", doc: "Name of the object, unique in its namespace."},
		},
		importID: func(v map[string]string) string { return v["namespace"] + "/" + v["name"] },
	}
	nameIdentity = objectIdentity{
		attrs:    []identityAttr{{name: "name", doc: "Name of the object, unique in the cluster."}},
		importID: func(v map[string]string) string { return v["name"] },
	}
	registryCredentialIdentity = objectIdentity{
		attrs: []identityAttr{
			{name: "namespace", doc: "Namespace that holds the credential."},
			{name: "server", doc: "Registry server, with its scheme, such as `https://ghcr.io`."},
		},
		importID: func(v map[string]string) string { return v["namespace"] + "/" + v["server"] },
	}
	imageCacheIdentity = objectIdentity{
		attrs: []identityAttr{
			{name: "namespace", doc: "Namespace whose nodes cache the image."},
			{name: "image", doc: "The cached image: a local image name or an OCI reference."},
		},
		importID: func(v map[string]string) string { return v["namespace"] + "/" + v["image"] },
	}
	roleBindingSubjectIdentity = objectIdentity{
		attrs: []identityAttr{
			{name: "namespace", doc: "Namespace whose `orka-dev` role binding holds the subject."},
			{name: "kind", doc: "`user` or `service_account`."},
			{name: "name", doc: "User name or e-mail, or service-account name."},
			{name: "subject_namespace", doc: "Namespace of the service account, when it differs from `namespace`.", optional: true},
		},
		importID: func(v map[string]string) string {
			parts := []string{v["namespace"], v["kind"]}
			if sn := v["subject_namespace"]; sn != "" && v["kind"] == subjectKindServiceAccount {
				parts = append(parts, sn)
			}
			return strings.Join(append(parts, v["name"]), "/")
		},
	}
)

func (oi objectIdentity) schema(resp *resource.IdentitySchemaResponse) {
	attrs := make(map[string]identityschema.Attribute, len(oi.attrs))
	for _, a := range oi.attrs {
		attrs[a.name] = identityschema.StringAttribute{
			Description:       a.doc,
			RequiredForImport: !a.optional,
			OptionalForImport: a.optional,
		}
	}
	resp.IdentitySchema = identityschema.Schema{Attributes: attrs}
}

// sync sets the identity from the state a Create, Read, Update or import left. It does
// nothing where Terraform does not support identity (before 1.12) or where there is no state.
func (oi objectIdentity) sync(ctx context.Context, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || state == nil || state.Raw.IsNull() {
		return
	}
	for _, a := range oi.attrs {
		var v types.String
		diags.Append(state.GetAttribute(ctx, path.Root(a.name), &v)...)
		if v.IsUnknown() {
			v = types.StringNull()
		}
		diags.Append(identity.SetAttribute(ctx, path.Root(a.name), v)...)
	}
}

// syncRead is sync for Read: an object that Read removes from state keeps the identity it had
// (Terraform requires one, and a state written before identity existed has none yet).
func (oi objectIdentity) syncRead(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := &resp.State
	if state.Raw.IsNull() {
		state = &req.State
	}
	oi.sync(ctx, state, resp.Identity, &resp.Diagnostics)
}

// importIDOf returns the import ID an ImportState request asks for: its ID, or the one made
// from its identity (an import block with `identity`).
func (oi objectIdentity) importIDOf(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) string {
	if req.ID != "" || req.Identity == nil {
		return req.ID
	}
	vals := map[string]string{}
	for _, a := range oi.attrs {
		var v types.String
		diags.Append(req.Identity.GetAttribute(ctx, path.Root(a.name), &v)...)
		vals[a.name] = v.ValueString()
	}
	return oi.importID(vals)
}

// The identity of each importable type.

func (r *vmResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	nsNameIdentity.schema(resp)
}

func (r *vmConfigResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	nameIdentity.schema(resp)
}

func (r *namespaceResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	nameIdentity.schema(resp)
}

func (r *serviceAccountResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	nsNameIdentity.schema(resp)
}

func (r *registryCredentialResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	registryCredentialIdentity.schema(resp)
}

func (r *roleBindingSubjectResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	roleBindingSubjectIdentity.schema(resp)
}

func (r *imageCacheResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	imageCacheIdentity.schema(resp)
}
