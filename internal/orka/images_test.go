package orka

import (
	"context"
	"net/http"
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
