package lake

import (
	"context"
	"errors"

	"github.com/seclake/seclake/internal/meta"
)

// tableCauses holds the causes of failure that have an exception listed while they last:
// <account>/<region>/<cause> → cause. A cause raised again while it is there adds no exception.
const tableCauses = "lake.causes"

// cause is a failure that lasts, and when its exception was recorded.
type cause struct {
	Exception string `json:"exception"`
	// Seen is an opaque mark of the failure's state (ingestion's problem: its first occurrence), so that the
	// same cause arising anew after it passed gets an exception of its own.
	Seen string `json:"seen,omitempty"`
}

// raiseCause records an exception for a failure of account's lake in region, once while the cause lasts (until
// clearCause), and delivers it to the exception subscription.
func (s *Service) raiseCause(ctx context.Context, account, region, id, exception, remediation string) error {
	_, err := s.raiseSeen(ctx, account, region, id, "", exception, remediation)
	return err
}

// raiseSeen is raiseCause for a cause whose state is seen: one that arose anew gets an exception of its own. It
// reports whether it added one.
func (s *Service) raiseSeen(ctx context.Context, account, region, id, seen, exception, remediation string) (bool, error) {
	var added *Exception
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		added = nil
		var c cause
		found, err := getJSON(tx, tableCauses, key(account, region, id), &c)
		if err != nil || found && c.Seen == seen {
			return err
		}
		e, err := s.addException(tx, account, region, exception, remediation)
		if err != nil {
			return err
		}
		added = &e
		return putJSON(tx, tableCauses, key(account, region, id), cause{Exception: exception, Seen: seen})
	})
	if err != nil || added == nil {
		return false, err
	}
	s.deliverException(ctx, account, *added)
	return true, nil
}

// clearCause ends a cause: the next failure of its kind gets an exception again.
func (s *Service) clearCause(ctx context.Context, account, region, id string) error {
	k := key(account, region, id)
	found := false
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		_, err := tx.Get(tableCauses, k)
		found = err == nil
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil || !found {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := tx.Delete(tableCauses, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return nil
	})
}
