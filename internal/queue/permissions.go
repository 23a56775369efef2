package queue

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// policyDoc is a queue policy as AddPermission and RemovePermission edit it.
type policyDoc struct {
	Version   string           `json:"Version"`
	ID        string           `json:"Id,omitempty"`
	Statement []map[string]any `json:"Statement"`
}

// AddPermission adds a statement (Sid label) to the queue policy that allows the accounts the actions.
func (s *Service) AddPermission(ctx context.Context, c *actor.Caller, ref Ref, label string, accounts, actions []string) error {
	q, err := s.open(ctx, c, ref, "sqs:AddPermission")
	if err != nil {
		return err
	}
	if label == "" || !entryIDRE.MatchString(label) {
		return errInvalidParameter("Value %q for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.", clip(label, 100))
	}
	if len(accounts) == 0 || len(actions) == 0 {
		return errMissing("AWSAccountIds and Actions")
	}
	principals := make([]string, 0, len(accounts))
	for _, a := range accounts {
		if !actor.ValidAccountID(a) {
			return errInvalidParameter("Value %q for parameter AWSAccountIds is invalid: an account ID is 12 digits.", clip(a, 40))
		}
		principals = append(principals, actor.RootARN(a))
	}
	acts := make([]string, 0, len(actions))
	for _, a := range actions {
		if a != "*" && !strings.HasPrefix(a, "sqs:") {
			a = "SQS:" + a
		}
		acts = append(acts, a)
	}
	return s.update(ctx, q, func(cur *Queue) error {
		doc, err := parsePolicyDoc(cur)
		if err != nil {
			return err
		}
		for _, st := range doc.Statement {
			if st["Sid"] == label {
				return errInvalidParameter("Value %s for parameter Label is invalid. Reason: Already exists.", label)
			}
		}
		doc.Statement = append(doc.Statement, map[string]any{"Sid": label, "Effect": "Allow",
			"Principal": map[string]any{"AWS": principals}, "Action": acts, "Resource": cur.ARN()})
		return s.setPolicyDoc(cur, doc)
	})
}

// RemovePermission removes the statement with Sid label from the queue policy.
func (s *Service) RemovePermission(ctx context.Context, c *actor.Caller, ref Ref, label string) error {
	q, err := s.open(ctx, c, ref, "sqs:RemovePermission")
	if err != nil {
		return err
	}
	return s.update(ctx, q, func(cur *Queue) error {
		doc, err := parsePolicyDoc(cur)
		if err != nil {
			return err
		}
		kept := doc.Statement[:0]
		for _, st := range doc.Statement {
			if st["Sid"] != label {
				kept = append(kept, st)
			}
		}
		if len(kept) == len(doc.Statement) {
			return errInvalidParameter("Value %s for parameter Label is invalid. Reason: can't find label on existing policy.", clip(label, 100))
		}
		if len(kept) == 0 {
			cur.Policy = ""
			return nil
		}
		doc.Statement = kept
		return s.setPolicyDoc(cur, doc)
	})
}

func parsePolicyDoc(q *Queue) (*policyDoc, error) {
	doc := &policyDoc{Version: "2012-10-17", ID: q.ARN() + "/SQSDefaultPolicy"}
	if q.Policy == "" {
		return doc, nil
	}
	var raw struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(q.Policy), &raw); err != nil {
		return nil, errInvalidParameter("The queue policy is not valid JSON: %v", err)
	}
	doc.Version, doc.ID = raw.Version, raw.ID
	if err := json.Unmarshal(raw.Statement, &doc.Statement); err != nil {
		var one map[string]any
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, errInvalidParameter("The queue policy's Statement is not valid: %v", err)
		}
		doc.Statement = []map[string]any{one}
	}
	return doc, nil
}

func (s *Service) setPolicyDoc(q *Queue, doc *policyDoc) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return q.set(AttrPolicy, string(b), false)
}
