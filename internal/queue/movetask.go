package queue

import (
	"context"
	"encoding/json"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// MoveTask is a message move task: it redrives the messages of a dead-letter queue to their source queues
// (or to one destination).
type MoveTask struct {
	Handle      string `json:"handle"`
	Status      string `json:"status"` // RUNNING, COMPLETED, CANCELLED, FAILED
	SourceARN   string `json:"source"`
	Destination string `json:"destination,omitempty"`
	MaxPerSec   int    `json:"maxPerSecond,omitempty"`
	Moved       int64  `json:"moved"`
	ToMove      int64  `json:"toMove"`
	Failure     string `json:"failure,omitempty"`
	Started     int64  `json:"started"` // Unix milliseconds
}

// StartMoveTask moves the messages of the dead-letter queue sourceARN to their source queues, or to
// destination when it is set. The move is done before the call returns; the task is listed as COMPLETED (or
// FAILED, with its reason).
func (s *Service) StartMoveTask(ctx context.Context, c *actor.Caller, sourceARN, destination string, maxPerSec int) (*MoveTask, error) {
	ref, err := refOfARN(sourceARN)
	if err != nil {
		return nil, err
	}
	src, err := s.openARN(ctx, c, ref, "sqs:StartMessageMoveTask")
	if err != nil {
		return nil, err
	}
	if maxPerSec < 0 || maxPerSec > 500 {
		return nil, errInvalidParameter("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.", maxPerSec)
	}
	dest, err := s.moveAccess(ctx, c, src, destination)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	h, err := randomID(s.cfg.Rand)
	if err != nil {
		return nil, err
	}
	t := &MoveTask{Handle: h, Status: "COMPLETED", SourceARN: sourceARN, Destination: destination, MaxPerSec: maxPerSec, Started: now.UnixMilli()}
	counts, err := s.count(ctx, src)
	if err != nil {
		return nil, err
	}
	t.ToMove = int64(counts.Visible)
	for {
		n, err := s.moveSome(ctx, src, dest, now)
		t.Moved += int64(n)
		if err != nil {
			t.Status, t.Failure = "FAILED", err.Error()
			break
		}
		if n == 0 {
			break
		}
	}
	v, _ := json.Marshal(t)
	err = s.store.Update(ctx, func(tx meta.Tx) error { return tx.Put(tableTasks, sourceARN+"\x00"+hex16(uint64(t.Started))+h, v) })
	return t, err
}

// MoveTaskActions are the actions a message move task needs besides sqs:StartMessageMoveTask, as SQS requires
// them for a redrive: to read and remove the messages of the dead-letter queue, and to send them on.
var MoveTaskActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:SendMessage"}

// moveAccess checks that c may take the messages of the dead-letter queue src (sqs:ReceiveMessage,
// sqs:DeleteMessage, sqs:GetQueueAttributes) and send them on (sqs:SendMessage): to destination when it is
// set (the queue it returns), else to each queue whose redrive policy names src.
func (s *Service) moveAccess(ctx context.Context, c *actor.Caller, src *Queue, destination string) (*Queue, error) {
	for _, a := range MoveTaskActions[:3] {
		if err := s.authorize(ctx, c, src, a); err != nil {
			return nil, err
		}
	}
	if destination != "" {
		dref, err := refOfARN(destination)
		if err != nil {
			return nil, err
		}
		return s.openARN(ctx, c, dref, "sqs:SendMessage")
	}
	sources, err := s.deadLetterSources(ctx, src, "", 0)
	if err != nil {
		return nil, err
	}
	for _, q := range sources.Queues {
		if err := s.authorize(ctx, c, q, "sqs:SendMessage"); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// moveSome moves up to 100 visible messages of src in one transaction.
func (s *Service) moveSome(ctx context.Context, src, dest *Queue, now time.Time) (int, error) {
	n := 0
	woken := map[string]bool{}
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		n = 0
		var cands []*message
		var err error
		if src.FIFO {
			cands, err = s.fifoCandidates(tx, src, 100, s.clock.Now())
		} else {
			cands, err = s.candidates(tx, src, 100, s.clock.Now())
		}
		if err != nil {
			return err
		}
		for _, m := range cands {
			to := dest
			if to == nil {
				ref, err := refOfARN(m.Source)
				if err != nil {
					return awserr.New("FAILED", awserr.StatusBadRequest, "message %s has no source queue to return to", m.ID)
				}
				if to, err = load(tx, ref.Account, ref.Name); err != nil {
					return err
				}
				if to == nil {
					return awserr.New("FAILED", awserr.StatusBadRequest, "the source queue %s of message %s no longer exists", m.Source, m.ID)
				}
			}
			if err := removeMessage(tx, src, m); err != nil {
				return err
			}
			m.Source = ""
			if err := s.placeIn(tx, to, m, "", now); err != nil {
				return err
			}
			woken[to.ID] = true
			n++
		}
		return nil
	})
	for id := range woken {
		s.notify.wake(id)
	}
	return n, err
}

// openARN is open for a queue named by ARN.
func (s *Service) openARN(ctx context.Context, c *actor.Caller, ref Ref, action string) (*Queue, error) {
	q, err := s.open(ctx, c, ref, action)
	if e, ok := awserr.As(err); ok && e.Code == "QueueDoesNotExist" {
		return nil, sqsError("ResourceNotFoundException", "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist: %s.", ref.URL)
	}
	return q, err
}

// MoveTasks lists the most recent move tasks of the queue sourceARN, newest first (at most max, 1–10).
func (s *Service) MoveTasks(ctx context.Context, c *actor.Caller, sourceARN string, max int) ([]MoveTask, error) {
	ref, err := refOfARN(sourceARN)
	if err != nil {
		return nil, err
	}
	if _, err := s.openARN(ctx, c, ref, "sqs:ListMessageMoveTasks"); err != nil {
		return nil, err
	}
	if max <= 0 || max > 10 {
		max = 1
	}
	var out []MoveTask
	err = s.store.View(ctx, func(tx meta.Tx) error {
		return tx.Scan(tableTasks, meta.Range{Prefix: sourceARN + "\x00", Reverse: true, Limit: max}, func(_ string, v []byte) bool {
			var t MoveTask
			if json.Unmarshal(v, &t) == nil {
				out = append(out, t)
			}
			return true
		})
	})
	return out, err
}

// CancelMoveTask cancels a running move task. Moves finish before StartMessageMoveTask returns, so there is
// never one to cancel.
func (s *Service) CancelMoveTask(ctx context.Context, c *actor.Caller, taskHandle string) (int64, error) {
	if err := s.check(ctx, c, "sqs:CancelMessageMoveTask", ARN(s.region(c), c.Account, "*"), c.Account, nil); err != nil {
		return 0, err
	}
	return 0, sqsError("ResourceNotFoundException", "ResourceNotFoundException", "The task %s is not running: seclake's move tasks complete before StartMessageMoveTask returns.", clip(taskHandle, 100))
}
