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

// events is EventBridge: buses, rules and the delivery loop. The loop is background work: it runs on the nodes
// that run jobs (Config.Target worker or all), never on API nodes. Deliveries are claimed in the metadata
// store, so workers never send one twice at once; an "all" node that accepts an event wakes its own loop, so
// delivery starts at once, and an API node's events are picked up by a worker's loop within EventsInterval.
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
			if s.cfg.Target == "" || s.cfg.Target.Runs(component.Worker) {
				svc.Start(EventsInterval)
			}
			return nil
		},
		Stop: func(context.Context) error { s.Events.Stop(); return nil },
	}
}
