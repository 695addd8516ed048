package orka

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// TestEndpoints checks that every method sends the right method, path, body and headers, and
// decodes the answer.
func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		respStatus int
		respBody   string
		call       func(c *Client) (any, error)
		wantMethod string
		wantPath   string
		wantBody   string // JSON compared semantically; "" means no body
		noAuth     bool
		want       any
	}{
		{
			name:       "ClusterInfo",
			respBody:   `{"apiDomain":"acme.orka.app","apiEndpoint":"https://k8s","gpuPassthroughEnabled":true}`,
			call:       func(c *Client) (any, error) { return c.ClusterInfo(ctx) },
			wantMethod: "GET", wantPath: "/api/v1/cluster-info", noAuth: true,
			want: &ClusterInfo{APIDomain: "acme.orka.app", APIEndpoint: "https://k8s", GPUPassthroughEnabled: true},
		},
		{
			name:       "Probe",
			respBody:   `{"items":[]}`,
			call:       func(c *Client) (any, error) { return nil, c.Probe(ctx) },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/vmconfigs",
		},
		{
			name:       "ListVMConfigs",
			respBody:   `{"items":[{"name":"a","image":"sonoma.orkasi","cpu":3,"type":"arm64"}]}`,
			call:       func(c *Client) (any, error) { return c.ListVMConfigs(ctx) },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/vmconfigs",
			want: []VMConfig{{Name: "a", Image: "sonoma.orkasi", CPU: 3, Type: "arm64"}},
		},
		{
			name:       "GetVMConfig",
			respBody:   `{"name":"a b","image":"x.img","cpu":4,"memory":6.5}`,
			call:       func(c *Client) (any, error) { return c.GetVMConfig(ctx, "a b") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/vmconfigs/a%20b",
			want: &VMConfig{Name: "a b", Image: "x.img", CPU: 4, Memory: 6.5},
		},
		{
			name:       "CreateVMConfig",
			respStatus: 201,
			respBody:   `{"name":"ci","image":"ghcr.io/org/macos:sonoma","cpu":4,"type":"arm64"}`,
			call: func(c *Client) (any, error) {
				return c.CreateVMConfig(ctx, VMConfig{Name: "ci", Image: "ghcr.io/org/macos:sonoma", CPU: 4, NetBoost: ptr(true)})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/vmconfigs",
			wantBody: `{"name":"ci","image":"ghcr.io/org/macos:sonoma","cpu":4,"netBoost":true}`,
			want:     &VMConfig{Name: "ci", Image: "ghcr.io/org/macos:sonoma", CPU: 4, NetBoost: ptr(true), Type: "arm64"},
		},
		{
			name:       "CreateVMConfig empty answer",
			respStatus: 201,
			call: func(c *Client) (any, error) {
				return c.CreateVMConfig(ctx, VMConfig{Name: "ci", Image: "x.img"})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/vmconfigs",
			wantBody: `{"name":"ci","image":"x.img"}`,
			want:     &VMConfig{Name: "ci", Image: "x.img"},
		},
		{
			name:       "DeleteVMConfig",
			call:       func(c *Client) (any, error) { return nil, c.DeleteVMConfig(ctx, "ci") },
			wantMethod: "DELETE", wantPath: "/api/v1/namespaces/orka-default/vmconfigs/ci",
		},
		{
			name:       "ListVMs",
			respBody:   `{"items":[{"name":"vm1","status":"Running","ssh":8822,"memory":"4.80Gi"}]}`,
			call:       func(c *Client) (any, error) { return c.ListVMs(ctx, "orka-ci") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci/vms",
			want: []VM{{Name: "vm1", Status: "Running", SSH: ptr(8822), Memory: "4.80Gi"}},
		},
		{
			name:       "ListVMs default namespace",
			respBody:   `{}`,
			call:       func(c *Client) (any, error) { return c.ListVMs(ctx, "") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/vms",
			want: []VM{},
		},
		{
			name:       "GetVM",
			respBody:   `{"name":"vm1","status":"Running","ip":"10.0.0.5"}`,
			call:       func(c *Client) (any, error) { return c.GetVM(ctx, "orka-ci", "vm1") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci/vms/vm1",
			want: &VM{Name: "vm1", Namespace: "orka-ci", Status: "Running", IP: "10.0.0.5"},
		},
		{
			name:       "DeployVM",
			respStatus: 201,
			respBody:   `{"name":"vm1","namespace":"orka-ci","status":"Running","ssh":8822}`,
			call: func(c *Client) (any, error) {
				return c.DeployVM(ctx, "orka-ci", DeployVMRequest{Name: "vm1", VMConfig: "ci", CustomMetadata: map[string]string{"k": "v"}, Timeout: 5})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/vms",
			wantBody: `{"name":"vm1","vmConfig":"ci","customMetadata":{"k":"v"},"timeout":5}`,
			want:     &VM{Name: "vm1", Namespace: "orka-ci", Status: "Running", SSH: ptr(8822)},
		},
		{
			name:       "DeleteVM",
			call:       func(c *Client) (any, error) { return nil, c.DeleteVM(ctx, "orka-ci", "vm1") },
			wantMethod: "DELETE", wantPath: "/api/v1/namespaces/orka-ci/vms/vm1",
		},
		{
			name:       "ListServiceAccounts",
			respBody:   `{"items":[{"name":"ci","namespace":"orka-ci"}]}`,
			call:       func(c *Client) (any, error) { return c.ListServiceAccounts(ctx, "orka-ci") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci/serviceaccounts",
			want: []ServiceAccount{{Name: "ci", Namespace: "orka-ci"}},
		},
		{
			name:       "GetServiceAccount",
			respBody:   `{"items":[{"name":"other","namespace":"orka-ci"},{"name":"ci","namespace":"orka-ci"}]}`,
			call:       func(c *Client) (any, error) { return c.GetServiceAccount(ctx, "orka-ci", "ci") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci/serviceaccounts",
			want: &ServiceAccount{Name: "ci", Namespace: "orka-ci"},
		},
		{
			name:       "CreateServiceAccount",
			respStatus: 201,
			call:       func(c *Client) (any, error) { return nil, c.CreateServiceAccount(ctx, "orka-ci", "ci") },
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/serviceaccounts/ci",
		},
		{
			name:       "DeleteServiceAccount",
			call:       func(c *Client) (any, error) { return nil, c.DeleteServiceAccount(ctx, "orka-ci", "ci") },
			wantMethod: "DELETE", wantPath: "/api/v1/namespaces/orka-ci/serviceaccounts/ci",
		},
		{
			name:     "CreateServiceAccountToken default",
			respBody: `{"token":"jwt"}`,
			call: func(c *Client) (any, error) {
				return c.CreateServiceAccountToken(ctx, "orka-ci", "ci", TokenRequest{})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/serviceaccounts/ci/token",
			wantBody: `{}`, want: "jwt",
		},
		{
			name:     "CreateServiceAccountToken duration",
			respBody: `{"token":"jwt"}`,
			call: func(c *Client) (any, error) {
				return c.CreateServiceAccountToken(ctx, "orka-ci", "ci", TokenRequest{Duration: "720h"})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/serviceaccounts/ci/token",
			wantBody: `{"duration":"720h"}`, want: "jwt",
		},
		{
			name:     "CreateServiceAccountToken no expiration",
			respBody: `{"token":"jwt"}`,
			call: func(c *Client) (any, error) {
				return c.CreateServiceAccountToken(ctx, "orka-ci", "ci", TokenRequest{NoExpiration: true})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/serviceaccounts/ci/token",
			wantBody: `{"noExpiration":true}`, want: "jwt",
		},
		{
			name:       "ListRegistryCredentials",
			respBody:   `{"items":[{"server":"https://ghcr.io","username":"bot","allowInsecure":false}]}`,
			call:       func(c *Client) (any, error) { return c.ListRegistryCredentials(ctx, "orka-ci") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci/secrets/registrycredentials",
			want: []RegistryCredential{{Server: "https://ghcr.io", Username: "bot"}},
		},
		{
			name: "AddRegistryCredential",
			call: func(c *Client) (any, error) {
				return nil, c.AddRegistryCredential(ctx, "orka-ci", RegistryCredentialInput{Server: "https://ghcr.io", Username: "bot", Password: "pw", Replace: true})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/secrets/registrycredentials/add",
			wantBody: `{"server":"https://ghcr.io","username":"bot","password":"pw","allowInsecure":false,"replace":true}`,
		},
		{
			name: "RemoveRegistryCredential",
			call: func(c *Client) (any, error) {
				return nil, c.RemoveRegistryCredential(ctx, "orka-ci", "https://ghcr.io")
			},
			wantMethod: "DELETE", wantPath: "/api/v1/namespaces/orka-ci/secrets/registrycredentials/remove",
			wantBody: `{"server":"https://ghcr.io"}`,
		},
		{
			name:       "ListNamespaces",
			respBody:   `{"items":[{"name":"orka-default","customPods":false},{"name":"orka-ci","customPods":true}]}`,
			call:       func(c *Client) (any, error) { return c.ListNamespaces(ctx) },
			wantMethod: "GET", wantPath: "/api/v1/namespaces",
			want: []Namespace{{Name: "orka-default"}, {Name: "orka-ci", CustomPods: true}},
		},
		{
			name:       "GetNamespace",
			respBody:   `{"name":"orka-ci","customPods":true}`,
			call:       func(c *Client) (any, error) { return c.GetNamespace(ctx, "orka-ci") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci",
			want: &Namespace{Name: "orka-ci", CustomPods: true},
		},
		{
			name:       "CreateNamespace",
			respStatus: 201,
			call:       func(c *Client) (any, error) { return nil, c.CreateNamespace(ctx, "orka-ci", true) },
			wantMethod: "POST", wantPath: "/api/v1/namespaces",
			wantBody: `{"name":"orka-ci","enableCustomPods":true}`,
		},
		{
			name:       "DeleteNamespace",
			call:       func(c *Client) (any, error) { return nil, c.DeleteNamespace(ctx, "orka-ci") },
			wantMethod: "DELETE", wantPath: "/api/v1/namespaces/orka-ci",
		},
		{
			name:       "ListRoleBindingSubjects",
			respBody:   `{"items":[{"kind":"User","name":"a@example.com"},{"kind":"ServiceAccount","name":"ci","namespace":"orka-ci"}]}`,
			call:       func(c *Client) (any, error) { return c.ListRoleBindingSubjects(ctx, "orka-ci") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci/rolebindings/orka-dev/subjects",
			want: []RoleBindingSubject{
				{Kind: SubjectKindUser, Name: "a@example.com"},
				{Kind: SubjectKindServiceAccount, Name: "ci", Namespace: "orka-ci"},
			},
		},
		{
			name: "AddRoleBindingSubjects",
			call: func(c *Client) (any, error) {
				return nil, c.AddRoleBindingSubjects(ctx, "orka-ci", SubjectsChange{Users: []string{"a@example.com"}})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/rolebindings/orka-dev/subjects/add",
			wantBody: `{"users":["a@example.com"]}`,
		},
		{
			name: "RemoveRoleBindingSubjects",
			call: func(c *Client) (any, error) {
				return nil, c.RemoveRoleBindingSubjects(ctx, "orka-ci", SubjectsChange{ServiceAccounts: []ServiceAccountRef{{Name: "ci", Namespace: "orka-ci"}}})
			},
			wantMethod: "DELETE", wantPath: "/api/v1/namespaces/orka-ci/rolebindings/orka-dev/subjects/remove",
			wantBody: `{"serviceaccounts":[{"name":"ci","namespace":"orka-ci"}]}`,
		},
		{
			name:       "ListNodes",
			respBody:   `{"items":[{"name":"mini-arm-1","nodeIP":"10.0.0.1","availableCpu":12,"phase":"READY","orkaTags":["gpu"]}]}`,
			call:       func(c *Client) (any, error) { return c.ListNodes(ctx, "orka-default") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/nodes",
			want: []Node{{Name: "mini-arm-1", NodeIP: "10.0.0.1", IP: "10.0.0.1", AvailableCPU: 12, Phase: "READY", OrkaTags: []string{"gpu"}}},
		},
		{
			name:       "GetNode",
			respBody:   `{"items":[{"name":"mini-arm-1","ip":"10.0.0.1"},{"name":"mini-arm-2","ip":"10.0.0.2"}]}`,
			call:       func(c *Client) (any, error) { return c.GetNode(ctx, "orka-ci", "mini-arm-2") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-ci/nodes",
			want: &Node{Name: "mini-arm-2", Namespace: "orka-ci", NodeIP: "10.0.0.2", IP: "10.0.0.2"},
		},
		{
			name:       "MoveNode",
			call:       func(c *Client) (any, error) { return nil, c.MoveNode(ctx, "orka-default", "mini-arm-1", "orka-ci") },
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/nodes/mini-arm-1/namespace",
			wantBody: `{"namespace":"orka-ci"}`,
		},
		{
			name:       "TagNode",
			call:       func(c *Client) (any, error) { return nil, c.TagNode(ctx, "orka-ci", "mini-arm-1", "xcode-16") },
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/nodes/mini-arm-1/tag",
			wantBody: `{"tag":"xcode-16"}`,
		},
		{
			name:       "UntagNode",
			call:       func(c *Client) (any, error) { return nil, c.UntagNode(ctx, "orka-ci", "mini-arm-1", "xcode-16") },
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/nodes/mini-arm-1/untag",
			wantBody: `{"tag":"xcode-16"}`,
		},
		{
			name:       "ListImages",
			respBody:   `{"items":null}`,
			call:       func(c *Client) (any, error) { return c.ListImages(ctx) },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/images",
			want: []Image{},
		},
		{
			name:       "GetImage",
			respBody:   `{"name":"sonoma.orkasi","type":"arm64"}`,
			call:       func(c *Client) (any, error) { return c.GetImage(ctx, "sonoma.orkasi") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/images/sonoma.orkasi",
			want: &Image{Name: "sonoma.orkasi", Type: "arm64"},
		},
		{
			name:       "GetImage being saved",
			respBody:   `{"name":"kept.orkasi","type":"arm64","state":"Failed","errorMessage":"disk full"}`,
			call:       func(c *Client) (any, error) { return c.GetImage(ctx, "kept.orkasi") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/images/kept.orkasi",
			want: &Image{Name: "kept.orkasi", Type: "arm64", State: ImageStateFailed, ErrorMessage: "disk full"},
		},
		{
			name:     "SaveVM",
			respBody: `{"kind":"Status","status":"Success","message":"saving"}`,
			call: func(c *Client) (any, error) {
				return c.SaveVM(ctx, "orka-ios", "runner", SaveVMRequest{ImageName: "kept.orkasi"})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ios/vms/runner/save", wantBody: `{"imageName":"kept.orkasi"}`,
			want: &SaveVMResult{Message: "saving"},
		},
		{
			name: "SaveVM with a description",
			call: func(c *Client) (any, error) {
				return c.SaveVM(ctx, "orka-ios", "runner", SaveVMRequest{ImageName: "kept.orkasi", Description: "tuned runner"})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ios/vms/runner/save",
			wantBody: `{"imageName":"kept.orkasi","description":"tuned runner"}`,
			want:     &SaveVMResult{},
		},
		{
			// Orka accepted the save; an answer of another shape must not turn that into an error.
			name:       "SaveVM with an answer of another shape",
			respStatus: 202,
			respBody:   `"accepted"`,
			call: func(c *Client) (any, error) {
				return c.SaveVM(ctx, "", "runner", SaveVMRequest{ImageName: "kept.orkasi"})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/vms/runner/save", wantBody: `{"imageName":"kept.orkasi"}`,
			want: &SaveVMResult{},
		},
		{
			name:     "PushVM",
			respBody: `{"jobName":"vm-push-x7k2p"}`,
			call: func(c *Client) (any, error) {
				return c.PushVM(ctx, "orka-ios", "runner", PushVMRequest{ImageReference: "ghcr.io/acme/macos:tuned"})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ios/vms/runner/push",
			wantBody: `{"imageReference":"ghcr.io/acme/macos:tuned"}`,
			want:     &PushVMResult{JobName: "vm-push-x7k2p"},
		},
		{
			// Orka started the job: an unreadable answer must not read as "nothing pushed", or
			// the caller would push again and start a second job.
			name:     "PushVM with an unreadable answer",
			respBody: `job started`,
			call: func(c *Client) (any, error) {
				return c.PushVM(ctx, "orka-ios", "runner", PushVMRequest{ImageReference: "ghcr.io/acme/macos:tuned"})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ios/vms/runner/push",
			wantBody: `{"imageReference":"ghcr.io/acme/macos:tuned"}`,
			want:     &PushVMResult{},
		},
		{
			name:       "ListImageCaches uses the documented family",
			respBody:   `{"items":[{"image":"sonoma.orkasi","nodes":[{"node":"mini-arm-1","status":"Ready"}]}]}`,
			call:       func(c *Client) (any, error) { return c.ListImageCaches(ctx, "orka-default") },
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/cache/images",
			want: []ImageCache{{Image: "sonoma.orkasi", Nodes: []ImageCacheNode{{Node: "mini-arm-1", Status: CacheStatusReady}}}},
		},
		{
			name:     "GetImageCache escapes the reference as one segment",
			respBody: `{"image":"ghcr.io/org/macos:sonoma","nodes":[{"node":"mini-arm-1","status":"Caching"}]}`,
			call: func(c *Client) (any, error) {
				return c.GetImageCache(ctx, "orka-default", "ghcr.io/org/macos:sonoma")
			},
			wantMethod: "GET", wantPath: "/api/v1/namespaces/orka-default/cache/images/ghcr.io%2Forg%2Fmacos:sonoma",
			want: &ImageCache{Image: "ghcr.io/org/macos:sonoma", Nodes: []ImageCacheNode{{Node: "mini-arm-1", Status: CacheStatusCaching}}},
		},
		{
			name:       "AddImageCache sends the selector only: the image is in the path",
			respStatus: http.StatusMultiStatus,
			respBody:   `{"items":[{"node":"mini-arm-1","code":200,"status":"caching"}]}`,
			call: func(c *Client) (any, error) {
				return c.AddImageCacheWithResults(ctx, "", ImageCacheRequest{Image: "ghcr.io/org/macos:sonoma", All: true})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/cache/images/ghcr.io%2Forg%2Fmacos:sonoma/add",
			wantBody: `{"all":true}`,
			want:     []ImageCacheResult{{Node: "mini-arm-1", Code: 200, Status: CacheStatusCaching}},
		},
		{
			name:       "AddImageCache by tags",
			respStatus: http.StatusMultiStatus,
			call: func(c *Client) (any, error) {
				return nil, c.AddImageCache(ctx, "orka-ci", ImageCacheRequest{Image: "sonoma.orkasi", Tags: []string{"ios", "m2"}})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-ci/cache/images/sonoma.orkasi/add",
			wantBody: `{"tags":["ios","m2"]}`,
		},
		{
			name:       "RemoveImageCache",
			respStatus: http.StatusMultiStatus,
			respBody:   `[{"node":"mini-arm-1","code":200,"status":"Removing"}]`,
			call: func(c *Client) (any, error) {
				return c.RemoveImageCacheWithResults(ctx, "orka-default", ImageCacheRequest{Image: "sonoma.orkasi", Nodes: []string{"mini-arm-1"}})
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/cache/images/sonoma.orkasi/remove",
			wantBody: `{"nodes":["mini-arm-1"]}`,
			want:     []ImageCacheResult{{Node: "mini-arm-1", Code: 200, Status: CacheStatusRemoving}},
		},
		{
			name: "DeleteImage escapes the name as one segment",
			call: func(c *Client) (any, error) {
				return nil, c.DeleteImage(ctx, "", "ghcr.io/org/macos:sonoma")
			},
			wantMethod: "DELETE", wantPath: "/api/v1/namespaces/orka-default/images/ghcr.io%2Forg%2Fmacos:sonoma",
		},
		{
			name:       "CopyImage",
			respStatus: http.StatusCreated,
			respBody:   `{"name":"sonoma-ci.orkasi"}`,
			call: func(c *Client) (any, error) {
				return nil, c.CopyImage(ctx, "orka-default", "sonoma/base:14", "sonoma-ci.orkasi", "CI base")
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/images/sonoma%2Fbase:14/copy",
			wantBody: `{"newName":"sonoma-ci.orkasi","description":"CI base"}`,
		},
		{
			name: "CopyImage without a description leaves Orka's default",
			call: func(c *Client) (any, error) {
				return nil, c.CopyImage(ctx, "", "sonoma.orkasi", "copy.orkasi", "")
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/images/sonoma.orkasi/copy",
			wantBody: `{"newName":"copy.orkasi"}`,
		},
		{
			name: "SetImageDescription",
			call: func(c *Client) (any, error) {
				return nil, c.SetImageDescription(ctx, "", "sonoma:14.5", "Xcode 16")
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/images/sonoma:14.5/description",
			wantBody: `{"description":"Xcode 16"}`,
		},
		{
			name: "SetImageDescription sends an empty description, which clears it",
			call: func(c *Client) (any, error) {
				return nil, c.SetImageDescription(ctx, "orka-default", "sonoma.orkasi", "")
			},
			wantMethod: "POST", wantPath: "/api/v1/namespaces/orka-default/images/sonoma.orkasi/description",
			wantBody: `{"description":""}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				status := tt.respStatus
				if status == 0 {
					status = http.StatusOK
				}
				reply(w, status, tt.respBody)
			})
			c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.UserAgent = "terraform-provider-orka/1.2.3" })
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := fs.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.wantMethod || r.Path != tt.wantPath {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tt.wantMethod, tt.wantPath)
			}
			if tt.wantBody == "" {
				if r.Body != "" {
					t.Errorf("body = %q, want none", r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "" {
					t.Errorf("Content-Type = %q without a body", ct)
				}
			} else {
				assertJSONEqual(t, r.Body, tt.wantBody)
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			wantAuth := "Bearer " + testToken
			if tt.noAuth {
				wantAuth = ""
			}
			if got := r.Header.Get("Authorization"); got != wantAuth {
				t.Errorf("Authorization = %q, want %q", got, wantAuth)
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q", got)
			}
			if got := r.Header.Get("User-Agent"); got != "terraform-provider-orka/1.2.3" {
				t.Errorf("User-Agent = %q", got)
			}
			for _, h := range []string{"Idempotency-Key", "X-Idempotency-Key"} {
				if _, ok := r.Header[h]; ok {
					t.Errorf("%s header sent", h)
				}
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestGetServiceAccountAbsentIsNotFound(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, 200, `{"items":[{"name":"other","namespace":"orka-ci"}]}`)
	})
	c := newTestClient(t, fs.URL)
	_, err := c.GetServiceAccount(context.Background(), "orka-ci", "ci")
	if !IsNotFound(err) {
		t.Fatalf("err = %v, want not found", err)
	}
}

func TestEmptyNameRefused(t *testing.T) {
	fs := newFakeServer(t, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	for name, err := range map[string]error{
		"GetVM":        func() error { _, err := c.GetVM(ctx, "orka-ci", ""); return err }(),
		"DeleteVM":     c.DeleteVM(ctx, "orka-ci", ""),
		"DeleteVMConf": c.DeleteVMConfig(ctx, " "),
		"DeleteNS":     c.DeleteNamespace(ctx, ""),
	} {
		if err == nil {
			t.Errorf("%s: empty name accepted", name)
		}
	}
	if n := fs.count(); n != 0 {
		t.Errorf("%d requests sent for empty names", n)
	}
}

func TestEmptySuccessBodies(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNoContent) })
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	if vms, err := c.ListVMs(ctx, "orka-ci"); err != nil || vms == nil || len(vms) != 0 {
		t.Errorf("ListVMs = %v, %v; want empty list", vms, err)
	}
	if vm, err := c.DeployVM(ctx, "orka-ci", DeployVMRequest{Name: "vm1", VMConfig: "ci"}); err != nil || vm.Name != "vm1" || vm.Namespace != "orka-ci" {
		t.Errorf("DeployVM = %+v, %v", vm, err)
	}
	if ic, err := c.GetImageCache(ctx, "orka-default", "x"); err != nil || ic.Image != "x" || ic.Nodes == nil {
		t.Errorf("GetImageCache = %+v, %v", ic, err)
	}
	if err := c.DeleteVM(ctx, "orka-ci", "vm1"); err != nil {
		t.Errorf("DeleteVM: %v", err)
	}
	if _, err := c.CreateServiceAccountToken(ctx, "orka-ci", "ci", TokenRequest{}); err == nil {
		t.Errorf("token with empty body: want an error")
	}
}

func TestWithToken(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, 200, `{"items":[]}`) })
	c := newTestClient(t, fs.URL)
	other := c.WithToken("sa-token")
	if err := other.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := fs.requests()
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer sa-token" {
		t.Errorf("WithToken sent %q", got)
	}
	if got := reqs[1].Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("original client changed: %q", got)
	}
	if other.Endpoint() != c.Endpoint() {
		t.Errorf("endpoint differs")
	}
}

func TestDefaultUserAgent(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, 200, `{}`) })
	c := newTestClient(t, fs.URL)
	if _, err := c.ClusterInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fs.requests()[0].Header.Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q", got)
	}
}
