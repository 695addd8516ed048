package orka

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestKubernetesCAPEM(t *testing.T) {
	const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
	for _, c := range []struct {
		name, certData, want string
		ok                   bool
	}{
		{"PEM text", pem, pem + "\n", true},
		{"PEM with surrounding space", "\n " + pem + "\n\n", pem + "\n", true},
		{"base64 of PEM (kubeconfig style)", base64.StdEncoding.EncodeToString([]byte(pem + "\n")), pem + "\n", true},
		{"empty", "", "", false},
		{"something else", "not a certificate", "", false},
		{"base64 of something else", base64.StdEncoding.EncodeToString([]byte("hello")), "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := (&ClusterInfo{CertData: c.certData}).KubernetesCAPEM()
			if got != c.want || ok != c.ok {
				t.Errorf("KubernetesCAPEM() = %q, %v; want %q, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestRedactedExcerptHidesSecrets(t *testing.T) {
	body := []byte(`{"items":[{"server":"https://r.example.com","password":"hunter2"}],"note":"bearer abc123"}`)
	got := RedactedExcerpt(body, "abc123")
	for _, secret := range []string{"hunter2", "abc123"} {
		if strings.Contains(got, secret) {
			t.Errorf("excerpt %q shows %q", got, secret)
		}
	}
	if !strings.Contains(got, "https://r.example.com") {
		t.Errorf("excerpt %q lost the non-secret content", got)
	}
}
