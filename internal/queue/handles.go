package queue

import (
	"context"
	"encoding/json"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// HandleEntry names a received message by its receipt handle: DeleteMessage(Batch) and
// ChangeMessageVisibility(Batch) (with Visibility).
type HandleEntry struct {
	ID         string
	Handle     string
	Visibility int
}

// Delete deletes received messages. A handle of a message already deleted, or received again since, deletes
// nothing and succeeds, as on SQS.
func (s *Service) Delete(ctx context.Context, c *actor.Caller, ref Ref, entries []HandleEntry, single bool) ([]*awserr.Error, error) {
	return s.byHandle(ctx, c, ref, "sqs:DeleteMessage", entries, single, func(tx meta.Tx, q *Queue, m *message, e HandleEntry, now time.Time) error {
		if m == nil {
			return nil
		}
		if !q.FIFO {
			if err := tx.Delete(tableMsgs, indexKey(q.ID, m.VisibleAt, m.Seq)); err != nil && !isNotFound(err) {
				return err
			}
		}
		return tx.Delete(tableMsgs, recordKey(q.ID, m.Seq))
	})
}

// ChangeVisibility changes the visibility timeout of messages in flight.
func (s *Service) ChangeVisibility(ctx context.Context, c *actor.Caller, ref Ref, entries []HandleEntry, single bool) ([]*awserr.Error, error) {
	return s.byHandle(ctx, c, ref, "sqs:ChangeMessageVisibility", entries, single, func(tx meta.Tx, q *Queue, m *message, e HandleEntry, now time.Time) error {
		if e.Visibility < 0 || e.Visibility > maxVisibility {
			return errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= %d.", e.Visibility, maxVisibility)
		}
		if m == nil || m.Recvs == 0 || m.VisibleAt <= now.UnixMilli() {
			return errNotInflight()
		}
		st := byte(stateInFlight)
		return setVisible(tx, q, m, now.Add(time.Duration(e.Visibility)*time.Second).UnixMilli(), st)
	})
}

// byHandle runs fn on the message of each entry's handle (nil when the handle's receipt is no longer the
// message's) in one transaction.
func (s *Service) byHandle(ctx context.Context, c *actor.Caller, ref Ref, action string, entries []HandleEntry, single bool,
	fn func(tx meta.Tx, q *Queue, m *message, e HandleEntry, now time.Time) error) (errs []*awserr.Error, err error) {
	q, err := s.open(ctx, c, ref, action)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	if err := checkBatch(ids, single); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx meta.Tx) error {
		now := s.clock.Now()
		errs = make([]*awserr.Error, len(entries))
		for i, e := range entries {
			h, ok := parseHandle(e.Handle)
			if !ok || h.qid != q.ID {
				errs[i] = errReceiptHandle(e.Handle)
				continue
			}
			m, err := getMessage(tx, q.ID, h.seq)
			if err != nil {
				return err
			}
			if m != nil && m.Receipt != h.receipt {
				m = nil
			}
			if err := fn(tx, q, m, e, now); err != nil {
				ae, ok := awserr.As(err)
				if !ok {
					return err
				}
				errs[i] = ae
			}
		}
		return nil
	})
	if err == nil && action == "sqs:ChangeMessageVisibility" {
		s.notify.wake(q.ID)
	}
	return errs, err
}

// attemptRecord is what a FIFO receive attempt returned.
type attemptRecord struct {
	Until    int64    `json:"until"`
	Seqs     []string `json:"seqs"`
	Receipts []string `json:"receipts"`
}

func attemptKey(qid, id string) string { return qid + "\x00a\x00" + id }

// attempt returns the messages a receive attempt returned, when it was made within the window and they are
// still in flight under the receipts it gave.
func (s *Service) attempt(tx meta.Tx, q *Queue, id string, now time.Time) ([]taken, bool, error) {
	v, err := tx.Get(tableDedup, attemptKey(q.ID, id))
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var a attemptRecord
	if json.Unmarshal(v, &a) != nil || a.Until <= now.UnixMilli() {
		return nil, false, nil
	}
	var out []taken
	for i, seq := range a.Seqs {
		m, err := getMessage(tx, q.ID, seq)
		if err != nil {
			return nil, false, err
		}
		if m == nil || m.Receipt != a.Receipts[i] || m.VisibleAt <= now.UnixMilli() {
			return nil, false, nil
		}
		out = append(out, taken{m: m, handle: handle{qid: q.ID, seq: seq, receipt: m.Receipt}.encode()})
	}
	return out, true, nil
}

func (s *Service) saveAttempt(tx meta.Tx, q *Queue, id string, out []taken, now time.Time) error {
	a := attemptRecord{Until: now.Add(dedupWindow).UnixMilli()}
	for _, t := range out {
		a.Seqs = append(a.Seqs, t.m.Seq)
		a.Receipts = append(a.Receipts, t.m.Receipt)
	}
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return tx.Put(tableDedup, attemptKey(q.ID, id), v)
}
