package queue

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/seclake/seclake/internal/meta"
)

// janitorBatch bounds the keys one janitor transaction deletes.
const janitorBatch = 500

// Expire deletes the messages whose retention period is over and the deduplication and receive-attempt
// entries older than their five minutes, queue by queue; it returns how many entries it deleted. Receives
// also drop the expired messages they meet; this catches those nobody receives. Each deletion is checked
// again in the transaction that makes it, so concurrent or repeated runs do no harm.
func (s *Service) Expire(ctx context.Context) (int, error) {
	var queues []*Queue
	if err := s.store.View(ctx, func(tx meta.Tx) error {
		return scanQueues(tx, meta.Range{}, func(q *Queue) bool { queues = append(queues, q); return true })
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, q := range queues {
		n, err := s.expireMessages(ctx, q)
		total += n
		if err != nil {
			return total, err
		}
		n, err = s.expireDedup(ctx, q)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Service) expireMessages(ctx context.Context, q *Queue) (int, error) {
	total := 0
	for after := ""; ; {
		n, last, err := 0, "", error(nil)
		err = s.store.Update(ctx, func(tx meta.Tx) error {
			n, last = 0, ""
			now := s.clock.Now()
			var old []*message
			var ferr error
			err := tx.Scan(tableMsgs, meta.Range{Prefix: recordPrefix(q.ID), Start: after, Limit: janitorBatch}, func(k string, v []byte) bool {
				last = k
				m := new(message)
				if ferr = json.Unmarshal(v, m); ferr != nil {
					return false
				}
				if q.expired(m, now) {
					old = append(old, m)
				}
				return true
			})
			if err == nil {
				err = ferr
			}
			for _, m := range old {
				if err == nil {
					err = removeMessage(tx, q, m)
				}
			}
			n = len(old)
			return err
		})
		total += n
		if err != nil || last == "" {
			return total, err
		}
		after = last + "\x00"
	}
}

func (s *Service) expireDedup(ctx context.Context, q *Queue) (int, error) {
	n := 0
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		n = 0
		now := s.clock.Now().UnixMilli()
		var old []string
		err := tx.Scan(tableDedup, meta.Range{Prefix: q.ID + "\x00", Limit: 10 * janitorBatch}, func(k string, v []byte) bool {
			var rec struct {
				Until int64 `json:"until"`
			}
			if json.Unmarshal(v, &rec) == nil && rec.Until <= now && !strings.HasSuffix(k, "\x00") {
				old = append(old, k)
			}
			return true
		})
		for _, k := range old {
			if err == nil {
				err = tx.Delete(tableDedup, k)
			}
		}
		n = len(old)
		return err
	})
	return n, err
}
