package scratch

import (
	"regexp"
	"testing"
)

func TestNameIsFreshAndOwned(t *testing.T) {
	a, b := Name("vm"), Name("vm")
	if a == b {
		t.Fatalf("two names are equal: %q", a)
	}
	// Valid as a namespace, VM, VM config and service-account name alike.
	dnsLabel := regexp.MustCompile(`^orka-[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	for _, n := range []string{a, Name("cfg"), Name("conf")} {
		if !dnsLabel.MatchString(n) || len(n) > 50 {
			t.Errorf("%q is not a valid Orka name of at most 50 characters", n)
		}
		if !Owns(n) {
			t.Errorf("Owns(%q) = false", n)
		}
	}
}

func TestOwnsOnlyPrefixedNames(t *testing.T) {
	for name, want := range map[string]bool{
		"orka-tfacc-ns-0123456789": true,
		"orka-default":             false,
		"orka-ci":                  false,
		"tfacc-cfg-1":              false,
		"my-orka-tfacc-x":          false,
	} {
		if got := Owns(name); got != want {
			t.Errorf("Owns(%q) = %v, want %v", name, got, want)
		}
	}
	for server, want := range map[string]bool{
		"https://orka-tfacc-registry-01.example.com":     true,
		"http://orka-tfacc-registry-01.example.com:5000": true,
		"https://ghcr.io": false,
		"https://registry.example.com/orka-tfacc-x": false,
		"::not a url": false,
	} {
		if got := OwnsServer(server); got != want {
			t.Errorf("OwnsServer(%q) = %v, want %v", server, got, want)
		}
	}
}
