package provider

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Reading a resource's state into its model without the framework's per-attribute work.
//
// tfsdk.State.Get walks the schema once for every attribute of the model (and compiles a
// regular expression for every struct tag): in a no-op plan of a large fleet, that was the
// largest part of each VM's refresh. rawModel converts each attribute of the raw state value
// with its schema type, the same conversion Get ends in, and nothing else.

// modelField is one tfsdk-tagged field of a model struct.
type modelField struct {
	index int
	name  string
}

var modelFieldsByType sync.Map // reflect.Type → []modelField

func modelFields(t reflect.Type) []modelField {
	if f, ok := modelFieldsByType.Load(t); ok {
		return f.([]modelField) //nolint:forcetypeassert // only []modelField is stored
	}
	var fields []modelField
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("tfsdk"); name != "" && name != "-" {
			fields = append(fields, modelField{index: i, name: name})
		}
	}
	modelFieldsByType.Store(t, fields)
	return fields
}

// schemaAttrTypes returns, once per process, the attribute types of a resource's schema.
func schemaAttrTypes(r resource.Resource) func() map[string]attr.Type {
	return sync.OnceValue(func() map[string]attr.Type {
		var resp resource.SchemaResponse
		r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
		if t, ok := resp.Schema.Type().(attr.TypeWithAttributeTypes); ok {
			return t.AttributeTypes()
		}
		return nil
	})
}

// rawModel fills out, a model struct whose tfsdk tags name the attributes of attrTypes, from
// raw, an object value of that schema. It reports an error, and the caller falls back to the
// framework's Get, when the value does not fit the model.
func rawModel[M any](ctx context.Context, raw tftypes.Value, attrTypes map[string]attr.Type, out *M) error {
	if raw.IsNull() || !raw.IsKnown() {
		return fmt.Errorf("the state is null or unknown")
	}
	var vals map[string]tftypes.Value
	if err := raw.As(&vals); err != nil {
		return err
	}
	var m M
	rv := reflect.ValueOf(&m).Elem()
	for _, f := range modelFields(rv.Type()) {
		typ, ok := attrTypes[f.name]
		v, present := vals[f.name]
		if !ok || !present {
			return fmt.Errorf("attribute %q is not in the schema or the value", f.name)
		}
		av, err := typ.ValueFromTerraform(ctx, v)
		if err != nil {
			return fmt.Errorf("attribute %q: %w", f.name, err)
		}
		val := reflect.ValueOf(av)
		if !val.Type().AssignableTo(rv.Field(f.index).Type()) {
			return fmt.Errorf("attribute %q: a %s does not fit a %s", f.name, val.Type(), rv.Field(f.index).Type())
		}
		rv.Field(f.index).Set(val)
	}
	*out = m
	return nil
}
