package orkasim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
)

// vmConfigNamespace: VM configs live only in orka-default.
func (s *Server) vmConfigNamespace(ns string) error {
	if _, err := s.nsLocked(ns); err != nil {
		return err
	}
	if ns != defaultNamespace {
		return invalid("namespace", ns, "VM configs live in namespace orka-default")
	}
	return nil
}

func (s *Server) listVMConfigs(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.vmConfigNamespace(c.ns()); err != nil {
		return 0, nil, err
	}
	out := []VMConfig{}
	for _, name := range slices.Sorted(maps.Keys(s.st.vmConfigs)) {
		out = append(out, s.st.vmConfigs[name].cfg)
	}
	return http.StatusOK, listOf(out), nil
}

func (s *Server) getVMConfig(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.vmConfigNamespace(c.ns()); err != nil {
		return 0, nil, err
	}
	rec := s.st.vmConfigs[c.params["name"]]
	if rec == nil {
		return 0, nil, notFound("VM config %q not found", c.params["name"])
	}
	return http.StatusOK, rec.cfg, nil
}

func (s *Server) deleteVMConfig(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.vmConfigNamespace(c.ns()); err != nil {
		return 0, nil, err
	}
	name := c.params["name"]
	rec := s.st.vmConfigs[name]
	if rec == nil {
		return 0, nil, notFound("VM config %q not found", name)
	}
	if err := mayDelete(c.p, "VM config", name, defaultNamespace, rec.owner); err != nil {
		return 0, nil, err
	}
	delete(s.st.vmConfigs, name)
	return http.StatusOK, successStatus(fmt.Sprintf("VM config %q deleted", name)), nil
}

func (s *Server) createVMConfig(c *call) (int, any, error) {
	var in vmConfigInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.vmConfigNamespace(c.ns()); err != nil {
		return 0, nil, err
	}
	rec, err := s.buildVMConfig(in)
	if err != nil {
		return 0, nil, err
	}
	if s.st.vmConfigs[rec.cfg.Name] != nil {
		return 0, nil, alreadyExists("VM config %q already exists", rec.cfg.Name)
	}
	rec.owner = c.p.subject
	s.st.vmConfigs[rec.cfg.Name] = rec
	return http.StatusCreated, rec.cfg, nil
}

// buildVMConfig validates a create body and fills in the defaults.
func (s *Server) buildVMConfig(in vmConfigInput) (*vmConfigRec, error) {
	if err := validateVMConfigName(in.Name); err != nil {
		return nil, err
	}
	if err := s.st.validateImage("image", in.Image); err != nil {
		return nil, err
	}
	cfg := VMConfig{
		Name: in.Name, Image: in.Image, CPU: 3, Tag: in.Tag, TagRequired: in.TagRequired,
		Scheduler: in.Scheduler, NetBoost: in.NetBoost, LegacyIO: in.LegacyIO,
		GPUPassthrough: in.GPUPassthrough, VNCConsole: true, DisplayWidth: in.DisplayWidth,
		DisplayHeight: in.DisplayHeight, DisplayDPI: in.DisplayDPI, NodeName: in.NodeName,
		Type: imageArch(in.Image),
	}
	if in.CPU != nil && *in.CPU != 0 {
		cfg.CPU = *in.CPU
	}
	if cfg.CPU < 2 {
		return nil, invalid("cpu", cfg.CPU, "must be at least 2")
	}
	if cfg.CPU > nodeCPU {
		return nil, invalid("cpu", cfg.CPU, fmt.Sprintf("must be at most %d (the cores of a node)", nodeCPU))
	}
	var raw float64
	if in.Memory != nil {
		raw = *in.Memory
	}
	if raw < 0 {
		return nil, invalid("memory", raw, "must be at least 0 (0 derives it from cpu)")
	}
	raw = roundMemory(raw) // stored and read back rounded; 0 still derives it
	if raw > nodeMemoryGiB {
		return nil, invalid("memory", raw, fmt.Sprintf("must be at most %g (GiB of a node)", nodeMemoryGiB))
	}
	cfg.Memory = raw
	if raw == 0 {
		cfg.Memory = derivedMemory(cfg.CPU)
	}
	if len(in.Tag) > 32 {
		return nil, invalid("tag", in.Tag, "must be 1 to 32 characters")
	}
	if cfg.Scheduler == "" {
		cfg.Scheduler = "default"
	}
	if err := validateScheduler(cfg.Scheduler); err != nil {
		return nil, err
	}
	if err := validateDisplay(in.DisplayWidth, in.DisplayHeight, in.DisplayDPI); err != nil {
		return nil, err
	}
	if in.VNCConsole != nil {
		cfg.VNCConsole = *in.VNCConsole
	}
	if err := s.validateGPU(cfg.GPUPassthrough, cfg.VNCConsole); err != nil {
		return nil, err
	}
	if in.NodeName != "" && s.st.node(in.NodeName) == nil {
		return nil, invalid("nodeName", in.NodeName, "must be the name of an existing node")
	}
	return &vmConfigRec{cfg: cfg, rawMemory: raw}, nil
}
