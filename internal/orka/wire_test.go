package orka

import (
	"strings"
	"testing"
)

func TestDecodeTokenResponse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string
		wantErr bool
	}{
		{name: "Orka shape", body: `{"token":"jwt-1"}`, want: "jwt-1"},
		{name: "bare string", body: ` "jwt-2" `, want: "jwt-2"},
		{name: "Kubernetes TokenRequest", body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","status":{"token":"jwt-3","expirationTimestamp":"2026-01-01T00:00:00Z"}}`, want: "jwt-3"},
		{name: "top level wins", body: `{"token":"jwt-4","status":{"token":"other"}}`, want: "jwt-4"},
		{name: "status is a string", body: `{"token":"jwt-5","status":"Success"}`, want: "jwt-5"},
		{name: "empty body", body: ``, wantErr: true},
		{name: "no token", body: `{"name":"ci"}`, wantErr: true},
		{name: "empty token", body: `{"token":""}`, wantErr: true},
		{name: "empty string", body: `""`, wantErr: true},
		{name: "not JSON", body: `jwt-secret-raw`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTokenResponse([]byte(tt.body))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("decodeTokenResponse = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "jwt-secret-raw") {
				t.Errorf("error quotes the body: %v", err)
			}
		})
	}
}

func TestEncodeTokenRequest(t *testing.T) {
	tests := []struct {
		req  TokenRequest
		want string
	}{
		{TokenRequest{}, `{}`},
		{TokenRequest{Duration: "720h"}, `{"duration":"720h"}`},
		{TokenRequest{NoExpiration: true}, `{"noExpiration":true}`},
	}
	for _, tt := range tests {
		got, err := encodeTokenRequest(tt.req)
		if err != nil || string(got) != tt.want {
			t.Errorf("encodeTokenRequest(%+v) = %s, %v; want %s", tt.req, got, err, tt.want)
		}
	}
}

func TestDecodeList(t *testing.T) {
	tests := []struct {
		body string
		want int
	}{
		{``, 0}, {`{}`, 0}, {`{"items":null}`, 0}, {`{"items":[]}`, 0},
		{`{"items":[{"name":"a"},{"name":"b"}],"extra":1}`, 2},
		{`[{"name":"a"},{"name":"b"}]`, 2}, {`[]`, 0}, {`null`, 0}, {`{"Items":[{"name":"a"}]}`, 1},
	}
	for _, tt := range tests {
		got, err := decodeListAnswer[Namespace]("GET", "/p", []byte(tt.body))
		if err != nil || got == nil || len(got) != tt.want {
			t.Errorf("decodeListAnswer(%q) = %v, %v", tt.body, got, err)
		}
	}
	for _, bad := range []string{`[1]`, `{"items":{"name":"a"}}`, `"x"`} {
		if _, err := decodeListAnswer[Namespace]("GET", "/p", []byte(bad)); err == nil {
			t.Errorf("decodeListAnswer(%s) must fail", bad)
		}
	}
}

func TestDecodeErrorBody(t *testing.T) {
	tests := []struct {
		body            string
		reason, message string
		ok              bool
	}{
		{statusJSON(404, "NotFound", "gone"), "NotFound", "gone", true},
		{`{"message":"m"}`, "", "m", true},
		{`{"error":"e"}`, "", "e", true},
		{`{"reason":"Timeout"}`, "Timeout", "", true},
		{`{"code":500}`, "", "", false},
		{`{"message":42}`, "", "", false},
		{`<html>`, "", "", false},
		{``, "", "", false},
	}
	for _, tt := range tests {
		r, m, ok := decodeErrorBody([]byte(tt.body))
		if r != tt.reason || m != tt.message || ok != tt.ok {
			t.Errorf("decodeErrorBody(%q) = %q, %q, %v", tt.body, r, m, ok)
		}
	}
}

func TestRouteEscapesSegments(t *testing.T) {
	if got := routeVM("orka-ci", "../x"); got != "/api/v1/namespaces/orka-ci/vms/..%2Fx" {
		t.Errorf("routeVM = %s", got)
	}
	if got := routeImageCache("orka-default", "ghcr.io/org/macos:sonoma"); got != "/api/v1/namespaces/orka-default/cache/images/ghcr.io%2Forg%2Fmacos:sonoma" {
		t.Errorf("routeImageCache = %s", got)
	}
	if got := routeOlderImageCache("orka-default", "ghcr.io/org/macos:sonoma"); got != "/api/v1/namespaces/orka-default/imagecache/ghcr.io%2Forg%2Fmacos:sonoma" {
		t.Errorf("routeOlderImageCache = %s", got)
	}
}
