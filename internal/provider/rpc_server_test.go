package provider

import (
	"context"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// nullObject is a value of the object type t with every attribute null but those in set.
func nullObject(t tftypes.Object, set map[string]tftypes.Value) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for k, at := range t.AttributeTypes {
		vals[k] = tftypes.NewValue(at, nil)
	}
	for k, v := range set {
		vals[k] = v
	}
	return tftypes.NewValue(t, vals)
}

func dynamicValue(t *testing.T, typ tftypes.Object, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// requestPayload stands for what a request's context carries (loggers, request fields, the
// gRPC stream): the test watches whether the provider keeps it after the call.
type requestPayload struct{ _ [64 << 10]byte }

type payloadKey struct{}

// A plan of N objects makes about 4N calls: the server must not keep what each call's context
// carries once the call has returned, or the provider's memory grows with the estate (the
// framework keeps every call's cancel function until the provider stops).
func TestServer_releasesEachCallsContext(t *testing.T) {
	sim := orkasim.New(orkasim.Options{Nodes: 2})
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	c, err := orka.New(orka.Config{Endpoint: ts.URL, Token: sim.AdminToken()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVMConfig(ctx, orka.VMConfig{Name: "cfg", Image: "ghcr.io/acme/runner:1", CPU: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeployVM(ctx, orka.DefaultNamespace, orka.DeployVMRequest{Name: "vm1", VMConfig: "cfg"}); err != nil {
		t.Fatal(err)
	}

	srv := serverFor(&orkaProvider{version: "test", now: time.Now})()
	schemas, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	pt := schemas.Provider.ValueType().(tftypes.Object)
	conf, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: dynamicValue(t, pt, nullObject(pt, map[string]tftypes.Value{
		"endpoint": tftypes.NewValue(tftypes.String, ts.URL),
		"token":    tftypes.NewValue(tftypes.String, sim.AdminToken()),
	}))})
	if err != nil || len(conf.Diagnostics) > 0 {
		t.Fatalf("configure: %v %v", err, conf.Diagnostics)
	}
	vt := schemas.ResourceSchemas["orka_vm"].ValueType().(tftypes.Object)
	state := dynamicValue(t, vt, nullObject(vt, map[string]tftypes.Value{
		"id":        tftypes.NewValue(tftypes.String, orka.DefaultNamespace+"/vm1"),
		"name":      tftypes.NewValue(tftypes.String, "vm1"),
		"namespace": tftypes.NewValue(tftypes.String, orka.DefaultNamespace),
		"vm_config": tftypes.NewValue(tftypes.String, "cfg"),
	}))
	config := dynamicValue(t, vt, nullObject(vt, map[string]tftypes.Value{
		"name":      tftypes.NewValue(tftypes.String, "vm1"),
		"vm_config": tftypes.NewValue(tftypes.String, "cfg"),
	}))

	calls := map[string]func(context.Context) ([]*tfprotov6.Diagnostic, error){
		"ValidateResourceConfig": func(ctx context.Context) ([]*tfprotov6.Diagnostic, error) {
			r, err := srv.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "orka_vm", Config: config})
			if err != nil {
				return nil, err
			}
			return r.Diagnostics, nil
		},
		"ReadResource": func(ctx context.Context) ([]*tfprotov6.Diagnostic, error) {
			r, err := srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "orka_vm", CurrentState: state})
			if err != nil {
				return nil, err
			}
			got, err := r.NewState.Unmarshal(vt)
			if err == nil && got.IsNull() {
				t.Error("ReadResource: the VM that exists was read as gone")
			}
			return r.Diagnostics, err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			payload := &requestPayload{}
			watch := weak.Make(payload)
			diags, err := call(context.WithValue(ctx, payloadKey{}, payload))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diags {
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					t.Fatalf("%s: %s", d.Summary, d.Detail)
				}
			}
			payload = nil //nolint:ineffassign,wastedassign // drop the test's own reference
			runtime.GC()
			if watch.Value() != nil {
				t.Errorf("%s: the call's context is still held after the call returned", name)
			}
		})
	}
}

func TestReleasableContext(t *testing.T) {
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), payloadKey{}, "v"), time.Hour)
	rc := &releasableContext{}
	rc.parent.Store(&parent)

	if rc.Value(payloadKey{}) != "v" {
		t.Error("a value of the parent is not seen during the call")
	}
	if d, ok := rc.Deadline(); !ok || d.IsZero() {
		t.Error("the parent's deadline is not seen during the call")
	}
	child, stop := context.WithCancel(rc) // what the framework derives during the call
	defer stop()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the request did not reach a context derived during the call")
	}
	if rc.Err() == nil {
		t.Error("Err is nil after the parent was cancelled")
	}

	rc.parent.Store(nil)
	if rc.Value(payloadKey{}) != nil {
		t.Error("a released context still answers the parent's values")
	}
	if rc.Err() != context.Canceled { //nolint:errorlint // the exact value is the contract
		t.Errorf("Err after release = %v, want context.Canceled", rc.Err())
	}
	select {
	case <-rc.Done():
	default:
		t.Error("Done is not closed after release")
	}
}
