package orkasim

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

var (
	vmConfigNameRE = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	dnsLabelRE     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	accountNameRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)
)

func validateVMConfigName(name string) error {
	switch {
	case name == "":
		return invalid("name", name, "is required")
	case len(name) > 50:
		return invalid("name", name, "must be at most 50 characters")
	case !vmConfigNameRE.MatchString(name):
		return invalid("name", name, "must consist of lowercase letters, digits and '-', start with a letter and end with a letter or digit")
	}
	return nil
}

// validateVMName: a VM name is a DNS label of at most 63 characters (with any generated
// suffix) that starts with a letter [DOC: orka-api.md §5, the CLI reference].
func validateVMName(name string) error {
	if err := validateDNSLabel("name", name, 63); err != nil {
		return err
	}
	if name[0] < 'a' || name[0] > 'z' {
		return invalid("name", name, "must start with a letter (lowercase letters, digits and '-', starting with a letter and ending with a letter or digit)")
	}
	return nil
}

func validateDNSLabel(field, name string, maxLen int) error {
	switch {
	case name == "":
		return invalid(field, name, "is required")
	case len(name) > maxLen:
		return invalid(field, name, fmt.Sprintf("must be at most %d characters", maxLen))
	case !dnsLabelRE.MatchString(name):
		return invalid(field, name, "must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit")
	}
	return nil
}

func validateAccountName(name string) error {
	switch {
	case len(name) > 253:
		return invalid("name", name, "must be at most 253 characters")
	case !accountNameRE.MatchString(name):
		return invalid("name", name, "must consist of lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")
	}
	return nil
}

func validateNamespaceName(name string) error {
	if err := validateDNSLabel("name", name, 63); err != nil {
		return err
	}
	if !strings.HasPrefix(name, "orka-") || name == "orka-" {
		return invalid("name", name, `must start with "orka-"`)
	}
	return nil
}

// isOCIRef: anything that looks like a registry reference is accepted as an image.
func isOCIRef(image string) bool { return strings.ContainsAny(image, "/:") }

// imageArch is the architecture of an image: *.img images are Intel.
func imageArch(image string) string {
	if strings.HasSuffix(image, ".img") {
		return "amd64"
	}
	return "arm64"
}

func (st *state) validateImage(field, image string) error {
	if image == "" {
		return invalid(field, image, "is required")
	}
	if isOCIRef(image) {
		return nil
	}
	if img := st.image(image); img != nil {
		if img.State != ImageReady {
			return invalid(field, image, fmt.Sprintf("must be a Ready image; it is %s", img.State))
		}
		return nil
	}
	return invalid(field, image, "must be the name of an existing image (*.img or *.orkasi) or an OCI reference such as ghcr.io/org/macos:sonoma")
}

// roundMemory rounds GiB to the nearest 0.1 GiB, as Orka stores memory [DOC: orka-api.md §4,
// the CRD types vendored in MacStadium's Packer plugin: "Rounded to the nearest 0.1 GiB"].
func roundMemory(gib float64) float64 { return math.Round(gib*10) / 10 }

// derivedMemory is the memory of a VM or VM config that gives none (the formula is ASSUMED).
func derivedMemory(cpu int) float64 { return roundMemory(float64(cpu) * 1.5) }

func validateScheduler(s string) error {
	if s != "default" && s != "most-allocated" {
		return invalid("scheduler", s, `must be "default" or "most-allocated"`)
	}
	return nil
}

func validateRange(field string, v, lo, hi int) error {
	if v == 0 {
		return nil // unset
	}
	if v < lo || v > hi {
		return invalid(field, v, fmt.Sprintf("must be between %d and %d", lo, hi))
	}
	return nil
}

func validateDisplay(w, h, dpi int) error {
	if err := validateRange("displayWidth", w, 320, 3840); err != nil {
		return err
	}
	if err := validateRange("displayHeight", h, 480, 2160); err != nil {
		return err
	}
	return validateRange("displayDPI", dpi, 60, 240)
}

func (s *Server) validateGPU(gpu, vnc bool) error {
	if !gpu {
		return nil
	}
	if !s.opts.GPUPassthrough {
		return invalid("gpuPassthrough", true, "GPU passthrough is not enabled on this cluster")
	}
	if vnc {
		return invalid("gpuPassthrough", true, "cannot be used with vncConsole enabled; set vncConsole to false")
	}
	return nil
}

func validateMetadata(md map[string]string) error {
	for k, v := range md {
		if k == "" {
			return invalid("customMetadata", k, "keys must not be empty")
		}
		if strings.ContainsAny(k, ",=") {
			return invalid("customMetadata", k, "keys must not contain ',' or '='")
		}
		if strings.ContainsAny(v, ",=") {
			return invalid("customMetadata["+k+"]", v, "values must not contain ',' or '='")
		}
	}
	return nil
}

// validateReservedPorts checks "NODEPORT:VMPORT[/tcp|/udp],...".
func validateReservedPorts(spec string) error {
	if spec == "" {
		return nil
	}
	port := func(p string) bool {
		n, err := strconv.Atoi(p)
		return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
	}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		mapping, proto, hasProto := strings.Cut(item, "/")
		if hasProto && proto != "tcp" && proto != "udp" {
			return invalid("reservedPorts", spec, fmt.Sprintf("protocol %q must be tcp or udp", proto))
		}
		np, vp, ok := strings.Cut(mapping, ":")
		if !ok || !port(np) || !port(vp) {
			return invalid("reservedPorts", spec, fmt.Sprintf("entry %q must be NODEPORT:VMPORT[/tcp|/udp] with ports 1-65535", item))
		}
	}
	return nil
}
