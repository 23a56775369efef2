package queue

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// deadLetter returns q's dead-letter queue and maxReceiveCount, or nil when q has none (or it is gone).
func (s *Service) deadLetter(tx meta.Tx, q *Queue) (*Queue, int, error) {
	if q.RedrivePolicy == "" {
		return nil, 0, nil
	}
	r, err := parseRedrive(q.RedrivePolicy)
	if err != nil {
		return nil, 0, nil
	}
	ref, err := refOfARN(r.DeadLetterTargetArn)
	if err != nil {
		return nil, 0, nil
	}
	dlq, err := load(tx, ref.Account, ref.Name)
	return dlq, r.MaxReceiveCount, err
}

// moveToDLQ moves m from q to its dead-letter queue dlq, where it is visible at once. Its sealed payload moves
// as it is: its data key's encryption context still names q.
func (s *Service) moveToDLQ(tx meta.Tx, q, dlq *Queue, m *message, now time.Time) error {
	if err := removeMessage(tx, q, m); err != nil {
		return err
	}
	return s.placeIn(tx, dlq, m, q.ARN(), now)
}

// placeIn stores message m (from another queue) in q, visible at once.
func (s *Service) placeIn(tx meta.Tx, q *Queue, m *message, source string, now time.Time) error {
	moved := *m
	moved.Source = source
	moved.VisibleAt = now.UnixMilli()
	moved.Receipt, moved.Recvs, moved.FirstRecv = "", 0, 0
	if q.FIFO {
		p := prepared{res: &SendResult{}, msg: &moved}
		if moved.Group == "" {
			moved.Group = "dead-letter"
		}
		if moved.Dedup == "" {
			moved.Dedup = moved.ID
		}
		if dup, err := s.dedup(tx, q, p, now); err != nil || dup {
			return err
		}
	} else {
		moved.Seq = standardSeq(now, moved.ID)
		if err := tx.Put(tableMsgs, indexKey(q.ID, moved.VisibleAt, moved.Seq), []byte{stateWaiting}); err != nil {
			return err
		}
	}
	return putMessage(tx, q.ID, &moved)
}

func removeMessage(tx meta.Tx, q *Queue, m *message) error {
	if !q.FIFO {
		if err := tx.Delete(tableMsgs, indexKey(q.ID, m.VisibleAt, m.Seq)); err != nil && !isNotFound(err) {
			return err
		}
	}
	return tx.Delete(tableMsgs, recordKey(q.ID, m.Seq))
}

// wakeByARN wakes the long polls of q's dead-letter queue.
func (s *Service) wakeByARN(ctx context.Context, q *Queue) {
	_ = s.store.View(ctx, func(tx meta.Tx) error {
		dlq, _, err := s.deadLetter(tx, q)
		if dlq != nil {
			s.notify.wake(dlq.ID)
		}
		return err
	})
}

// checkRedrive checks q's RedrivePolicy: the dead-letter queue exists, is of the same type and account, and
// its RedriveAllowPolicy lets q use it.
func (s *Service) checkRedrive(ctx context.Context, c *actor.Caller, q *Queue) error {
	if q.RedrivePolicy == "" {
		return nil
	}
	r, err := parseRedrive(q.RedrivePolicy)
	if err != nil {
		return err
	}
	ref, err := refOfARN(r.DeadLetterTargetArn)
	if err != nil || ref.Account != q.Account {
		return errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: The dead-letter queue must be in the same account as the source queue.", q.RedrivePolicy)
	}
	var dlq *Queue
	if err := s.store.View(ctx, func(tx meta.Tx) error {
		dlq, err = load(tx, ref.Account, ref.Name)
		return err
	}); err != nil {
		return err
	}
	if dlq == nil {
		return errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", q.RedrivePolicy)
	}
	if dlq.FIFO != q.FIFO {
		return errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.", q.RedrivePolicy)
	}
	if dlq.RedriveAllow != "" {
		if ra, err := parseRedriveAllow(dlq.RedriveAllow); err == nil && !ra.allows(q.ARN()) {
			return errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: The dead-letter queue's RedriveAllowPolicy does not allow %s.", q.RedrivePolicy, q.ARN())
		}
	}
	return nil
}

// DeadLetterSources lists the queues whose RedrivePolicy names the queue ref as their dead-letter queue.
func (s *Service) DeadLetterSources(ctx context.Context, c *actor.Caller, ref Ref, max int, next string) (*QueueList, error) {
	q, err := s.open(ctx, c, ref, "sqs:ListDeadLetterSourceQueues")
	if err != nil {
		return nil, err
	}
	return s.deadLetterSources(ctx, q, next, max)
}

// deadLetterSources lists the queues whose redrive policy names q, max at a time (1000 when max is not
// in 1..1000), after next.
func (s *Service) deadLetterSources(ctx context.Context, q *Queue, next string, max int) (*QueueList, error) {
	if max <= 0 || max > 1000 {
		max = 1000
	}
	arn := q.ARN()
	out := &QueueList{}
	base := queueKey(q.Account, "")
	start := ""
	if next != "" {
		start = base + next + "\x00"
	}
	err := s.store.View(ctx, func(tx meta.Tx) error {
		return scanQueues(tx, meta.Range{Prefix: base, Start: start}, func(src *Queue) bool {
			r, err := parseRedrive(src.RedrivePolicy)
			if src.RedrivePolicy == "" || err != nil || r.DeadLetterTargetArn != arn {
				return true
			}
			if len(out.Queues) == max {
				out.Next = out.Queues[max-1].Name
				return false
			}
			out.Queues = append(out.Queues, src)
			return true
		})
	})
	return out, err
}
