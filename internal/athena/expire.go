package athena

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Retention is how long a finished execution is kept, as Athena keeps its query history (45 days). Its result
// files stay in the output location.
const Retention = 45 * 24 * time.Hour

// expireEvery is how often a worker loop drops expired executions.
const expireEvery = time.Hour

// ExpireExecutions deletes the finished executions completed before the retention, at most limit of them,
// and returns how many it deleted.
func (s *Service) ExpireExecutions(ctx context.Context, limit int) (int, error) {
	cutoff := s.cfg.Clock.Now().Add(-Retention)
	n := 0
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		n = 0
		var old []*execution
		var derr error
		if err := tx.Scan(tableExecs, meta.Range{}, func(_ string, v []byte) bool {
			e := &execution{}
			if derr = json.Unmarshal(v, e); derr != nil {
				return false
			}
			if finished(e.State) && !e.Completed.IsZero() && e.Completed.Before(cutoff) {
				old = append(old, e)
			}
			return len(old) < limit
		}); err != nil || derr != nil {
			return errors.Join(err, derr)
		}
		for _, e := range old {
			err := errors.Join(tx.Delete(tableExecs, e.ID), deleteIfThere(tx, tableExecList, e.listKey()))
			if e.Token != "" {
				err = errors.Join(err, deleteIfThere(tx, tableTokens, key(e.Account, e.Region, "execution", e.Token)))
			}
			if err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}

func finished(state string) bool {
	return state == StateSucceeded || state == StateFailed || state == StateCancelled
}

// expireDue drops expired executions when an hour has passed since this node last did.
func (s *Service) expireDue(ctx context.Context) error {
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	due := now.Sub(s.expired) >= expireEvery
	if due {
		s.expired = now
	}
	s.mu.Unlock()
	if !due {
		return nil
	}
	for {
		n, err := s.ExpireExecutions(ctx, 1000)
		if err != nil || n < 1000 {
			return err
		}
	}
}
