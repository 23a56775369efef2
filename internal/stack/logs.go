package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/flowlog"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/netflow"
)

// LogDeliveryInterval is how often held log files are delivered (or tried again).
const LogDeliveryInterval = time.Minute

// logDelivery is the log-delivery service. Its job delivers the held files of every stream.
func (s *Stack) logDelivery() component.Component {
	return component.Component{
		Name:  NameLogs,
		Needs: []string{NameStores, NameObjects},
		Start: func(context.Context) error {
			svc, err := logdelivery.New(logdelivery.Config{Store: s.Meta, Blobs: s.Blobs, Seal: s.Seal, Objects: s.Objects,
				Clock: s.cfg.Clock, Rand: s.cfg.Rand, Logger: s.cfg.Logger.With("service", "logdelivery")})
			if err != nil {
				return err
			}
			s.Delivery = svc
			return nil
		},
		Jobs: []component.Job{job(JobLogDelivery, LogDeliveryInterval, func(ctx context.Context) error { return s.Delivery.Deliver(ctx) })},
	}
}

// flowLogs is VPC Flow Logs: the flow logs, their publishing loop, and the NetFlow/IPFIX collector when
// FlowListen is set. Both run on the node that has them (the flows a node receives are its own to publish).
func (s *Stack) flowLogs() component.Component {
	return component.Component{
		Name:  NameFlows,
		Needs: []string{NameStores, NameIAM, NameObjects, NameLogs},
		Start: func(context.Context) error {
			svc, err := flowlog.New(flowlog.Config{Store: s.Meta, Authz: s.IAM, Objects: s.Objects, Delivery: s.Delivery,
				Clock: s.cfg.Clock, Rand: s.cfg.Rand, Logger: s.cfg.Logger.With("service", "flowlogs"), Region: s.cfg.Region,
				PublishInterval: s.cfg.FlowPublishInterval})
			if err != nil {
				return err
			}
			s.FlowLogs = svc
			svc.Start()
			if s.cfg.FlowListen != "" {
				c, err := netflow.Listen(s.cfg.FlowListen, svc.Observe, s.cfg.Logger.With("service", "netflow"), s.cfg.Clock.Now)
				if err != nil {
					svc.Stop()
					return fmt.Errorf("flow collector: %w", err)
				}
				s.Collector = c
				s.cfg.Logger.Info("flow collector listening", "udp", c.Addr().String())
			}
			return nil
		},
		Stop: func(ctx context.Context) error {
			var err error
			if s.Collector != nil {
				err = s.Collector.Close(ctx)
			}
			s.FlowLogs.Stop() // publishes what was aggregated
			return err
		},
	}
}
