package orkasim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

func (s *Server) listNamespaces(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Namespace{}
	for _, name := range slices.Sorted(maps.Keys(s.st.namespaces)) {
		out = append(out, Namespace{Name: name, CustomPods: s.st.namespaces[name].customPods})
	}
	return http.StatusOK, listOf(out), nil
}

func (s *Server) getNamespace(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Namespace{Name: ns.name, CustomPods: ns.customPods}, nil
}

// createNamespace creates a namespace with its own empty orka-dev binding.
func (s *Server) createNamespace(c *call) (int, any, error) {
	var in namespaceInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if err := validateNamespaceName(in.Name); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.namespaces[in.Name] != nil {
		return 0, nil, alreadyExists("namespace %q already exists", in.Name)
	}
	s.st.namespaces[in.Name] = newNamespace(in.Name, in.EnableCustomPods)
	return http.StatusCreated, Namespace{Name: in.Name, CustomPods: in.EnableCustomPods}, nil
}

// deleteNamespace refuses orka-default and namespaces that still hold VMs or nodes, and takes the
// namespace's accounts (and their tokens), credentials, caches and binding with it.
func (s *Server) deleteNamespace(c *call) (int, any, error) {
	name := c.ns()
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(name)
	if err != nil {
		return 0, nil, err
	}
	if name == defaultNamespace {
		return 0, nil, invalid("namespace", name, "orka-default cannot be deleted")
	}
	if len(ns.vms) > 0 {
		names := slices.Sorted(maps.Keys(ns.vms))
		return 0, nil, conflict("namespace %q still holds %d VM(s): %s; delete them first", name, len(names), strings.Join(names, ", "))
	}
	if nodes := s.st.nodesOfNamespaceLocked(name); len(nodes) > 0 {
		// [ASSUMED: Orka refuses, as it does for VMs, rather than return the nodes to
		// orka-default by itself.]
		return 0, nil, conflict("namespace %q still holds %d node(s): %s; move them to another namespace first (orka3 node namespace)",
			name, len(nodes), strings.Join(nodes, ", "))
	}
	s.st.dropTokens(func(t *tokenRec) bool { return t.ns == name })
	delete(s.st.namespaces, name)
	return http.StatusOK, successStatus(fmt.Sprintf("namespace %q deleted", name)), nil
}

func (ns *nsState) hasSubject(sub Subject) bool { return slices.Contains(ns.subjects, sub) }

func (ns *nsState) addSubject(sub Subject) {
	if !ns.hasSubject(sub) {
		ns.subjects = append(ns.subjects, sub)
	}
}

func (ns *nsState) removeSubject(sub Subject) {
	ns.subjects = slices.DeleteFunc(ns.subjects, func(x Subject) bool { return x == sub })
}

// bindingLocked returns the namespace of an orka-dev binding; other bindings do not exist.
func (s *Server) bindingLocked(c *call) (*nsState, error) {
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return nil, err
	}
	if rb := c.params["rb"]; rb != devBinding {
		return nil, notFound("role binding %q not found in namespace %q (only %s exists)", rb, ns.name, devBinding)
	}
	return ns, nil
}

func (s *Server) listSubjects(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.bindingLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listOf(append([]Subject{}, ns.subjects...)), nil
}

// subjects turns an add/remove body into subjects, validating it.
func (in subjectsInput) subjects() ([]Subject, error) {
	if len(in.Users) == 0 && len(in.ServiceAccounts) == 0 {
		return nil, badRequest("invalid value for users: at least one of users or serviceaccounts is required")
	}
	var out []Subject
	for i, u := range in.Users {
		if strings.TrimSpace(u) == "" {
			return nil, invalid(fmt.Sprintf("users[%d]", i), u, "must not be empty")
		}
		out = append(out, Subject{Kind: KindUser, Name: u})
	}
	for i, sa := range in.ServiceAccounts {
		if sa.Name == "" {
			return nil, invalid(fmt.Sprintf("serviceaccounts[%d].name", i), sa.Name, "is required")
		}
		if sa.Namespace == "" {
			return nil, invalid(fmt.Sprintf("serviceaccounts[%d].namespace", i), sa.Namespace, "is required")
		}
		out = append(out, Subject{Kind: KindServiceAccount, Name: sa.Name, Namespace: sa.Namespace})
	}
	return out, nil
}

// subjectsOf decodes an add/remove body; the caller holds no lock.
func subjectsOf(c *call) ([]Subject, error) {
	var in subjectsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return in.subjects()
}

// addSubjects is idempotent.
func (s *Server) addSubjects(c *call) (int, any, error) {
	subs, err := subjectsOf(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.bindingLocked(c)
	if err != nil {
		return 0, nil, err
	}
	for _, sub := range subs {
		ns.addSubject(sub)
	}
	return http.StatusCreated, listOf(append([]Subject{}, ns.subjects...)), nil
}

// removeSubjects removes all or nothing: a subject that is not there is a 404.
func (s *Server) removeSubjects(c *call) (int, any, error) {
	subs, err := subjectsOf(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.bindingLocked(c)
	if err != nil {
		return 0, nil, err
	}
	for _, sub := range subs {
		if !ns.hasSubject(sub) {
			if sub.Kind == KindUser {
				return 0, nil, notFound("user %q is not a subject of role binding %s in namespace %q", sub.Name, devBinding, ns.name)
			}
			return 0, nil, notFound("service account %s/%s is not a subject of role binding %s in namespace %q", sub.Namespace, sub.Name, devBinding, ns.name)
		}
	}
	for _, sub := range subs {
		ns.removeSubject(sub)
	}
	return http.StatusOK, listOf(append([]Subject{}, ns.subjects...)), nil
}
