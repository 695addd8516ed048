package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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
	_ resource.Resource                   = (*imageResource)(nil)
	_ resource.ResourceWithConfigure      = (*imageResource)(nil)
	_ resource.ResourceWithIdentity       = (*imageResource)(nil)
	_ resource.ResourceWithImportState    = (*imageResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*imageResource)(nil)
	_ resource.ResourceWithValidateConfig = (*imageResource)(nil)
)

// imageDefaultCreateTimeout bounds the wait for a copy to be Ready: a copy moves a whole macOS
// disk, like a save.
const imageDefaultCreateTimeout = 60 * time.Minute

// NewImageResource is orka_image: a local image made by copying another one. Images carry no
// field that could hold the provider's mark, so, like VM configs, an image found under the
// name before the copy is sent is someone else's and is refused (create_protocol.go).
func NewImageResource() resource.Resource { return &imageResource{} }

type imageResource struct {
	data *providerData
}

type imageModel struct {
	ID          types.String   `tfsdk:"id"`
	Name        types.String   `tfsdk:"name"`
	Source      types.String   `tfsdk:"source"`
	Description types.String   `tfsdk:"description"`
	Arch        types.String   `tfsdk:"arch"`
	State       types.String   `tfsdk:"state"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (r *imageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image"
}

func (r *imageResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A local image (`orka3 image`), made by copying another local image (`orka3 image copy`). " +
			"Local images live in the `orka-default` namespace, and VM configs and VMs of every namespace deploy from " +
			"them by name. Images survive every kind of Orka upgrade, so recovering from an upgrade never touches them.\n\n" +
			"The description is changed in place; a new `name` or `source` replaces the image. Creating waits until the " +
			"copy is `Ready`. An image that already exists under `name` before the copy is sent is never adopted: " +
			"import it instead. Destroying deletes the image, which Orka refuses while VMs use it (an Intel image: " +
			"any VM; an Apple-silicon image: more than one); the error names those VMs.\n\n" +
			"An empty Intel image of a given size (`orka3 image generate`) cannot be declared: MacStadium documents no " +
			"REST route for it. Saving a VM into an image is the `orka_vm_save` action. Regular service accounts may " +
			"manage images.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The image's name.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the image, unique in the cluster: at most 253 lowercase letters, digits, `-` and " +
					"`.`, starting and ending with a letter or digit. Apple-silicon images end in `.orkasi` and Intel " +
					"images in `.img`, like their source. Changing it replaces the image.",
				Required:      true,
				Validators:    []validator.String{savedImageNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"source": schema.StringAttribute{
				MarkdownDescription: "Name of the local image to copy, such as `90gbsonomassd.orkasi`; it must be `Ready`. " +
					"Needed to create the image. Orka does not record where an image came from, so an imported image has " +
					"none, and setting it right after an import only records it. Otherwise changing it replaces the image.",
				Optional:      true,
				Validators:    []validator.String{savedImageNameValidator()},
				PlanModifiers: []planmodifier.String{replaceUnlessImportedString()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the image, as `orka3 image list` shows it. Changed in place. When not " +
					"set, the copy keeps its source's description, and a description set outside Terraform is left alone.",
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arch": schema.StringAttribute{
				MarkdownDescription: "Architecture of the image as Orka reports it: `arm64` or `amd64`.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "The image's state: `Ready`, `Updating` (still being copied) or `Failed`.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: fmt.Sprintf("How long to wait for the copy to be `Ready`, default `%s`.", imageDefaultCreateTimeout),
			}),
		},
	}
}

func (r *imageResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// imageSuffixes are the local image kinds by name (orka-api.md §4): a copy is of the same kind
// as its source, so its name carries the same suffix.
var imageSuffixes = []string{".orkasi", ".img"}

// ValidateConfig refuses a copy whose name does not carry its source's kind.
func (r *imageResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m imageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Name.IsUnknown() || m.Source.IsUnknown() || m.Source.IsNull() {
		return
	}
	name, source := m.Name.ValueString(), m.Source.ValueString()
	for _, suffix := range imageSuffixes {
		if strings.HasSuffix(source, suffix) && !strings.HasSuffix(name, suffix) {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Image name does not fit its source",
				fmt.Sprintf("name: %q does not end in %s like its source %q: a copy is an image of the same kind "+
					"(.orkasi for Apple silicon, .img for Intel). Name it such as %q.", name, suffix, source,
					strings.TrimSuffix(strings.TrimSuffix(name, ".img"), ".orkasi")+suffix))
		}
	}
}

// ModifyPlan refuses at plan a create without a source: there is nothing to copy, and no
// documented route makes an image from nothing.
func (r *imageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() {
		return
	}
	var source types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("source"), &source)...)
	if source.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("source"), "Missing image source",
			"source: creating an orka_image copies a local image, so source must name one (`orka3 image list` lists "+
				"them). To manage an image that already exists, import it instead; an empty Intel image "+
				"(`orka3 image generate`) has no documented REST route, so it cannot be declared.")
	}
}

func (r *imageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan imageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	createTimeout, d := plan.Timeouts.Create(ctx, imageDefaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()

	client := r.data.client
	name, source := plan.Name.ValueString(), plan.Source.ValueString()
	desc, setDesc := plan.Description.ValueString(), !plan.Description.IsUnknown() && !plan.Description.IsNull()
	what := fmt.Sprintf("image %q", name)
	summary := fmt.Sprintf("Could not copy image %q into %q", source, name)
	_, err := runCreate(ctx, createSpec[*orka.Image]{
		inflight: inflightKey{"image", name},
		send: func(ctx context.Context) (*orka.Image, error) {
			return &orka.Image{Name: name}, client.CopyImage(ctx, "", source, name, desc)
		},
		lookup:   func(ctx context.Context) (*orka.Image, error) { return client.GetImage(ctx, name) },
		mismatch: func(got *orka.Image) string { return imageMismatch(desc, setDesc, got) },
	})
	// What is known before Orka is read: the request.
	requested := plan
	requested.ID = types.StringValue(name)
	requested.State = types.StringValue(orka.ImageStateUpdating)
	if requested.Description.IsUnknown() {
		requested.Description = types.StringNull()
	}
	requested.Arch = types.StringNull()
	if err != nil {
		if !settleCreateError(&resp.Diagnostics, summary, "name", what+" (image names are unique in the cluster)", name, err) {
			recordUnknown(ctx, resp, requested, summary, err)
		}
		return
	}
	img, err := r.waitReady(ctx, name)
	if err == nil && setDesc && img.Description != desc {
		// A copy asked for no description keeps its source's (the copy body leaves an empty
		// one out), so an empty description is set once the copy is Ready.
		if derr := resendIfLost(func() error { return client.SetImageDescription(ctx, "", name, desc) }); derr != nil {
			resp.Diagnostics.Append(resp.State.Set(ctx, imageFromAPI(img, plan))...)
			addAPIError(&resp.Diagnostics, fmt.Sprintf("Image %q was copied, but its description could not be set; "+
				"it is kept in the Terraform state as tainted, so the next apply deletes it and copies again", name), derr)
			return
		}
		img.Description = desc
	}
	if img != nil {
		requested = imageFromAPI(img, plan)
	}
	// Orka accepted the copy: it is recorded whatever the wait found.
	resp.Diagnostics.Append(resp.State.Set(ctx, requested)...)
	switch {
	case err != nil:
		resp.Diagnostics.AddWarning(what+" is still being copied",
			fmt.Sprintf("Orka accepted the copy of %q into %q, but the wait for it to be Ready ended: %v\n\nThe image "+
				"is recorded in the Terraform state (state %s), and Orka goes on copying; the next refresh reads its "+
				"state. Nothing needs to be done unless it becomes Failed.", source, name, err, requested.State.ValueString()))
	case img.State == orka.ImageStateFailed:
		msg := img.ErrorMessage
		if msg == "" {
			msg = "Orka gave no reason"
		}
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Orka could not copy image %q into %q: %s.\n\nThe failed image "+
			"is kept in the Terraform state as tainted, so the next apply deletes it and copies again.", source, name, msg))
	}
}

// waitReady follows a copy until it is Ready or Failed. It returns the image last read (nil
// when none was) and an error when the wait ended first.
func (r *imageResource) waitReady(ctx context.Context, name string) (*orka.Image, error) {
	var last *orka.Image
	err := poll(ctx, func() (bool, error) {
		img, err := r.data.client.GetImage(ctx, name)
		switch {
		case ctx.Err() != nil:
			return false, ctx.Err()
		case orka.IsUnavailable(err):
			// A restart or a short window: keep waiting. A window that outlasts the create
			// timeout (Orka's Retry-After says how long) ends the wait now rather than at the
			// timeout: the copy goes on, and the next apply after the window finds it.
			if ra, ok := orka.RetryAfterOf(err); ok {
				if deadline, has := ctx.Deadline(); has && time.Now().Add(ra).After(deadline) {
					return false, err
				}
			}
			return false, nil
		case err != nil:
			return false, err
		}
		last = img
		return imageStateOf(img) != orka.ImageStateUpdating, nil
	}, func() error {
		return fmt.Errorf("image %q was still %s when the create timeout ran out", name, imageStateOf(last))
	})
	if err != nil && last != nil && imageStateOf(last) != orka.ImageStateUpdating {
		err = nil
	}
	return last, err
}

// imageMismatch says why an image found after our own copy lost its answer is not the copy we
// asked for; only the description can tell.
func imageMismatch(desc string, setDesc bool, got *orka.Image) string {
	if setDesc && got.Description != desc {
		return fmt.Sprintf("description: wanted %q, found %q", desc, got.Description)
	}
	return ""
}

func (r *imageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer nameIdentity.syncRead(ctx, req, resp)
	var state imageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	defer inflightKey{"image", name}.done() // Terraform has it in its state
	what := fmt.Sprintf("Image %q", name)
	got, err := getConfirmed(ctx, func(ctx context.Context) (*orka.Image, error) { return r.data.client.RefreshImage(ctx, name) })
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Could not read "+strings.ToLower(what[:1])+what[1:], err)
		return
	}
	mismatch := ""
	if err == nil {
		mismatch = imageMismatch(state.Description.ValueString(), !state.Description.IsNull() && !state.Description.IsUnknown(), got)
	}
	if readPending(ctx, req, resp, what, err == nil, mismatch) {
		return
	}
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	resp.Diagnostics.Append(setStateIfChanged(ctx, resp, state, imageFromAPI(got, state))...)
}

// Update changes the description in place (name and source replace the image), and records the
// rest of the plan (a timeout, the source of an image just imported).
func (r *imageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan, state imageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	client := r.data.client
	if !plan.Description.IsUnknown() && !plan.Description.Equal(state.Description) {
		desc := plan.Description.ValueString()
		if err := resendIfLost(func() error { return client.SetImageDescription(ctx, "", name, desc) }); err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not change the description of image %q", name), err)
			return // the state stays as it was
		}
	}
	recordPlan(ctx, req, resp)
	got, err := client.GetImage(ctx, name)
	if err != nil {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Image %q updated, but not read back", name),
			fmt.Sprintf("The description of image %q was set, but reading the image back failed, so the state records "+
				"the plan; the next refresh reads it from Orka.\n\n%s", name, apiErrorDetail(err)))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, imageFromAPI(got, plan))...)
}

// Delete deletes the image. Orka refuses while VMs use it; the refusal names them, looked up
// in every namespace the token may list.
func (r *imageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state imageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	summary := fmt.Sprintf("Could not delete image %q", name)
	err := r.data.client.DeleteImage(ctx, "", name)
	var apiErr *orka.APIError
	switch {
	case err == nil, orka.IsNotFound(err):
		return
	case errors.As(err, &apiErr) && (apiErr.StatusCode == 409 || apiErr.StatusCode == 400 || apiErr.StatusCode == 422):
		users, lerr := r.imageUsers(ctx, name)
		if len(users) == 0 {
			detail := fmt.Sprintf("Orka refused to delete image %q, which stays in Orka and in the Terraform state. "+
				"Orka refuses to delete an image that VMs use (an Intel image: any VM; an Apple-silicon image: more than "+
				"one VM).", name)
			if lerr != nil {
				detail += fmt.Sprintf(" The VMs using it could not be looked up: %v.", lerr)
			}
			resp.Diagnostics.AddError(summary, detail+"\n\n"+apiErrorDetail(err))
			return
		}
		resp.Diagnostics.AddError(fmt.Sprintf("Image %q is in use", name),
			fmt.Sprintf("Orka refused to delete image %q because VMs use it: %s. Orka does not delete an image that "+
				"VMs use (an Intel image: any VM; an Apple-silicon image: more than one VM), so the image stays in Orka "+
				"and in the Terraform state. Delete those VMs first (remove the orka_vm resources that deployed them, or "+
				"`orka3 vm delete <name> --namespace <namespace>`), then destroy again. Make orka_vm and orka_vm_config "+
				"resources that deploy from this image refer to it (image = orka_image.<name>.name), so that Terraform "+
				"deletes them first.\n\nOrka's answer: %v", name, strings.Join(users, ", "), err))
	default:
		addAPIError(&resp.Diagnostics, summary, err)
	}
}

// imageUsers names the VMs that run from an image, as "vm (namespace ns)", in every namespace
// the token may list, or, for a token that may not list namespaces, in the provider's
// namespace and orka-default.
func (r *imageResource) imageUsers(ctx context.Context, image string) ([]string, error) {
	client := r.data.client
	var namespaces []string
	if all, err := client.ListNamespaces(ctx); err == nil {
		for _, ns := range all {
			namespaces = append(namespaces, ns.Name)
		}
	} else {
		namespaces = []string{orka.DefaultNamespace}
		if r.data.namespace != orka.DefaultNamespace {
			namespaces = append(namespaces, r.data.namespace)
		}
	}
	sort.Strings(namespaces)
	var users []string
	var errs []error
	for _, ns := range namespaces {
		vms, err := client.ListVMs(ctx, ns)
		if err != nil {
			errs = append(errs, fmt.Errorf("namespace %q: %w", ns, err))
			continue
		}
		for _, vm := range vms {
			if vm.Image == image {
				users = append(users, fmt.Sprintf("%q (namespace %q)", vm.Name, ns))
			}
		}
	}
	return users, errors.Join(errs...)
}

func (r *imageResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	nameIdentity.schema(resp)
}

// ImportState takes the image's name (or an identity). Orka does not say which image it was
// copied from, so source stays unset until the configuration records it.
func (r *imageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = nameIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	_, id, ok := parseImportID(req.ID, &resp.Diagnostics, importShape{
		parts: []importPart{{name: "name", rule: savedImageNameValidator().problem}}, example: "sonoma-xcode-16.orkasi",
	})
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), id[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id[0])...)
	markImported(ctx, resp)
}

// imageFromAPI is the state of an image as Orka lists it. Orka does not report the source, so
// the prior one (from the plan or state) stands.
func imageFromAPI(img *orka.Image, prior imageModel) imageModel {
	return imageModel{
		ID:          types.StringValue(img.Name),
		Name:        types.StringValue(img.Name),
		Source:      prior.Source,
		Description: types.StringValue(img.Description),
		Arch:        stringOrNull(img.Type),
		State:       types.StringValue(imageStateOf(img)),
		Timeouts:    prior.Timeouts,
	}
}
