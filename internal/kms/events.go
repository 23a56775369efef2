package kms

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// keyResourceType is CloudTrail's resource type of KMS keys.
const keyResourceType = "AWS::KMS::Key"

// serviceEvent records work KMS did on its own (automatic rotation, deletion at the end of the waiting
// period), as CloudTrail's AwsServiceEvent records.
func (s *Service) serviceEvent(ctx context.Context, name string, r *keyRecord) {
	call := &actor.Call{
		Caller:              &actor.Caller{Region: r.Region, Time: s.clock.Now()},
		EventSource:         EventSource,
		Operation:           name,
		ServiceEvent:        true,
		AdditionalEventData: struct{ KeyID string }{r.arn()},
		Resources:           []actor.Resource{{ARN: r.arn(), Account: r.Account, Type: keyResourceType}},
	}
	if err := actor.Do(ctx, s.cfg.Recorder, call, func(context.Context) error { return nil }); err != nil {
		s.cfg.Logger.Error("audit record of a KMS service event not written", "event", name, "key", r.arn(), "err", err)
	}
}
