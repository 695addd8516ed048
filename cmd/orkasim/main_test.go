package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// start runs the program on a free port and returns the lines it printed on stdout.
func start(t *testing.T, want int, args ...string) map[string]string {
	t.Helper()
	env, _ := startOrdered(t, want, args...)
	return env
}

// startOrdered is start that also returns the names of the lines in the order printed.
func startOrdered(t *testing.T, want int, args ...string) (map[string]string, []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	env := map[string]string{}
	var order []string
	sc := bufio.NewScanner(pr)
	for len(env) < want && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("unexpected stdout line %q", sc.Text())
		}
		env[k] = v
		order = append(order, k)
	}
	if len(env) != want {
		t.Fatalf("got %d lines %v, want %d", len(env), env, want)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // keep the writer unblocked
	return env, order
}

// call makes one request with a bearer token and decodes a JSON answer into out (when not nil).
func call(t *testing.T, client *http.Client, method, url, token, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decoding: %v", method, url, err)
		}
	}
	return res.StatusCode
}

func TestRunPrintsEnvironmentAndServes(t *testing.T) {
	env := start(t, 2, "--token", "T0ken", "--nodes", "2", "--deploy-delay", "1ms")
	if !strings.HasPrefix(env["ORKA_ENDPOINT"], "http://127.0.0.1:") || strings.HasSuffix(env["ORKA_ENDPOINT"], ":0") {
		t.Fatalf("endpoint %q", env["ORKA_ENDPOINT"])
	}
	if env["ORKA_TOKEN"] != "T0ken" {
		t.Fatalf("token %q", env["ORKA_TOKEN"])
	}
	req, _ := http.NewRequest("GET", env["ORKA_ENDPOINT"]+"/api/v1/namespaces/orka-default/nodes", nil)
	req.Header.Set("Authorization", "Bearer "+env["ORKA_TOKEN"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var nodes struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&nodes); err != nil || res.StatusCode != 200 || len(nodes.Items) != 2 {
		t.Fatalf("nodes: %d %+v %v", res.StatusCode, nodes, err)
	}
	// No variant is on by default.
	var v map[string]bool
	if code := call(t, http.DefaultClient, "GET", env["ORKA_ENDPOINT"]+"/_sim/variants", env["ORKA_TOKEN"], "", &v); code != 200 ||
		v["omitVMCustomMetadata"] || v["sparseVMItems"] || v["legacyImageCache"] || len(v) != 3 {
		t.Fatalf("default variants: %d %v", code, v)
	}
}

// The Small Teams admin flag creates the account and prints its token after the usual lines;
// the token acts as an administrator.
func TestRunSmallTeamsAdmin(t *testing.T) {
	env, order := startOrdered(t, 3, "--small-teams-admin", "orka-default/orka-admin")
	if strings.Join(order, ",") != "ORKA_ENDPOINT,ORKA_TOKEN,ORKA_SMALL_TEAMS_ADMIN_TOKEN" {
		t.Fatalf("lines in order %v", order)
	}
	tok := env["ORKA_SMALL_TEAMS_ADMIN_TOKEN"]
	if tok == "" || tok == env["ORKA_TOKEN"] || strings.Count(tok, ".") != 2 {
		t.Fatalf("Small Teams admin token %q", tok)
	}
	if code := call(t, http.DefaultClient, "POST", env["ORKA_ENDPOINT"]+"/api/v1/namespaces", tok, `{"name":"orka-ci"}`, nil); code != 201 {
		t.Fatalf("Small Teams admin creating a namespace: %d", code)
	}
	var accounts struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	if code := call(t, http.DefaultClient, "GET", env["ORKA_ENDPOINT"]+"/api/v1/namespaces/orka-default/serviceaccounts", tok, "", &accounts); code != 200 ||
		len(accounts.Items) != 1 || accounts.Items[0].Name != "orka-admin" {
		t.Fatalf("service accounts: %d %+v", code, accounts)
	}
	// With --tls as well, the CA line comes before it.
	_, order = startOrdered(t, 4, "--tls", "--small-teams-admin", "orka-default/orka-admin")
	if strings.Join(order, ",") != "ORKA_ENDPOINT,ORKA_TOKEN,ORKA_CA_CERTIFICATE_FILE,ORKA_SMALL_TEAMS_ADMIN_TOKEN" {
		t.Fatalf("lines in order with --tls %v", order)
	}
}

// The variant flags set the variants the control interface reports.
func TestRunVariantFlags(t *testing.T) {
	env := start(t, 2, "--omit-vm-metadata", "--sparse-vm-items", "--legacy-image-cache")
	var v map[string]bool
	if code := call(t, http.DefaultClient, "GET", env["ORKA_ENDPOINT"]+"/_sim/variants", env["ORKA_TOKEN"], "", &v); code != 200 ||
		!v["omitVMCustomMetadata"] || !v["sparseVMItems"] || !v["legacyImageCache"] {
		t.Fatalf("variants: %d %v", code, v)
	}
	// Under --legacy-image-cache the documented add is a route that does not exist.
	if code := call(t, http.DefaultClient, "POST", env["ORKA_ENDPOINT"]+"/api/v1/namespaces/orka-default/cache/images/sequoia.orkasi/add",
		env["ORKA_TOKEN"], `{"all":true}`, nil); code != 404 {
		t.Fatalf("documented add under --legacy-image-cache: %d", code)
	}
}

// The usage text documents the variant flags and the control routes.
func TestRunUsage(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-h"}, io.Discard, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"--omit-vm-metadata", "--sparse-vm-items", "--legacy-image-cache", "-small-teams-admin",
		"ORKA_SMALL_TEAMS_ADMIN_TOKEN", "-eks-cluster", "-eks-identity", "/_sim/eks", "/_sim/users", "/_sim/variants", "/_sim/upgrade", "/_sim/faults", "/_sim/reset"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunTLS(t *testing.T) {
	env := start(t, 3, "--tls")
	if !strings.HasPrefix(env["ORKA_ENDPOINT"], "https://127.0.0.1:") || len(env["ORKA_TOKEN"]) != 64 {
		t.Fatalf("env %v", env)
	}
	pemBytes, err := os.ReadFile(env["ORKA_CA_CERTIFICATE_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no certificate in the CA file")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := client.Get(env["ORKA_ENDPOINT"] + "/api/v1/cluster-info")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("cluster-info over TLS: %d", res.StatusCode)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--nodes", "0"}, {"--bogus"}, {"extra"}, {"--deploy-delay", "soon"}, {"--latency", "-1ms"}, {"--latency-jitter", "fast"},
		{"--small-teams-admin", "orka-admin"}, {"--small-teams-admin", "ci/orka-admin"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Fatalf("%v accepted", args)
		}
	}
}

// With --eks-cluster and --eks-identity, an EKS IAM token signed by that AWS key for that
// cluster acts as the mapped administrator; one signed for another cluster is refused.
func TestRunEKS(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAORKASIMCMDTEST01")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "cmd-test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	env := start(t, 2, "--eks-cluster", "orka-on-aws", "--eks-identity", "AKIAORKASIMCMDTEST01:cmd-test-secret:eks-admin:admin")
	for cluster, want := range map[string]int{"orka-on-aws": 201, "another": 401} {
		src, err := orka.NewEKSTokenSource(orka.EKSConfig{ClusterName: cluster})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := src.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if code := call(t, http.DefaultClient, "POST", env["ORKA_ENDPOINT"]+"/api/v1/namespaces", tok.Value, `{"name":"orka-eks-`+cluster+`"}`, nil); code != want {
			t.Errorf("a token for cluster %q creating a namespace: %d, want %d", cluster, code, want)
		}
	}
	for _, args := range [][]string{{"--eks-identity", "A:hush-hush:u"}, {"--eks-cluster", "x", "--eks-identity", "A:hush-hush"},
		{"--eks-cluster", "x", "--eks-identity", "A:hush-hush:u:root"}} {
		var stderr strings.Builder
		err := run(context.Background(), args, io.Discard, &stderr)
		if err == nil {
			t.Errorf("%v accepted", args)
			continue
		}
		// The value's second part is a secret access key: neither the error nor the usage text
		// printed beside it may repeat it.
		if out := err.Error() + stderr.String(); strings.Contains(out, "hush-hush") {
			t.Errorf("%v: the refusal repeats the secret: %s", args, out)
		}
	}
}
