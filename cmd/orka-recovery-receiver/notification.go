package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// The workspace notification triggers the receiver knows (HCP Terraform's notification
// configuration API). The UI calls assessment:failed "Health assessment errored"/"failed".
const (
	triggerAssessmentFailed = "assessment:failed"
	triggerDrifted          = "assessment:drifted"
	triggerCheckFailed      = "assessment:check_failure"
	triggerVerification     = "verification"
)

// notification is the part of a generic notification the receiver reads. Health assessment
// notifications are payload version 2 (trigger and details at the top); run notifications and
// the "send a test" verification are version 1 (the trigger sits in notifications[]).
type notification struct {
	NotificationConfigurationID string `json:"notification_configuration_id"`
	Trigger                     string `json:"trigger"`
	Message                     string `json:"message"`
	Details                     struct {
		WorkspaceName       string `json:"workspace_name"`
		OrganizationName    string `json:"organization_name"`
		NewAssessmentResult struct {
			ID        string `json:"id"`
			CreatedAt string `json:"created_at"`
		} `json:"new_assessment_result"`
	} `json:"details"`
	// Version 1 fields.
	RunID            string `json:"run_id"`
	WorkspaceName    string `json:"workspace_name"`
	OrganizationName string `json:"organization_name"`
	Notifications    []struct {
		Trigger string `json:"trigger"`
	} `json:"notifications"`

	// key identifies this notification across deliveries: HCP Terraform may deliver the same
	// one more than once, and a restart must recognise it.
	key string
}

func parseNotification(body []byte) (*notification, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("not a notification payload: %w", err)
	}
	if n.Trigger == "" && len(n.Notifications) > 0 {
		n.Trigger = n.Notifications[0].Trigger
	}
	if n.Details.WorkspaceName == "" {
		n.Details.WorkspaceName = n.WorkspaceName
	}
	if n.Details.OrganizationName == "" {
		n.Details.OrganizationName = n.OrganizationName
	}
	switch {
	case n.Details.NewAssessmentResult.ID != "":
		n.key = n.Trigger + "/" + n.Details.NewAssessmentResult.ID
	case n.RunID != "":
		n.key = n.Trigger + "/" + n.RunID
	default:
		sum := sha256.Sum256(body)
		n.key = n.Trigger + "/body-" + hex.EncodeToString(sum[:8])
	}
	return &n, nil
}

func (n *notification) workspace() string    { return n.Details.WorkspaceName }
func (n *notification) organization() string { return n.Details.OrganizationName }
