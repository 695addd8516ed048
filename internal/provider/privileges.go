package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Which token each resource, data source and ephemeral resource needs (orka-api.md §1 and §8).
// The provider documentation's "Privileges" table is checked against this map by a test.
const (
	needsAdministrator = "administrator"
	needsNamespace     = "namespace"    // a token bound to the object's namespace (orka-dev)
	needsOrkaDefault   = "orka-default" // a token bound to orka-default, where VM configs live
	needsNone          = "none"         // no token at all
	needsAny           = "any"          // any token Orka accepts
)

var privileges = map[string]string{
	"resource orka_namespace":              needsAdministrator,
	"resource orka_service_account":        needsAdministrator,
	"resource orka_service_account_token":  needsAdministrator,
	"ephemeral orka_service_account_token": needsAdministrator,
	"resource orka_registry_credential":    needsAdministrator,
	"resource orka_role_binding_subject":   needsAdministrator,
	"resource orka_node":                   needsAdministrator,
	"resource orka_vm_config":              needsOrkaDefault,
	"data orka_vm_config":                  needsOrkaDefault,
	"data orka_images":                     needsOrkaDefault,
	"resource orka_image":                  needsOrkaDefault,
	"resource orka_vm":                     needsNamespace,
	"resource orka_image_cache":            needsNamespace,
	"data orka_vms":                        needsNamespace,
	"data orka_nodes":                      needsNamespace,
	"data orka_upgrade_window":             needsNamespace,
	"data orka_cluster":                    needsAny,
	"list orka_namespace":                  needsAdministrator,
	"list orka_service_account":            needsAdministrator,
	"list orka_registry_credential":        needsAdministrator,
	"list orka_role_binding_subject":       needsAdministrator,
	"list orka_vm_config":                  needsOrkaDefault,
	"list orka_vm":                         needsNamespace,
	"list orka_image_cache":                needsNamespace,
	"list orka_image":                      needsOrkaDefault,
	"list orka_node":                       needsNamespace,
	"action orka_vm_save":                  needsNamespace,
	"action orka_vm_push":                  needsNamespace,
}

// requireAdministrator stops a plan that would create, change or destroy an
// administrator-only object with a token known not to be an administrator's (a
// service-account token), before any request is made: one error per object, all with the
// same summary, each naming the object (Terraform adds its address), instead of a 403 for each
// in the middle of an apply. Objects the plan leaves alone pass. idAttrs name the attributes
// that identify the object, such as namespace and name.
func requireAdministrator(ctx context.Context, pd *providerData, typeName string, req resource.ModifyPlanRequest,
	resp *resource.ModifyPlanResponse, idAttrs ...string,
) bool {
	if pd == nil || pd.client == nil || pd.client.TokenKind().CanAdminister() {
		return true
	}
	action, from := "change", attributeGetter(resp.Plan)
	switch {
	case req.Plan.Raw.IsNull():
		action, from = "destroy", req.State
	case req.State.Raw.IsNull():
		action = "create"
	case req.Plan.Raw.Equal(req.State.Raw):
		return true
	}
	// A service-account token: Orka Small Teams' admin service account may do this, so ask.
	if pd.client.MayAdminister(ctx) {
		return true
	}
	resp.Diagnostics.AddError(summaryAdminNeeded, fmt.Sprintf("This plan would %s %s %s, which only an Orka "+
		"administrator may do, and the provider's token is %s. Orka would refuse it with HTTP 403 during the "+
		"apply, so the plan stops here, before anything is sent.\n\n%s",
		action, typeName, describeObject(ctx, from, idAttrs), pd.client.TokenKind(), adminOnlyAdvice))
	return false
}

// attributeGetter is a plan or a state.
type attributeGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// describeObject joins the known values of the identifying attributes, such as
// `"orka-ci/ci-bot"`.
func describeObject(ctx context.Context, from attributeGetter, idAttrs []string) string {
	var parts []string
	for _, a := range idAttrs {
		var v types.String
		from.GetAttribute(ctx, path.Root(a), &v)
		switch {
		case v.IsUnknown():
			parts = append(parts, "(known after apply)")
		case !v.IsNull():
			parts = append(parts, v.ValueString())
		}
	}
	return fmt.Sprintf("%q", strings.Join(parts, "/"))
}
