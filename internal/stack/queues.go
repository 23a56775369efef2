package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/queue"
)

// NameQueues is the name of SQS's component; JobQueueExpire its job, which deletes the messages whose
// retention period is over and FIFO queues' old deduplication entries.
const (
	NameQueues     = "queue"
	JobQueueExpire = "sqs.expire"
)

// QueueExpireInterval is how often expired messages are deleted.
const QueueExpireInterval = time.Minute

// queues is SQS, with KMS for SSE-KMS queues through an envelope client (as the sender or receiver, through
// SQS, with SQS's Kms* errors, on the audit trail).
func (s *Stack) queues() component.Component {
	return component.Component{
		Name:  NameQueues,
		Needs: []string{NameStores, NameIAM, NameAudit, NameKMS},
		Start: func(context.Context) error {
			keys, err := envelope.New(envelope.Config{Keys: s.KMS, Service: queue.EventSource, Recorder: s.Recorder,
				Failure: queue.KMSFailure, Clock: s.cfg.Clock})
			if err != nil {
				return err
			}
			cfg := queue.Config{Store: s.Meta, Authz: s.IAM, Keys: keys, Seal: s.Seal, Clock: s.cfg.Clock, Rand: s.cfg.Rand,
				Region: s.cfg.Region, Logger: s.cfg.Logger.With("service", "sqs")}
			if s.cfg.Edit.Queues != nil {
				s.cfg.Edit.Queues(&cfg)
			}
			svc, err := queue.New(cfg)
			if err != nil {
				return fmt.Errorf("start queues: %w", err)
			}
			s.Queues = svc
			return nil
		},
		Jobs: []component.Job{job(JobQueueExpire, QueueExpireInterval, func(ctx context.Context) error {
			_, err := s.Queues.Expire(ctx)
			return err
		})},
	}
}
