package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// A refresh of a VM that has not changed must find the model it builds equal to the one it read
// from the state, so that it skips converting the whole object back (setStateIfChanged): this is
// what keeps a no-op plan of a large fleet cheap. A VM Orka reports differently must not.
func TestVMRead_unchangedVMKeepsItsStateModel(t *testing.T) {
	ctx := context.Background()
	var sr resource.SchemaResponse
	(&vmResource{}).Schema(ctx, resource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	state := tfsdk.State{Schema: sr.Schema, Raw: nullObject(typ, map[string]tftypes.Value{
		"name":      tftypes.NewValue(tftypes.String, "runner-1"),
		"namespace": tftypes.NewValue(tftypes.String, "orka-default"),
		"vm_config": tftypes.NewValue(tftypes.String, "sonoma"),
		"custom_metadata": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{
			"team": tftypes.NewValue(tftypes.String, "ios"),
		}),
		"reserved_ports": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{
			tftypes.NewValue(tftypes.String, "8080:80"),
		}),
	})}
	ssh, vnc := 8822, 5999
	vm := &orka.VM{
		Name: "runner-1", Namespace: "orka-default", Node: "mini-1", IP: "10.0.0.5", SSH: &ssh, VNC: &vnc,
		Status: orka.VMStatusRunning, CPU: 4, Memory: "6.00Gi", Image: "sonoma.img", VMConfig: "sonoma",
		DeployDate: "2026-11-28T10:00:00Z", Type: "arm64",
		CustomMetadata: map[string]string{"team": "ios", vmOwnerKey: vmOwnerValue},
	}

	// The apply and the first refresh record what Orka reports.
	var created vmModel
	if d := state.Get(ctx, &created); d.HasError() {
		t.Fatal(d)
	}
	first, d := vmFromAPI(ctx, vm, "orka-default", created)
	if d.HasError() {
		t.Fatal(d)
	}
	if d := state.Set(ctx, first); d.HasError() {
		t.Fatal(d)
	}

	// Every later refresh reads that state back and finds the same VM.
	var prior vmModel
	if d := state.Get(ctx, &prior); d.HasError() {
		t.Fatal(d)
	}
	again, d := vmFromAPI(ctx, vm, "orka-default", prior)
	if d.HasError() {
		t.Fatal(d)
	}
	if !reflect.DeepEqual(prior, again) {
		t.Errorf("an unchanged VM reads as changed:\nstate:   %+v\nrefresh: %+v", prior, again)
	}

	moved := *vm
	moved.IP = "10.0.0.9"
	changed, _ := vmFromAPI(ctx, &moved, "orka-default", prior)
	if reflect.DeepEqual(prior, changed) {
		t.Error("a VM with a new IP reads as unchanged")
	}
}

// The refresh reads the VM's state with rawModel instead of the framework's Get: both must give
// the same model, for a state just created (config values, nulls) and one a refresh recorded.
func TestRawModel_readsTheStateAsGetDoes(t *testing.T) {
	ctx := context.Background()
	var sr resource.SchemaResponse
	(&vmResource{}).Schema(ctx, resource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	created := nullObject(typ, map[string]tftypes.Value{
		"name":      tftypes.NewValue(tftypes.String, "runner-1"),
		"namespace": tftypes.NewValue(tftypes.String, "orka-default"),
		"image":     tftypes.NewValue(tftypes.String, "sonoma.img"),
		"cpu":       tftypes.NewValue(tftypes.Number, 4),
		"memory":    tftypes.NewValue(tftypes.Number, 6.5),
		"reserved_ports": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{
			tftypes.NewValue(tftypes.String, "8080:80"),
		}),
	})
	state := tfsdk.State{Schema: sr.Schema, Raw: created}
	var m vmModel
	if d := state.Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	ssh := 8822
	refreshed, _ := vmFromAPI(ctx, &orka.VM{Name: "runner-1", Status: orka.VMStatusRunning, SSH: &ssh, CPU: 4, Memory: "6.50Gi",
		CustomMetadata: map[string]string{"team": "ios"}}, "orka-default", m)
	if d := state.Set(ctx, refreshed); d.HasError() {
		t.Fatal(d)
	}
	for name, raw := range map[string]tftypes.Value{"created": created, "refreshed": state.Raw} {
		var viaGet, viaRaw vmModel
		if d := (tfsdk.State{Schema: sr.Schema, Raw: raw}).Get(ctx, &viaGet); d.HasError() {
			t.Fatal(d)
		}
		if err := rawModel(ctx, raw, vmAttrTypes(), &viaRaw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(viaGet, viaRaw) {
			t.Errorf("%s: rawModel and Get differ:\nGet: %+v\nraw: %+v", name, viaGet, viaRaw)
		}
	}

	// A value that does not fit the model is an error, on which the refresh uses Get.
	var other vmConfigModel
	if err := rawModel(ctx, created, vmAttrTypes(), &other); err == nil {
		t.Error("a VM state read into a VM config model gave no error")
	}
	if err := rawModel(ctx, tftypes.NewValue(typ, nil), vmAttrTypes(), &m); err == nil {
		t.Error("a null state gave no error")
	}
}
