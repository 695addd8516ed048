package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// start runs the program on a free port and returns the lines it printed on stdout.
func start(t *testing.T, want int, args ...string) map[string]string {
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
	sc := bufio.NewScanner(pr)
	for len(env) < want && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("unexpected stdout line %q", sc.Text())
		}
		env[k] = v
	}
	if len(env) != want {
		t.Fatalf("got %d lines %v, want %d", len(env), env, want)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // keep the writer unblocked
	return env
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
	for _, args := range [][]string{{"--nodes", "0"}, {"--bogus"}, {"extra"}, {"--deploy-delay", "soon"}, {"--latency", "-1ms"}, {"--latency-jitter", "fast"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Fatalf("%v accepted", args)
		}
	}
}
