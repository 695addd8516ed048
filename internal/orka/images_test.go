package orka

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// DeleteImage, CopyImage and SetImageDescription hand Orka's refusals to the caller as they
// came: a missing image is IsNotFound (a delete may count it as done), an image in use or a
// taken name keeps its status and Orka's message.
func TestImageWritesPassOrkasAnswersThrough(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		status   int
		body     string
		call     func(c *Client) error
		pred     func(error) bool
		wantPath string
		wantMsg  string
	}{
		{
			name: "delete of a missing image", status: 404, body: statusJSON(404, "NotFound", `image "gone.orkasi" not found`),
			call:     func(c *Client) error { return c.DeleteImage(ctx, "", "gone.orkasi") },
			pred:     IsNotFound,
			wantPath: "/api/v1/namespaces/orka-default/images/gone.orkasi",
			wantMsg:  `image "gone.orkasi" not found`,
		},
		{
			name: "delete of an image in use", status: 409, body: statusJSON(409, "Conflict", `image "sonoma.orkasi" is used by VM "runner"`),
			call:     func(c *Client) error { return c.DeleteImage(ctx, "orka-default", "sonoma.orkasi") },
			pred:     IsConflict,
			wantPath: "/api/v1/namespaces/orka-default/images/sonoma.orkasi",
			wantMsg:  `image "sonoma.orkasi" is used by VM "runner"`,
		},
		{
			name: "delete refused as a bad request", status: 400, body: statusJSON(400, "BadRequest", "image is in use"),
			call:     func(c *Client) error { return c.DeleteImage(ctx, "", "sonoma.orkasi") },
			pred:     IsBadRequest,
			wantPath: "/api/v1/namespaces/orka-default/images/sonoma.orkasi",
			wantMsg:  "image is in use",
		},
		{
			name: "copy to a taken name", status: 409, body: statusJSON(409, "AlreadyExists", `image "b.orkasi" already exists`),
			call:     func(c *Client) error { return c.CopyImage(ctx, "", "a.orkasi", "b.orkasi", "") },
			pred:     IsConflict,
			wantPath: "/api/v1/namespaces/orka-default/images/a.orkasi/copy",
			wantMsg:  `image "b.orkasi" already exists`,
		},
		{
			name: "description of a missing image", status: 404, body: statusJSON(404, "NotFound", "no such image"),
			call:     func(c *Client) error { return c.SetImageDescription(ctx, "", "gone.orkasi", "x") },
			pred:     IsNotFound,
			wantPath: "/api/v1/namespaces/orka-default/images/gone.orkasi/description",
			wantMsg:  "no such image",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, tt.status, tt.body) })
			c := newTestClient(t, fs.URL)
			err := tt.call(c)
			ae, ok := AsAPIError(err)
			if !ok || !tt.pred(err) || ae.Message != tt.wantMsg || ae.StatusCode != tt.status {
				t.Fatalf("err = %#v", err)
			}
			if reqs := fs.requests(); len(reqs) != 1 || reqs[0].Path != tt.wantPath {
				t.Errorf("requests = %+v, want one to %s", reqs, tt.wantPath)
			}
		})
	}
}

func TestImageWritesRefuseEmptyNames(t *testing.T) {
	fs := newFakeServer(t, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	for name, err := range map[string]error{
		"delete":      c.DeleteImage(ctx, "", ""),
		"copy source": c.CopyImage(ctx, "", " ", "b", ""),
		"copy target": c.CopyImage(ctx, "", "a", "", ""),
		"description": c.SetImageDescription(ctx, "", "..", "x"),
	} {
		if err == nil {
			t.Errorf("%s: empty name accepted", name)
		}
	}
	if n := fs.count(); n != 0 {
		t.Errorf("%d requests sent for empty names", n)
	}
}

// RefreshImage reads images from one shared list of orka-default's images, and proves an
// image missing from it gone with the image's own GET.
func TestRefreshImageSharesTheList(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/v1/namespaces/orka-default/images" {
			_, _ = w.Write([]byte(`{"items":[{"name":"a.orkasi","description":"A","type":"arm64","state":"Ready"},` +
				`{"name":"b.orkasi","description":"B","type":"arm64","state":"Updating"}]}`))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(statusJSON(404, "NotFound", "image not found")))
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	for _, want := range []Image{{Name: "a.orkasi", Description: "A", Type: "arm64", State: "Ready"},
		{Name: "b.orkasi", Description: "B", Type: "arm64", State: "Updating"}} {
		got, err := c.RefreshImage(ctx, want.Name)
		if err != nil || *got != want {
			t.Fatalf("RefreshImage(%s) = %+v, %v; want %+v", want.Name, got, err, want)
		}
	}
	if _, err := c.RefreshImage(ctx, "gone.orkasi"); !IsNotFound(err) {
		t.Fatalf("RefreshImage(gone) = %v, want not found", err)
	}
	want := []string{"GET /api/v1/namespaces/orka-default/images", "GET /api/v1/namespaces/orka-default/images/gone.orkasi"}
	if !slices.Equal(paths, want) {
		t.Fatalf("requests %v, want %v", paths, want)
	}
}
