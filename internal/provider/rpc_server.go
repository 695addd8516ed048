package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewServer returns the provider's protocol 6 server: the plugin framework's, with every
// per-object call given a context that lets go of the request when the call returns.
//
// Why: the framework (v1.19) keeps the cancel function of every call's context until the
// provider is stopped, so that StopProvider can cancel calls in flight. Each kept function holds
// its context, and through it the whole request context that terraform-plugin-go built: its
// loggers, request fields and the gRPC stream. A plan of 1000 VMs makes some 4000 calls, and the
// provider then held about 90 MiB it no longer needed, growing with the estate. The framework
// now keeps only the small detached context below; StopProvider still cancels calls in flight,
// since their contexts derive from it while they run.
func NewServer(version string) func() tfprotov6.ProviderServer {
	return serverFor(New(version)())
}

// serverFor wraps the framework's server for p (the tests pass a provider with a clock of their
// own).
func serverFor(p provider.Provider) func() tfprotov6.ProviderServer {
	fw := providerserver.NewProtocol6(p)
	return func() tfprotov6.ProviderServer {
		s := fw()
		if full, ok := s.(frameworkServer); ok {
			return releasingServer{full, newCauseFolder()}
		}
		return s // a framework without list resources or actions: TestServer_releasesEachCallsContext fails
	}
}

// frameworkServer is what the framework's server implements of the protocol and this provider
// uses: list resources and actions come on top of the base interface.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
}

// releasingServer passes calls to the framework with a releasable context. The calls that
// return streams (ListResource, InvokeAction) keep their context, since the stream is read
// after the call returns; like the one-off calls (schemas, configuration), they are few.
// It also folds diagnostics of one cause shared by many objects (causeFolder).
type releasingServer struct {
	frameworkServer
	causes *causeFolder
}

// releasing runs call with a context that forwards to ctx until call returns and holds
// nothing of it afterwards.
func releasing[Req, Resp any](ctx context.Context, req Req, call func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc := &releasableContext{}
	rc.parent.Store(&ctx)
	defer rc.parent.Store(nil)
	return call(rc, req)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s releasingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return releasing(ctx, req, s.frameworkServer.UpgradeResourceIdentity)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := releasing(ctx, req, s.frameworkServer.ReadResource)
	if resp != nil {
		s.causes.fold(resp.Diagnostics, foldedRead)
	}
	return resp, err
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := releasing(ctx, req, s.frameworkServer.PlanResourceChange)
	if resp != nil {
		s.causes.fold(resp.Diagnostics, foldedPlan)
	}
	return resp, err
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := releasing(ctx, req, s.frameworkServer.ApplyResourceChange)
	if resp != nil {
		s.causes.fold(resp.Diagnostics, "")
	}
	return resp, err
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s releasingServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.MoveResourceState)
}

func (s releasingServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.GenerateResourceConfig)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ReadDataSource)
}

func (s releasingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateEphemeralResourceConfig)
}

func (s releasingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.OpenEphemeralResource)
}

func (s releasingServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.RenewEphemeralResource)
}

func (s releasingServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.CloseEphemeralResource)
}

func (s releasingServer) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateListResourceConfig)
}

func (s releasingServer) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateActionConfig)
}

func (s releasingServer) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return releasing(ctx, req, s.frameworkServer.PlanAction)
}

func (s releasingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return releasing(ctx, req, s.frameworkServer.CallFunction)
}

// releasableContext is a context that answers as its parent until it is released, and then as a
// cancelled context with no values. Contexts derived from it during the call (the framework's
// own, with its cancel function) see the parent's cancellation, deadline and values while the
// call runs; kept afterwards, they hold only this small value.
type releasableContext struct {
	parent atomic.Pointer[context.Context] // nil once released
}

// released is the done channel of a released context: closed, like a cancelled context's.
var released = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *releasableContext) Deadline() (time.Time, bool) {
	if p := c.parent.Load(); p != nil {
		return (*p).Deadline()
	}
	return time.Time{}, false
}

func (c *releasableContext) Done() <-chan struct{} {
	if p := c.parent.Load(); p != nil {
		return (*p).Done()
	}
	return released
}

func (c *releasableContext) Err() error {
	if p := c.parent.Load(); p != nil {
		return (*p).Err()
	}
	return context.Canceled
}

func (c *releasableContext) Value(key any) any {
	if p := c.parent.Load(); p != nil {
		return (*p).Value(key)
	}
	return nil
}
