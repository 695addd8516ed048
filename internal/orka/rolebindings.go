package orka

import (
	"context"
	"net/http"
)

// ListRoleBindingSubjects lists the subjects of a namespace's orka-dev role binding (route
// and shape ASSUMED, see wire.go).
func (c *Client) ListRoleBindingSubjects(ctx context.Context, namespace string) ([]RoleBindingSubject, error) {
	return list[RoleBindingSubject](ctx, c, routeRoleBindingSubjects(namespaceOrDefault(namespace)))
}

// AddRoleBindingSubjects adds users and service accounts to the orka-dev role binding.
func (c *Client) AddRoleBindingSubjects(ctx context.Context, namespace string, ch SubjectsChange) error {
	return c.send(ctx, http.MethodPost, routeRoleBindingSubjectsAdd(namespaceOrDefault(namespace)), ch)
}

// RemoveRoleBindingSubjects removes users and service accounts from the orka-dev role binding
// (a DELETE with a JSON body).
func (c *Client) RemoveRoleBindingSubjects(ctx context.Context, namespace string, ch SubjectsChange) error {
	return c.send(ctx, http.MethodDelete, routeRoleBindingSubjectsRemove(namespaceOrDefault(namespace)), ch)
}
