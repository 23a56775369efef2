package stack

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/eventbus"
)

// NameEvents is the EventBridge component.
const NameEvents = "eventbus"

// EventsInterval is how often the EventBridge delivery loop looks for due deliveries and scheduled rules when
// nothing wakes it.
const EventsInterval = time.Second

// events is EventBridge: buses, rules and the delivery loop, which runs on every node (deliveries are claimed
// in the metadata store, so nodes never send one twice at once; the node that accepts an event wakes its own
// loop, so delivery starts at once). Rules' SQS targets need eventbus.Config.Queues: the SQS component, once
// it exists, is added to Needs and set there.
func (s *Stack) events() component.Component {
	return component.Component{
		Name:  NameEvents,
		Needs: []string{NameStores, NameIAM, NameQueues},
		Start: func(context.Context) error {
			cfg := eventbus.Config{Store: s.Meta, Seal: s.Seal, Authz: s.IAM, HTTP: s.cfg.EventsHTTP, Clock: s.cfg.Clock,
				Rand: s.cfg.Rand, Logger: s.cfg.Logger.With("service", "events"), Registry: s.cfg.Metrics, Region: s.cfg.Region,
				Queues: queueTargets{s.Queues}}
			if s.cfg.Edit.Events != nil {
				s.cfg.Edit.Events(&cfg)
			}
			svc, err := eventbus.New(cfg)
			if err != nil {
				return err
			}
			s.Events = svc
			svc.Start(EventsInterval)
			return nil
		},
		Stop: func(context.Context) error { s.Events.Stop(); return nil },
	}
}
