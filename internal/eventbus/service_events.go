package eventbus

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// PutServiceEvent puts an AWS service's own event (S3's "Object Created" from source aws.s3, …) on the default
// bus of account in region, as AWS services do: there is no caller to authorize, and it is delivered to the
// targets of the rules that match it like any other. It returns the event's ID.
func (s *Service) PutServiceEvent(ctx context.Context, account, region string, e Entry) (string, error) {
	if code, msg := checkEntry(&e); code != "" {
		return "", fmt.Errorf("eventbus: service event: %s: %s", code, msg)
	}
	var comp *compiled
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		bus, err := getBus(tx, account, region, DefaultBus)
		if err != nil {
			return err
		}
		comp, err = s.busCompiled(tx, bus)
		return err
	})
	if err != nil {
		return "", err
	}
	id, err := s.uuid()
	if err != nil {
		return "", err
	}
	now := s.cfg.Clock.Now().UTC()
	if e.Time.IsZero() {
		e.Time = now
	}
	event := buildEvent(id, account, region, &e, now)
	items, err := s.route(comp, event, id, now)
	if err != nil {
		return "", err
	}
	return id, s.enqueue(ctx, items)
}
