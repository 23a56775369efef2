package eventbus

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// MaxTargets is how many targets a rule may have.
const MaxTargets = 5

// Target is where a rule sends the events it matches.
type Target struct {
	ID, ARN          string
	RoleARN          string            `json:",omitempty"`
	Input            string            `json:",omitempty"`
	InputPath        string            `json:",omitempty"`
	InputTransformer *InputTransformer `json:",omitempty"`
	RetryPolicy      *RetryPolicy      `json:",omitempty"`
	DeadLetterARN    string            `json:",omitempty"`
	MessageGroupID   string            `json:",omitempty"`
	HTTP             *HTTPParameters   `json:",omitempty"`
}

// InputTransformer builds a target's input from values of the event.
type InputTransformer struct {
	InputPathsMap map[string]string `json:",omitempty"`
	InputTemplate string
}

// RetryPolicy bounds the retries of a delivery; nil fields take AWS's defaults (185 attempts, 24 hours).
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:",omitempty"`
	MaximumEventAgeInSeconds *int `json:",omitempty"`
}

// HTTPParameters are the path, header and query-string parameters of an API destination call.
type HTTPParameters struct {
	PathParameterValues   []string          `json:",omitempty"`
	HeaderParameters      map[string]string `json:",omitempty"`
	QueryStringParameters map[string]string `json:",omitempty"`
}

// FailedEntry is a target PutTargets or RemoveTargets could not handle.
type FailedEntry struct {
	TargetID, ErrorCode, ErrorMessage string
}

// targetKind says what a target ARN names: "sqs", "api-destination", or "" for kinds seclake cannot call.
func targetKind(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	switch {
	case parts[2] == "sqs":
		return "sqs"
	case parts[2] == "events" && strings.HasPrefix(parts[5], "api-destination/"):
		return "api-destination"
	}
	return ""
}

// validTarget returns why t cannot be a target, or "".
func validTarget(t *Target) string {
	switch {
	case t.ID == "" || len(t.ID) > 64:
		return "Target Id must be 1 to 64 characters."
	case targetKind(t.ARN) == "":
		return "Target " + t.ARN + " is not a kind seclake delivers to: use an SQS queue or an API destination."
	case t.DeadLetterARN != "" && targetKind(t.DeadLetterARN) != "sqs":
		return "DeadLetterConfig Arn must be an SQS queue."
	case countSet(t.Input != "", t.InputPath != "", t.InputTransformer != nil) > 1:
		return "Only one of Input, InputPath, or InputTransformer can be provided."
	case strings.HasSuffix(t.ARN, ".fifo") && t.MessageGroupID == "":
		return "MessageGroupId must be provided for a FIFO queue target."
	}
	if t.Input != "" && !validJSON(t.Input) {
		return "Input is not valid JSON."
	}
	if t.InputPath != "" {
		if _, err := parsePath(t.InputPath); err != nil {
			return "InputPath is not valid: " + err.Error()
		}
	}
	if t.InputTransformer != nil {
		if err := checkTransformer(t.InputTransformer); err != nil {
			return "InputTransformer is not valid: " + err.Error()
		}
	}
	if p := t.RetryPolicy; p != nil {
		if p.MaximumRetryAttempts != nil && (*p.MaximumRetryAttempts < 0 || *p.MaximumRetryAttempts > 185) {
			return "MaximumRetryAttempts must be between 0 and 185."
		}
		if p.MaximumEventAgeInSeconds != nil && (*p.MaximumEventAgeInSeconds < 60 || *p.MaximumEventAgeInSeconds > 86400) {
			return "MaximumEventAgeInSeconds must be between 60 and 86400."
		}
	}
	return ""
}

func countSet(b ...bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

// PutTargets adds targets to a rule or replaces those with the same IDs.
func (s *Service) PutTargets(ctx context.Context, c *actor.Caller, rule, bus string, targets []Target) ([]FailedEntry, error) {
	account, region, busName, _, err := s.ruleRef(ctx, c, "events:PutTargets", bus, rule)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 || len(targets) > 10 {
		return nil, validation("Targets must hold 1 to 10 targets.")
	}
	var failed []FailedEntry
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		failed = failed[:0]
		r, err := getRule(tx, account, region, busName, rule)
		if err != nil {
			return err
		}
		if r.ManagedBy != "" {
			return managed(r)
		}
		for _, t := range targets {
			if why := validTarget(&t); why != "" {
				failed = append(failed, FailedEntry{TargetID: t.ID, ErrorCode: "ValidationException", ErrorMessage: why})
				continue
			}
			i := indexTarget(r.Targets, t.ID)
			if i < 0 && len(r.Targets) >= MaxTargets {
				failed = append(failed, FailedEntry{TargetID: t.ID, ErrorCode: "LimitExceededException",
					ErrorMessage: "The requested resource exceeds the maximum number allowed."})
				continue
			}
			if i < 0 {
				r.Targets = append(r.Targets, t)
			} else {
				r.Targets[i] = t
			}
		}
		return saveRule(tx, r)
	})
	return failed, err
}

func indexTarget(ts []Target, id string) int {
	for i := range ts {
		if ts[i].ID == id {
			return i
		}
	}
	return -1
}

// RemoveTargets removes targets from a rule.
func (s *Service) RemoveTargets(ctx context.Context, c *actor.Caller, rule, bus string, ids []string, force bool) ([]FailedEntry, error) {
	account, region, busName, _, err := s.ruleRef(ctx, c, "events:RemoveTargets", bus, rule)
	if err != nil {
		return nil, err
	}
	var failed []FailedEntry
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		failed = failed[:0]
		r, err := getRule(tx, account, region, busName, rule)
		if err != nil {
			return err
		}
		if r.ManagedBy != "" && !force {
			return managed(r)
		}
		for _, id := range ids {
			i := indexTarget(r.Targets, id)
			if i < 0 {
				failed = append(failed, FailedEntry{TargetID: id, ErrorCode: "ResourceNotFoundException",
					ErrorMessage: "Target " + id + " does not exist on rule " + rule + "."})
				continue
			}
			r.Targets = append(r.Targets[:i], r.Targets[i+1:]...)
		}
		return saveRule(tx, r)
	})
	return failed, err
}

// ListTargetsByRule returns a rule's targets.
func (s *Service) ListTargetsByRule(ctx context.Context, c *actor.Caller, rule, bus string) ([]Target, error) {
	account, region, busName, _, err := s.ruleRef(ctx, c, "events:ListTargetsByRule", bus, rule)
	if err != nil {
		return nil, err
	}
	var r *Rule
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		r, err = getRule(tx, account, region, busName, rule)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.Targets, nil
}
