package kms

import (
	"context"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Deletion waiting period bounds (ScheduleKeyDeletion: "must be between 7 and 30 days"; default 30).
const (
	minPendingWindow     = 7
	maxPendingWindow     = 30
	defaultPendingWindow = 30
)

// DeletionScheduled is ScheduleKeyDeletion's output.
type DeletionScheduled struct {
	KeyARN              string
	DeletionDate        time.Time
	KeyState            KeyState
	PendingWindowInDays int
}

// ScheduleKeyDeletion puts a key in PendingDeletion: it refuses every cryptographic use at once, and is
// deleted with its key material, grants and aliases when the waiting period (7–30 days, default 30; nil
// means the default) is over, unless CancelKeyDeletion comes first.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, c *actor.Caller, keyID string, pendingWindowInDays *int) (*DeletionScheduled, error) {
	window := defaultPendingWindow
	if pendingWindowInDays != nil {
		window = *pendingWindowInDays
		switch {
		case window < minPendingWindow:
			return nil, errValidation("pendingWindowInDays", fmt.Sprint(window), fmt.Sprintf("Member must have value greater than or equal to %d", minPendingWindow))
		case window > maxPendingWindow:
			return nil, errValidation("pendingWindowInDays", fmt.Sprint(window), fmt.Sprintf("Member must have value less than or equal to %d", maxPendingWindow))
		}
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:ScheduleKeyDeletion", sameAccountOnly: true,
		set: func(pc *policy.Context) { pc.SetInt("kms:ScheduleKeyDeletionPendingWindowInDays", int64(window)) }})
	if err != nil {
		return nil, err
	}
	r, err := s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if r.State == StatePendingDeletion {
			return errPendingDeletion(r.arn())
		}
		r.State = StatePendingDeletion
		r.DeletionDate = s.clock.Now().UTC().Truncate(time.Second).Add(days(window))
		r.PendingWindow = window
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeletionScheduled{KeyARN: r.arn(), DeletionDate: r.DeletionDate, KeyState: r.State, PendingWindowInDays: window}, nil
}

// CancelKeyDeletion takes a key out of PendingDeletion. The key is then Disabled, as on AWS.
func (s *Service) CancelKeyDeletion(ctx context.Context, c *actor.Caller, keyID string) (string, error) {
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:CancelKeyDeletion", sameAccountOnly: true})
	if err != nil {
		return "", err
	}
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if r.State != StatePendingDeletion {
			return errNotPendingDeletion(r.arn())
		}
		r.State, r.DeletionDate, r.PendingWindow = StateDisabled, time.Time{}, 0
		return nil
	})
	if err != nil {
		return "", err
	}
	return e.arn, nil
}
