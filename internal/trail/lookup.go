package trail

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/audit"
)

// LookupEvents returns the events of the caller's account that in asks for (CloudTrail's event history),
// once the caller's policies allow cloudtrail:LookupEvents, which takes no resource.
func (s *Service) LookupEvents(ctx context.Context, c *actor.Caller, in *audit.LookupInput) (*audit.LookupOutput, error) {
	if err := s.authorize(ctx, c, "cloudtrail:LookupEvents", "*"); err != nil {
		return nil, err
	}
	return s.cfg.Records.Lookup(ctx, c.Account, in)
}
