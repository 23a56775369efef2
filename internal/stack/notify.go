package stack

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/s3notify"
)

// NameNotify is the name of the component that delivers S3 event notifications.
const NameNotify = "s3notify"

// JobS3Notify delivers S3 event notifications; NotifyInterval is how often it runs.
const (
	JobS3Notify    = "s3.notify"
	NotifyInterval = time.Second
)

// notifications deliver the S3 event notifications objstore records to queues and to EventBridge's default
// bus, and make PutBucketNotification send S3's test event to the queues it names.
func (s *Stack) notifications() component.Component {
	return component.Component{
		Name:  NameNotify,
		Needs: []string{NameObjects, NameQueues, NameEvents},
		Start: func(context.Context) error {
			svc, err := s3notify.New(s3notify.Config{Events: s.Objects, Queues: s.Queues, Bus: serviceEvents{s.Events}, Clock: s.cfg.Clock,
				Logger: s.cfg.Logger.With("service", "s3notify"), Metrics: s.cfg.Metrics})
			if err != nil {
				return err
			}
			s.Notify = svc
			s.Objects.SetNotificationCheck(svc.Check)
			s.Objects.SetEventHook(func() { s.wakeJob(JobS3Notify) })
			return nil
		},
		Jobs: []component.Job{job(JobS3Notify, NotifyInterval, func(ctx context.Context) error { return s.Notify.Deliver(ctx) })},
	}
}
