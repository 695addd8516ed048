// Package scratch names the objects that tests and probes create on a live Orka cluster. Every
// such object starts with one prefix, so that leftovers of an interrupted run can be found and
// swept (cmd/orka-conformance -sweep) without ever touching anyone else's objects.
package scratch

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
)

// Prefix starts the name of every object created by the live acceptance tests and the
// conformance probe. It starts with "orka-" because Orka requires that of namespace names; it
// is also a valid start for VM, VM config and service-account names and for a host name.
const Prefix = "orka-tfacc-"

// Name returns a fresh name: Prefix, kind, "-" and 10 random lowercase hex digits (at most 63
// characters for a kind of up to 31).
func Name(kind string) string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("scratch: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return Prefix + kind + "-" + hex.EncodeToString(b[:])
}

// Owns reports whether a name (a namespace, VM, VM config, service account or user name) was
// made by Name.
func Owns(name string) bool { return strings.HasPrefix(name, Prefix) }

// OwnsServer reports whether a registry server URL names a host made by Name
// ("https://orka-tfacc-registry-0123456789.example.com").
func OwnsServer(server string) bool {
	u, err := url.Parse(server)
	return err == nil && Owns(u.Hostname())
}
