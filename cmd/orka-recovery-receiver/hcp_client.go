package main

import (
	"context"
	"fmt"

	tfe "github.com/hashicorp/go-tfe"
)

// hcpClient is the three HCP Terraform API calls the receiver makes, through go-tfe: read a
// workspace by name, queue a run, read a run.
type hcpClient struct {
	api          *tfe.Client
	organization string
}

func newHCPClient(address, token, organization string) (*hcpClient, error) {
	api, err := tfe.NewClient(&tfe.Config{Address: address, Token: token})
	if err != nil {
		return nil, fmt.Errorf("HCP Terraform client for %s: %w", address, err)
	}
	return &hcpClient{api: api, organization: organization}, nil
}

func (c *hcpClient) workspaceID(ctx context.Context, name string) (string, error) {
	ws, err := c.api.Workspaces.Read(ctx, c.organization, name)
	if err != nil {
		return "", fmt.Errorf("reading workspace %s/%s: %w", c.organization, name, err)
	}
	return ws.ID, nil
}

// queueRun queues a plan-and-apply run of the workspace's latest configuration. With autoApply
// it applies without waiting for a person, whatever the workspace's own setting; without, it
// waits for someone to confirm the plan in HCP Terraform.
func (c *hcpClient) queueRun(ctx context.Context, workspaceID, message string, autoApply bool) (string, error) {
	r, err := c.api.Runs.Create(ctx, tfe.RunCreateOptions{
		Workspace: &tfe.Workspace{ID: workspaceID},
		Message:   &message,
		AutoApply: &autoApply,
	})
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

func (c *hcpClient) runStatus(ctx context.Context, runID string) (string, error) {
	r, err := c.api.Runs.Read(ctx, runID)
	if err != nil {
		return "", err
	}
	return string(r.Status), nil
}

// runSucceeded and runFailed are the final statuses of a run queued with auto-apply; every
// other status is a stage on the way (or a run waiting for a person, such as a policy override,
// which the receiver waits for until its timeout).
func runSucceeded(status string) bool {
	return status == string(tfe.RunApplied) || status == string(tfe.RunPlannedAndFinished)
}

func runFailed(status string) bool {
	switch tfe.RunStatus(status) {
	case tfe.RunErrored, tfe.RunCanceled, tfe.RunDiscarded:
		return true
	}
	return false
}
