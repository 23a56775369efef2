package queue

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// Simulate decides whether c may perform action on the queue, with c's policies and the queue policy, without
// performing it: nil when allowed, else SQS's refusal.
func (s *Service) Simulate(ctx context.Context, c *actor.Caller, ref Ref, action string) error {
	_, err := s.open(ctx, c, ref, action)
	return err
}
