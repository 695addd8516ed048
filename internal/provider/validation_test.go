package provider

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// badInput is one invalid value of one argument, and what the error must say: one fragment
// names the argument (as "attr:" or the framework's "Attribute attr", not just the source line
// Terraform quotes), the others state the rule it broke.
type badInput struct {
	attr string
	set  map[string]string // HCL expressions set over the type's valid base; "" removes one
	want []string
}

// badInputTable is every bad-input case of one type. block is the block's header, such as
// `resource "orka_vm" "bad"`, or "provider" for the provider block itself.
type badInputTable struct {
	block string
	base  map[string]string
	minTF *version.Version
	cases []badInput
}

// renderBlock writes a block from attribute expressions; the key "timeouts" holds the body of
// a timeouts block.
func renderBlock(header string, attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k, v := range attrs {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(header + " {\n")
	for _, k := range keys {
		if k == "timeouts" {
			fmt.Fprintf(&b, "  timeouts {\n    %s\n  }\n", attrs[k])
			continue
		}
		fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
	}
	b.WriteString("}\n")
	return b.String()
}

// wantRE matches the fragments in order, across Terraform's line wrapping.
func (c badInput) wantRE() *regexp.Regexp {
	parts := make([]string, len(c.want))
	for i, f := range c.want {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(f), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// run plans each case on its own and expects it to fail with its message, before any request
// reaches Orka.
func (tt badInputTable) run(t *testing.T) {
	t.Helper()
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	steps := make([]resource.TestStep, 0, len(tt.cases))
	for _, c := range tt.cases {
		if len(c.want) < 2 || !strings.Contains(strings.Join(c.want, " "), c.attr) {
			t.Fatalf("case %s %v: the fragments must name the attribute and state the rule", c.attr, c.set)
		}
		attrs := map[string]string{}
		for k, v := range tt.base {
			attrs[k] = v
		}
		for k, v := range c.set {
			attrs[k] = v
		}
		var cfg string
		if tt.block == "provider" {
			attrs["endpoint"] = firstSet(c.set["endpoint"], fmt.Sprintf("%q", e.endpoint))
			attrs["token"] = firstSet(c.set["token"], fmt.Sprintf("%q", e.token))
			cfg = renderBlock(`provider "orka"`, attrs) + readImages
		} else {
			cfg = e.config(renderBlock(tt.block, attrs))
		}
		steps = append(steps, resource.TestStep{Config: cfg, PlanOnly: true, ExpectError: c.wantRE()})
	}
	checks := []tfversion.TerraformVersionCheck{}
	if tt.minTF != nil {
		checks = append(checks, tfversion.SkipBelow(tt.minTF))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   checks,
		Steps:                    steps,
	})
	if reqs := e.sim.Requests(); len(reqs) > 0 {
		t.Errorf("bad input reached Orka: %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

func firstSet(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

const (
	testCertKey = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
	testBadCert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
)

func q(s string) string { return fmt.Sprintf("%q", s) }

// Names, images and other values that every type refuses the same way.
var (
	badNamespace = badInput{attr: "namespace", set: map[string]string{"namespace": `"ci"`},
		want: []string{`namespace: "ci" is not a valid namespace name`, `start with "orka-"`}}
	badImages = []badInput{
		{attr: "image", set: map[string]string{"image": `":::"`},
			want: []string{`image: ":::" is neither a local image name nor an OCI reference`, "repository path is lowercase"}},
		{attr: "image", set: map[string]string{"image": `"ghcr.io/ACME/Bad Image:tag"`},
			want: []string{`image: "ghcr.io/ACME/Bad Image:tag" contains white space`, "an OCI reference"}},
		{attr: "image", set: map[string]string{"image": `"ghcr.io/ACME/macos:sonoma"`},
			want: []string{`image: "ghcr.io/ACME/macos:sonoma" is neither`, "repository path is lowercase"}},
		{attr: "image", set: map[string]string{"image": `"https://ghcr.io/acme/macos"`},
			want: []string{`image: "https://ghcr.io/acme/macos" is neither`, "[registry[:port]/]repository[:tag][@digest]"}},
		{attr: "image", set: map[string]string{"image": `""`},
			want: []string{`image: is empty`, "a local image name"}},
	}
)

// Every argument of every type, with a value Orka (or Terraform) would refuse.
func TestAccValidation_badInputs(t *testing.T) {
	tables := map[string]badInputTable{
		"provider": {block: "provider", cases: []badInput{
			{attr: "endpoint", set: map[string]string{"endpoint": `"ftp://acme.orka.app"`},
				want: []string{"endpoint:", "must be an absolute URL starting with https:// or http://"}},
			{attr: "endpoint", set: map[string]string{"endpoint": `"https://acme.orka.app/?x=1"`},
				want: []string{"endpoint:", "must not have a query or fragment"}},
			{attr: "endpoint", set: map[string]string{"endpoint": `"https://admin:pw@acme.orka.app"`},
				want: []string{"endpoint:", "must not carry credentials"}},
			{attr: "endpoint", set: map[string]string{"endpoint": `"acme.orka.app"`},
				want: []string{"endpoint:", "starting with https:// or http://"}},
			{attr: "owner", set: map[string]string{"owner": `"team=a"`},
				want: []string{`owner: "team=a" is not a valid owner`, "letters, digits and '-_./:@'"}},
			{attr: "token", set: map[string]string{"token": `"abc\n"`},
				want: []string{"token:", "contains white space or control characters"}},
			{attr: "token", set: map[string]string{"token": `"abc def"`},
				want: []string{"token:", "a bearer token is one line without spaces"}},
			{attr: "token", set: map[string]string{"token": `""`},
				want: []string{"Missing Orka API token", "Set token in the provider"}},
			{attr: "namespace", set: map[string]string{"namespace": `"ci"`},
				want: []string{`namespace: "ci" is not a valid namespace name`, `start with "orka-"`}},
			{attr: "namespace", set: map[string]string{"namespace": `"orka-Team"`},
				want: []string{`namespace: "orka-Team" is not a valid namespace name`, "lowercase letters"}},
			{attr: "ca_certificate", set: map[string]string{"ca_certificate": `"/etc/ssl/orka-ca.pem"`},
				want: []string{"ca_certificate:", "holds no PEM-encoded certificate", "not a path"}},
			{attr: "ca_certificate", set: map[string]string{"ca_certificate": q(testCertKey)},
				want: []string{"ca_certificate:", `PEM block of type "PRIVATE KEY"`}},
			{attr: "ca_certificate", set: map[string]string{"ca_certificate": q(testBadCert)},
				want: []string{"ca_certificate:", "certificate 1 cannot be read"}},
			{attr: "max_retries", set: map[string]string{"max_retries": "-1"},
				want: []string{"Attribute max_retries value", "must be between 0 and 20"}},
			{attr: "max_retries", set: map[string]string{"max_retries": "21"},
				want: []string{"Attribute max_retries value", "must be between 0 and 20"}},
			{attr: "request_timeout", set: map[string]string{"request_timeout": `"soon"`},
				want: []string{`request_timeout: "soon"`, "is not a duration"}},
			{attr: "request_timeout", set: map[string]string{"request_timeout": `"0s"`},
				want: []string{`request_timeout: "0s"`, "is not longer than zero"}},
			{attr: "request_timeout", set: map[string]string{"request_timeout": `"-30s"`},
				want: []string{`request_timeout: "-30s"`, "is not longer than zero"}},
			{attr: "request_timeout", set: map[string]string{"request_timeout": `"500ms"`},
				want: []string{`request_timeout: "500ms"`, "shorter than the minimum of 1s"}},
		}},

		"orka_vm_config": {block: `resource "orka_vm_config" "bad"`, base: map[string]string{"name": `"ok"`, "image": `"x.orkasi"`},
			cases: append([]badInput{
				{attr: "name", set: map[string]string{"name": `"Bad"`}, want: []string{`name: "Bad" is not a valid VM config name`, "use lowercase letters"}},
				{attr: "name", set: map[string]string{"name": `"1-runner"`}, want: []string{`name: "1-runner" is not a valid VM config name`, "start with a letter"}},
				{attr: "name", set: map[string]string{"name": `"runner_1"`}, want: []string{`name: "runner_1" is not a valid VM config name`, "digits and '-'"}},
				{attr: "name", set: map[string]string{"name": q(strings.Repeat("a", 51))}, want: []string{`name: "aaaa`, "must be 1 to 50 characters"}},
				{attr: "name", set: map[string]string{"name": `""`}, want: []string{`name: "" is 0 characters long`, "must be 1 to 50 characters"}},
				{attr: "cpu", set: map[string]string{"cpu": "1"}, want: []string{"Attribute cpu value", "must be at least 2"}},
				{attr: "cpu", set: map[string]string{"cpu": "-4"}, want: []string{"Attribute cpu value", "must be at least 2"}},
				{attr: "memory", set: map[string]string{"memory": "0"}, want: []string{"memory: 0 GiB is below", "minimum of 0.1 GiB"}},
				{attr: "memory", set: map[string]string{"memory": "-2"}, want: []string{"memory: -2 GiB is below", "minimum of 0.1 GiB"}},
				// Orka rounds memory to the nearest 0.1 GiB: 6.57 would be kept as 6.6.
				{attr: "memory", set: map[string]string{"memory": "6.57"}, want: []string{"memory: 6.57 GiB is not a multiple of 0.1 GiB", "would keep 6.6"}},
				{attr: "tag", set: map[string]string{"tag": `""`}, want: []string{`tag: "" is 0 characters long`, "a node tag must be 1 to 32 characters"}},
				{attr: "tag", set: map[string]string{"tag": q(strings.Repeat("t", 33))}, want: []string{`tag: "tttt`, "a node tag must be 1 to 32 characters"}},
				{attr: "tag", set: map[string]string{"tag": `"gpu nodes"`}, want: []string{`tag: "gpu nodes" is not a valid node tag`, "letters, digits, '-', '_' and '.'"}},
				{attr: "scheduler", set: map[string]string{"scheduler": `"fastest"`}, want: []string{"Attribute scheduler value", `must be one of: ["default" "most-allocated"]`}},
				{attr: "display_width", set: map[string]string{"display_width": "100"}, want: []string{"Attribute display_width value", "must be between 320 and 3840"}},
				{attr: "display_width", set: map[string]string{"display_width": "5000"}, want: []string{"Attribute display_width value", "must be between 320 and 3840"}},
				{attr: "display_height", set: map[string]string{"display_height": "100"}, want: []string{"Attribute display_height value", "must be between 480 and 2160"}},
				{attr: "display_height", set: map[string]string{"display_height": "3000"}, want: []string{"Attribute display_height value", "must be between 480 and 2160"}},
				{attr: "display_dpi", set: map[string]string{"display_dpi": "30"}, want: []string{"Attribute display_dpi value", "must be between 60 and 240"}},
				{attr: "display_dpi", set: map[string]string{"display_dpi": "300"}, want: []string{"Attribute display_dpi value", "must be between 60 and 240"}},
				{attr: "node_name", set: map[string]string{"node_name": `"Mini_1"`}, want: []string{`node_name: "Mini_1" is not a valid node name`, "lowercase letters"}},
				{attr: "node_name", set: map[string]string{"node_name": `""`}, want: []string{`node_name: "" is 0 characters long`, "must be 1 to 253 characters"}},
				{attr: "gpu_passthrough", set: map[string]string{"gpu_passthrough": "true"},
					want: []string{"gpu_passthrough = true requires vnc_console = false", "vnc_console defaults to true"}},
				{attr: "vnc_console", set: map[string]string{"gpu_passthrough": "true", "vnc_console": "true"},
					want: []string{"gpu_passthrough = true requires vnc_console = false", "vnc_console is set to true"}},
			}, badImages...)},

		"orka_vm": {block: `resource "orka_vm" "bad"`, base: map[string]string{"name": `"ok"`, "image": `"x.orkasi"`},
			cases: append([]badInput{
				{attr: "name", set: map[string]string{"name": `"Bad_Name"`}, want: []string{`name: "Bad_Name" is not a valid VM name`, "lowercase letters, digits and '-'"}},
				{attr: "name", set: map[string]string{"name": `"runner-"`}, want: []string{`name: "runner-" is not a valid VM name`, "end with a letter or digit"}},
				// The orka3 CLI reference: VM names start with a letter.
				{attr: "name", set: map[string]string{"name": `"1-runner"`}, want: []string{`name: "1-runner" is not a valid VM name`, "start with a letter"}},
				{attr: "name", set: map[string]string{"name": `"vm/extra"`}, want: []string{`name: "vm/extra" is not a valid VM name`, "lowercase letters, digits and '-'"}},
				{attr: "name", set: map[string]string{"name": q(strings.Repeat("v", 64))}, want: []string{`name: "vvvv`, "a VM name must be 1 to 63 characters"}},
				badNamespace,
				{attr: "vm_config", set: map[string]string{"vm_config": `"Sonoma_Runner"`}, want: []string{`vm_config: "Sonoma_Runner" is not a valid VM config name`, "use lowercase letters"}},
				{attr: "vm_config", set: map[string]string{"vm_config": `""`}, want: []string{`vm_config: "" is 0 characters long`, "must be 1 to 50 characters"}},
				{attr: "vm_config", set: map[string]string{"image": ""}, want: []string{"Missing vm_config or image", "set vm_config to a VM config's name, or image"}},
				{attr: "vm_config_revision", set: map[string]string{"vm_config_revision": `""`}, want: []string{`vm_config_revision: "" is not a VM config revision`, "orka_vm_config.<name>.revision"}},
				{attr: "vm_config_revision", set: map[string]string{"vm_config_revision": `"latest"`}, want: []string{`vm_config_revision: "latest" is not a VM config revision`, "16 hexadecimal digits"}},
				{attr: "cpu", set: map[string]string{"cpu": "1"}, want: []string{"Attribute cpu value", "must be at least 2"}},
				{attr: "memory", set: map[string]string{"memory": "0"}, want: []string{"memory: 0 GiB is below", "minimum of 0.1 GiB"}},
				{attr: "memory", set: map[string]string{"memory": "8.125"}, want: []string{"memory: 8.125 GiB is not a multiple of 0.1 GiB", "would keep 8.1"}},
				{attr: "node", set: map[string]string{"node": `"Mini Arm 1"`}, want: []string{`node: "Mini Arm 1" is not a valid node name`, "lowercase letters"}},
				{attr: "node", set: map[string]string{"node": `""`}, want: []string{`node: "" is 0 characters long`, "must be 1 to 253 characters"}},
				{attr: "scheduler", set: map[string]string{"scheduler": `"spread"`}, want: []string{"Attribute scheduler value", "must be one of"}},
				{attr: "tag", set: map[string]string{"tag": `"gpu/nodes"`}, want: []string{`tag: "gpu/nodes" is not a valid node tag`, "start and end with a letter or digit"}},
				{attr: "tag", set: map[string]string{"tag": q(strings.Repeat("t", 33))}, want: []string{`tag: "tttt`, "must be 1 to 32 characters"}},
				{attr: "display_width", set: map[string]string{"display_width": "319"}, want: []string{"Attribute display_width value", "must be between 320 and 3840"}},
				{attr: "display_height", set: map[string]string{"display_height": "2161"}, want: []string{"Attribute display_height value", "must be between 480 and 2160"}},
				{attr: "display_dpi", set: map[string]string{"display_dpi": "59"}, want: []string{"Attribute display_dpi value", "must be between 60 and 240"}},
				{attr: "reserved_ports", set: map[string]string{"reserved_ports": `["80"]`}, want: []string{`reserved_ports[0]: "80" is not a port mapping`, "NODEPORT:VMPORT"}},
				{attr: "reserved_ports", set: map[string]string{"reserved_ports": `["70000:80"]`}, want: []string{`reserved_ports[0]: "70000:80" is not a port mapping`, "ports 1 to 65535"}},
				{attr: "reserved_ports", set: map[string]string{"reserved_ports": `["8080:80", "0:22"]`}, want: []string{`reserved_ports[1]: "0:22" is not a port mapping`, "ports 1 to 65535"}},
				{attr: "reserved_ports", set: map[string]string{"reserved_ports": `["80:80/sctp"]`}, want: []string{`reserved_ports[0]: "80:80/sctp" is not a port mapping`, "optional /tcp or /udp"}},
				{attr: "custom_metadata", set: map[string]string{"custom_metadata": `{ "a,b" = "x" }`}, want: []string{`custom_metadata key "a,b"`, "must not be empty or contain ',' or '='"}},
				{attr: "custom_metadata", set: map[string]string{"custom_metadata": `{ "" = "x" }`}, want: []string{`custom_metadata key ""`, "must not be empty"}},
				{attr: "custom_metadata", set: map[string]string{"custom_metadata": `{ "orka-tf-deployed-by" = "me" }`}, want: []string{"Attribute custom_metadata", `must be none of: ["orka-tf-deployed-by" "orka-tf-owner" "orka-tf-create"]`}},
				{attr: "custom_metadata", set: map[string]string{"custom_metadata": `{ "orka-tf-owner" = "acme/team-a" }`}, want: []string{"Attribute custom_metadata", `must be none of: ["orka-tf-deployed-by" "orka-tf-owner" "orka-tf-create"]`}},
				{attr: "custom_metadata", set: map[string]string{"custom_metadata": `{ a = "x=y" }`}, want: []string{`custom_metadata value "x=y"`, "must not be empty or contain ',' or '='"}},
				{attr: "gpu_passthrough", set: map[string]string{"gpu_passthrough": "true", "vnc_console": "true"},
					want: []string{"gpu_passthrough = true requires vnc_console = false", "vnc_console is set to true"}},
				{attr: "timeouts.create", set: map[string]string{"timeouts": `create = "-5m"`}, want: []string{`timeouts.create: "-5m"`, "is not longer than zero"}},
				{attr: "timeouts.create", set: map[string]string{"timeouts": `create = "0s"`}, want: []string{`timeouts.create: "0s"`, "is not longer than zero"}},
				{attr: "timeouts.create", set: map[string]string{"timeouts": `create = "soon"`}, want: []string{`timeouts.create: "soon"`, "is not a duration"}},
				{attr: "timeouts.delete", set: map[string]string{"timeouts": `delete = "-1s"`}, want: []string{`timeouts.delete: "-1s"`, "is not longer than zero"}},
				{attr: "timeouts.delete", set: map[string]string{"timeouts": `delete = "10ms"`}, want: []string{`timeouts.delete: "10ms"`, "shorter than the minimum of 1s"}},
			}, badImages...)},

		"orka_image_cache": {block: `resource "orka_image_cache" "bad"`, base: map[string]string{"image": q(cachedImage), "all": "true"},
			cases: append([]badInput{
				badNamespace,
				{attr: "all", set: map[string]string{"all": "false"}, want: []string{"all: false is not allowed", "it can only be true", "set nodes or tags"}},
				{attr: "all", set: map[string]string{"all": "", "nodes": `["mini-arm-1"]`, "tags": `["m2"]`}, want: []string{"Exactly one of these attributes must be configured", "[nodes,tags,all]"}},
				{attr: "all", set: map[string]string{"all": ""}, want: []string{"Exactly one of these attributes must be configured", "[nodes,tags,all]"}},
				{attr: "nodes", set: map[string]string{"all": "", "nodes": `[]`}, want: []string{"Attribute nodes set", "must contain at least 1 elements"}},
				{attr: "nodes", set: map[string]string{"all": "", "nodes": `["Mini_Arm_1"]`}, want: []string{`nodes[Value("Mini_Arm_1")]: "Mini_Arm_1" is not a valid node name`, "lowercase letters"}},
				{attr: "nodes", set: map[string]string{"all": "", "nodes": `[""]`}, want: []string{`nodes[Value("")]: "" is 0 characters long`, "must be 1 to 253 characters"}},
				{attr: "tags", set: map[string]string{"all": "", "tags": `[]`}, want: []string{"Attribute tags set", "must contain at least 1 elements"}},
				{attr: "tags", set: map[string]string{"all": "", "tags": `["m2 pro"]`}, want: []string{`tags[Value("m2 pro")]: "m2 pro" is not a valid node tag`, "letters, digits, '-', '_' and '.'"}},
				{attr: "tags", set: map[string]string{"all": "", "tags": q64tags()}, want: []string{`tags[Value("tttt`, "a node tag must be 1 to 63 characters"}},
				{attr: "timeouts.create", set: map[string]string{"timeouts": `create = "-1m"`}, want: []string{`timeouts.create: "-1m"`, "is not longer than zero"}},
				{attr: "timeouts.create", set: map[string]string{"timeouts": `create = "0s"`}, want: []string{`timeouts.create: "0s"`, "is not longer than zero"}},
				{attr: "timeouts.delete", set: map[string]string{"timeouts": `delete = "0"`}, want: []string{`timeouts.delete: "0"`, "is not longer than zero"}},
				{attr: "timeouts.delete", set: map[string]string{"timeouts": `delete = "an hour"`}, want: []string{`timeouts.delete: "an hour"`, "is not a duration"}},
			}, badImages...)},

		"orka_namespace": {block: `resource "orka_namespace" "bad"`, base: map[string]string{}, cases: []badInput{
			{attr: "name", set: map[string]string{"name": `"ci"`}, want: []string{`name: "ci" is not a valid namespace name`, `start with "orka-"`}},
			{attr: "name", set: map[string]string{"name": `"orka-"`}, want: []string{`name: "orka-" is not a valid namespace name`, "end with a letter or digit"}},
			{attr: "name", set: map[string]string{"name": `"orka-CI"`}, want: []string{`name: "orka-CI" is not a valid namespace name`, "lowercase letters"}},
			{attr: "name", set: map[string]string{"name": `"orka_ci"`}, want: []string{`name: "orka_ci" is not a valid namespace name`, `start with "orka-"`}},
			{attr: "name", set: map[string]string{"name": q("orka-" + strings.Repeat("n", 59))}, want: []string{`name: "orka-nnn`, "a namespace name must be 1 to 63 characters"}},
			{attr: "name", set: map[string]string{"name": `"orka-default"`}, want: []string{`name: "orka-default" always exists`, "cannot be an orka_namespace"}},
		}},

		"orka_service_account": {block: `resource "orka_service_account" "bad"`, base: map[string]string{"name": `"ci"`}, cases: []badInput{
			{attr: "name", set: map[string]string{"name": `"Bad_SA"`}, want: []string{`name: "Bad_SA" is not a valid service account name`, "lowercase letters, digits, '-' and '.'"}},
			{attr: "name", set: map[string]string{"name": `"-ci"`}, want: []string{`name: "-ci" is not a valid service account name`, "start and end with a letter or digit"}},
			{attr: "name", set: map[string]string{"name": `"ci/runner"`}, want: []string{`name: "ci/runner" is not a valid service account name`, "lowercase letters"}},
			{attr: "name", set: map[string]string{"name": q(strings.Repeat("s", 254))}, want: []string{`name: "ssss`, "a service account name must be 1 to 253 characters"}},
			badNamespace,
		}},

		"orka_service_account_token": {block: `resource "orka_service_account_token" "bad"`, base: map[string]string{"service_account": `"ci"`}, cases: []badInput{
			{attr: "service_account", set: map[string]string{"service_account": `"Bad_SA"`}, want: []string{`service_account: "Bad_SA" is not a valid service account name`, "lowercase letters"}},
			badNamespace,
			{attr: "duration", set: map[string]string{"duration": `"5m"`}, want: []string{`duration: "5m"`, "shorter than the minimum of 10m0s"}},
			{attr: "duration", set: map[string]string{"duration": `"-720h"`}, want: []string{`duration: "-720h"`, "is not longer than zero"}},
			{attr: "duration", set: map[string]string{"duration": `"0s"`}, want: []string{`duration: "0s"`, "is not longer than zero"}},
			{attr: "duration", set: map[string]string{"duration": `"a year"`}, want: []string{`duration: "a year"`, "is not a duration"}},
			{attr: "no_expiration", set: map[string]string{"duration": `"720h"`, "no_expiration": "true"}, want: []string{"duration conflicts with no_expiration", "set duration, or no_expiration = true, not both"}},
			{attr: "rotate_before", set: map[string]string{"rotate_before": `"soon"`}, want: []string{`rotate_before: "soon"`, "is not a duration"}},
			{attr: "rotate_before", set: map[string]string{"rotate_before": `"-168h"`}, want: []string{`rotate_before: "-168h"`, "is not longer than zero"}},
			{attr: "rotate_before", set: map[string]string{"duration": `"24h"`, "rotate_before": `"24h"`}, want: []string{`rotate_before: "24h" is not shorter than duration "24h"`, "every plan would mint another"}},
			{attr: "rotate_before", set: map[string]string{"rotate_before": `"9000h"`}, want: []string{`rotate_before: "9000h" is not shorter than Orka's default token lifetime`, "every plan would mint another"}},
			{attr: "regenerate_after", set: map[string]string{"regenerate_after": `"2025-06-01 06:00"`}, want: []string{`regenerate_after: "2025-06-01 06:00"`, "is not an RFC 3339 time"}},
		}},

		"ephemeral orka_service_account_token": {block: `ephemeral "orka_service_account_token" "bad"`, minTF: tfversion.Version1_10_0,
			base: map[string]string{"service_account": `"ci"`}, cases: []badInput{
				{attr: "service_account", set: map[string]string{"service_account": `"Bad_SA"`}, want: []string{`service_account: "Bad_SA" is not a valid service account name`, "lowercase letters"}},
				badNamespace,
				{attr: "duration", set: map[string]string{"duration": `"1m"`}, want: []string{`duration: "1m"`, "shorter than the minimum of 10m0s"}},
				{attr: "duration", set: map[string]string{"duration": `"-1h"`}, want: []string{`duration: "-1h"`, "is not longer than zero"}},
				{attr: "duration", set: map[string]string{"duration": `"1 hour"`}, want: []string{`duration: "1 hour"`, "is not a duration"}},
				{attr: "no_expiration", set: map[string]string{"duration": `"1h"`, "no_expiration": "true"}, want: []string{"duration conflicts with no_expiration", "not both"}},
			}},

		"orka_registry_credential": {block: `resource "orka_registry_credential" "bad"`,
			base: map[string]string{"server": `"https://ghcr.io"`, "username": `"bot"`, "password": `"x"`}, cases: []badInput{
				badNamespace,
				{attr: "server", set: map[string]string{"server": `"ghcr.io"`}, want: []string{`server: "ghcr.io" must start with https://`, "with allow_insecure = true"}},
				{attr: "server", set: map[string]string{"server": `"ftp://ghcr.io"`}, want: []string{`server: "ftp://ghcr.io" must start with https://`, "such as"}},
				{attr: "server", set: map[string]string{"server": `"https://"`}, want: []string{`server: "https://" is not a URL with a host`, "such as"}},
				{attr: "server", set: map[string]string{"server": `"https://ghcr.io/?team=acme"`}, want: []string{`server: "https://ghcr.io/?team=acme" must not have a query (?...) or fragment`, "scheme, host, port and path only"}},
				{attr: "server", set: map[string]string{"server": `"https://ghcr.io#acme"`}, want: []string{`server: "https://ghcr.io#acme" must not have a query (?...) or fragment`, "scheme, host, port and path only"}},
				{attr: "server", set: map[string]string{"server": `"https://bot:secret@ghcr.io"`}, want: []string{"server: a registry server must not carry a user name or password", "set them in username and password"}},
				{attr: "server", set: map[string]string{"server": `"https://registry.example.com:70000"`}, want: []string{`server: "https://registry.example.com:70000" has port "70000"`, "between 1 and 65535"}},
				{attr: "server", set: map[string]string{"server": `"https://ghcr .io"`}, want: []string{`server: "https://ghcr .io"`, "not a URL with a host"}},
				{attr: "allow_insecure", set: map[string]string{"server": `"http://10.0.0.5:5000"`}, want: []string{`allow_insecure: server "http://10.0.0.5:5000" is plain HTTP`, "only with allow_insecure = true"}},
				{attr: "username", set: map[string]string{"username": `""`}, want: []string{"username: is empty", "set the registry user name"}},
				{attr: "username", set: map[string]string{"username": `"bot:ci"`}, want: []string{`username: "bot:ci" contains ':'`, "HTTP basic authentication"}},
				{attr: "username", set: map[string]string{"username": `" bot"`}, want: []string{`username: " bot" has leading or trailing white space`, "control characters"}},
				{attr: "password", set: map[string]string{"password": `""`}, want: []string{"Attribute password string length", "must be at least 1"}},
				{attr: "password", set: map[string]string{"password": ""}, want: []string{"Missing registry password", "Set exactly one of password"}},
			}},

		"orka_registry_credential write-only": {block: `resource "orka_registry_credential" "bad"`, minTF: tfversion.Version1_11_0,
			base: map[string]string{"server": `"https://ghcr.io"`, "username": `"bot"`}, cases: []badInput{
				{attr: "password_wo", set: map[string]string{"password_wo": `"x"`, "password": `"y"`}, want: []string{"Both password and password_wo are set", "Set exactly one of password"}},
				{attr: "password_wo", set: map[string]string{"password_wo": `""`}, want: []string{"Attribute password_wo string length", "must be at least 1"}},
				{attr: "password_wo_version", set: map[string]string{"password": `"x"`, "password_wo_version": "1"}, want: []string{`Attribute "password_wo" must be specified`, `when "password_wo_version" is specified`}},
			}},

		"orka_role_binding_subject": {block: `resource "orka_role_binding_subject" "bad"`,
			base: map[string]string{"kind": `"user"`, "name": `"dev@example.com"`}, cases: []badInput{
				badNamespace,
				{attr: "kind", set: map[string]string{"kind": `"group"`}, want: []string{"Attribute kind value", `must be one of: ["user" "service_account"]`}},
				{attr: "name", set: map[string]string{"kind": `"service_account"`, "name": `"Bad_SA"`, "subject_namespace": `"orka-default"`},
					want: []string{`name: "Bad_SA" is not a valid service account name`, "lowercase letters, digits, '-' and '.'"}},
				{attr: "name", set: map[string]string{"kind": `"service_account"`, "name": `"ci@example.com"`, "subject_namespace": `"orka-default"`},
					want: []string{`name: "ci@example.com" is not a valid service account name`, "lowercase letters"}},
				{attr: "name", set: map[string]string{"name": `"team/dev@example.com"`}, want: []string{`name: "team/dev@example.com" is not a valid user name`, "no spaces, '/', ',' or ':'"}},
				{attr: "name", set: map[string]string{"name": `"Dev User"`}, want: []string{`name: "Dev User" is not a valid user name`, "the e-mail address the user logs in with"}},
				{attr: "name", set: map[string]string{"name": `"dev@"`}, want: []string{`name: "dev@" is not a valid user name`, "such as dev@example.com"}},
				{attr: "name", set: map[string]string{"name": `""`}, want: []string{`name: "" is 0 characters long`, "a user name must be 1 to 253 characters"}},
				{attr: "subject_namespace", set: map[string]string{"kind": `"service_account"`, "name": `"ci"`}, want: []string{"Missing subject_namespace", "needs subject_namespace"}},
				{attr: "subject_namespace", set: map[string]string{"subject_namespace": `"orka-default"`}, want: []string{"subject_namespace is only for service accounts", "Users do not belong to a namespace"}},
				{attr: "subject_namespace", set: map[string]string{"kind": `"service_account"`, "name": `"ci"`, "subject_namespace": `"default"`},
					want: []string{`subject_namespace: "default" is not a valid namespace name`, `start with "orka-"`}},
			}},

		"data orka_vm_config": {block: `data "orka_vm_config" "bad"`, cases: []badInput{
			{attr: "name", set: map[string]string{"name": `"Runner"`}, want: []string{`name: "Runner" is not a valid VM config name`, "use lowercase letters"}},
			{attr: "name", set: map[string]string{"name": `""`}, want: []string{`name: "" is 0 characters long`, "must be 1 to 50 characters"}},
		}},
		"data orka_vms": {block: `data "orka_vms" "bad"`, cases: []badInput{
			badNamespace,
			{attr: "name_prefix", set: map[string]string{"name_prefix": `"Runner-"`}, want: []string{`name_prefix: "Runner-" is not a valid VM name prefix`, "lowercase letters, digits and '-'"}},
			{attr: "name_prefix", set: map[string]string{"name_prefix": `""`}, want: []string{`name_prefix: "" is 0 characters long`, "must be 1 to 63 characters"}},
		}},
		"data orka_nodes": {block: `data "orka_nodes" "bad"`, cases: []badInput{badNamespace}},
		"data orka_upgrade_window": {block: `data "orka_upgrade_window" "bad"`, cases: []badInput{
			{attr: "type", set: map[string]string{"type": `"major"`}, want: []string{"Attribute type value", `must be one of: ["release" "infrastructure" "patch"]`}},
			{attr: "start", set: map[string]string{"start": `"next friday"`}, want: []string{`start: "next friday"`, "is not an RFC 3339 time"}},
			{attr: "start", set: map[string]string{"start": `"2026-12-05 22:00"`}, want: []string{`start: "2026-12-05 22:00"`, "is not an RFC 3339 time"}},
			{attr: "duration", set: map[string]string{"duration": `"3 hours"`}, want: []string{`duration: "3 hours"`, "is not a duration"}},
			{attr: "duration", set: map[string]string{"duration": `"30s"`}, want: []string{`duration: "30s"`, "shorter than the minimum of 1m0s"}},
			{attr: "duration", set: map[string]string{"duration": `"-3h"`}, want: []string{`duration: "-3h"`, "is not longer than zero"}},
			{attr: "namespaces", set: map[string]string{"namespaces": `["orka-default", "ci"]`}, want: []string{`namespaces[1]: "ci" is not a valid namespace name`, `start with "orka-"`}},
		}},
	}
	total := 0
	for name, tt := range tables {
		total += len(tt.cases)
		t.Run(name, func(t *testing.T) {
			tt.run(t)
		})
	}
	t.Logf("%d bad inputs across %d types", total, len(tables))
}

// q64tags is a tag one character longer than Orka's 63.
func q64tags() string { return `["` + strings.Repeat("t", 64) + `"]` }

// Values from the environment get the same checks, and the error names both the variable and
// the attribute it stands for.
func TestAccValidation_badEnvironment(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	cases := []struct {
		env, value string
		want       []string
	}{
		{envEndpoint, "ftp://acme.orka.app", []string{"ORKA_ENDPOINT (for endpoint):", "must be an absolute URL starting with https:// or http://"}},
		{envToken, "abc\n", []string{"ORKA_TOKEN (for token):", "contains white space or control characters"}},
		{envCACertificate, "/etc/ssl/orka-ca.pem", []string{"ORKA_CA_CERTIFICATE (for ca_certificate):", "holds no PEM-encoded certificate"}},
		{envCACertificate, testCertKey, []string{"ORKA_CA_CERTIFICATE (for ca_certificate):", `PEM block of type "PRIVATE KEY"`}},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			clearOrkaEnv(t)
			// The variable under test stands in for its attribute; the others come from the block.
			block := map[string]string{"endpoint": q(e.endpoint), "token": q(e.token)}
			switch c.env {
			case envEndpoint:
				delete(block, "endpoint")
			case envToken:
				delete(block, "token")
			}
			t.Setenv(c.env, c.value)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{{
					Config: renderBlock(`provider "orka"`, block) + readImages, PlanOnly: true,
					ExpectError: badInput{attr: c.env, want: c.want}.wantRE(),
				}},
			})
		})
	}
	if reqs := e.sim.Requests(); len(reqs) > 0 {
		t.Errorf("bad settings reached Orka: %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}
