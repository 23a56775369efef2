package kms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// The scheduler rotates keys whose automatic rotation is due and deletes keys whose waiting period is over.
// Its work is indexed in kms.due by time, so each run reads only what is due. Any node may run it, at any
// time: each item is re-checked against the key record in the transaction that acts on it, so running twice,
// or late, is harmless.
//
// The server runs RunDue as the cluster job kms.due (internal/stack), every minute on one worker node, so
// work is done within a minute of falling due. Start and Stop run it instead in one process on its own, as
// a loop that sleeps until the next work falls due and that wake — the "kick" a change on this node sends —
// re-arms when a key's due times change.

// Kinds of scheduled work.
const (
	dueRotate = "rotate"
	dueDelete = "delete"
)

// maxSchedulerWait bounds how long the scheduler sleeps, so work scheduled by other nodes is picked up.
const maxSchedulerWait = time.Hour

func dueKey(t time.Time, kind, keyStoreKey string) string {
	return fmt.Sprintf("%020d/%s/%s", t.Unix(), kind, keyStoreKey)
}

// dueTimes returns when r's scheduled work falls due: its rotation (while enabled with automatic rotation on)
// and its deletion (while pending deletion); zero for none.
func dueTimes(r *keyRecord) (rotate, del time.Time) {
	if r.State == StateEnabled && r.RotationPeriod > 0 {
		rotate = r.NextRotation
	}
	if r.State == StatePendingDeletion {
		del = r.DeletionDate
	}
	return rotate, del
}

// syncDue updates the due index for a key record that changed from old (nil for a new key) to r (nil for a
// deleted key).
func syncDue(tx meta.Tx, sk string, old, r *keyRecord) error {
	var oldRot, oldDel, newRot, newDel time.Time
	if old != nil {
		oldRot, oldDel = dueTimes(old)
	}
	if r != nil {
		newRot, newDel = dueTimes(r)
	}
	for _, d := range []struct {
		kind     string
		from, to time.Time
	}{{dueRotate, oldRot, newRot}, {dueDelete, oldDel, newDel}} {
		if d.from.Equal(d.to) {
			continue
		}
		if !d.from.IsZero() {
			if err := tx.Delete(tableDue, dueKey(d.from, d.kind, sk)); err != nil && !errors.Is(err, meta.ErrNotFound) {
				return fmt.Errorf("unschedule %s of %s: %w", d.kind, sk, err)
			}
		}
		if !d.to.IsZero() {
			if err := tx.Put(tableDue, dueKey(d.to, d.kind, sk), nil); err != nil {
				return fmt.Errorf("schedule %s of %s: %w", d.kind, sk, err)
			}
		}
	}
	return nil
}

// Start runs the scheduler in the background until Stop, in a process without the cluster's job scheduler.
func (s *Service) Start() { s.run.Start(s.loop) }

// Stop stops the scheduler and waits for its current run to finish.
func (s *Service) Stop() { s.run.Stop() }

func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Service) loop(ctx context.Context) {
	for {
		next, err := s.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("kms scheduler", "err", err)
			next = s.clock.Now().Add(time.Minute)
		}
		wait := maxSchedulerWait
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(s.clock.Now()), 0))
		}
		select {
		case <-s.clock.After(wait):
		case <-s.kick:
		case <-ctx.Done():
			return
		}
	}
}

// RunDue does the scheduled work that is due now and returns when the next work falls due (zero for none).
// The background scheduler calls it; tests may call it directly after moving a fake clock.
func (s *Service) RunDue(ctx context.Context) (time.Time, error) {
	now := s.clock.Now()
	due, next, err := s.scanDue(ctx, now)
	if err != nil || len(due) == 0 {
		return next, err
	}
	var errs []error
	for _, k := range due {
		if err := s.runItem(ctx, k, now); err != nil {
			errs = append(errs, err)
		}
	}
	// The work done may have scheduled more (the next rotation).
	_, next, err = s.scanDue(ctx, time.Time{})
	return next, errors.Join(append(errs, err)...)
}

// scanDue returns the work due at now, and when the first work after now falls due. With a zero now it
// returns no work, only the first due time.
func (s *Service) scanDue(ctx context.Context, now time.Time) (due []string, next time.Time, err error) {
	end := ""
	if !now.IsZero() {
		end = fmt.Sprintf("%020d", now.Unix()+1)
	}
	err = s.store.View(ctx, func(tx meta.Tx) error {
		due, next = nil, time.Time{}
		return tx.Scan(tableDue, meta.Range{}, func(k string, _ []byte) bool {
			if k >= end {
				if sec, err := strconv.ParseInt(k[:20], 10, 64); err == nil {
					next = time.Unix(sec, 0).UTC()
				}
				return false
			}
			due = append(due, k)
			return true
		})
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read scheduled key work: %w", err)
	}
	return due, next, nil
}

// runItem does one piece of due work.
func (s *Service) runItem(ctx context.Context, dk string, now time.Time) error {
	parts := strings.SplitN(dk, "/", 3)
	if len(parts) != 3 {
		return s.store.Update(ctx, func(tx meta.Tx) error { return tx.Delete(tableDue, dk) })
	}
	kind, sk := parts[1], parts[2]
	switch kind {
	case dueRotate:
		return s.rotateDue(ctx, dk, sk, now)
	case dueDelete:
		return s.deleteDue(ctx, dk, sk, now)
	}
	return s.store.Update(ctx, func(tx meta.Tx) error { return tx.Delete(tableDue, dk) })
}

// rotateDue rotates a key whose automatic rotation is due.
func (s *Service) rotateDue(ctx context.Context, dk, sk string, now time.Time) error {
	var rotated *keyRecord
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		rotated = nil
		r, err := getKey(tx, sk)
		if errors.Is(err, errNoKey) {
			return ignoreMissing(tx.Delete(tableDue, dk))
		}
		if err != nil {
			return err
		}
		rot, _ := dueTimes(r)
		if rot.IsZero() || dk != dueKey(rot, dueRotate, sk) {
			return ignoreMissing(tx.Delete(tableDue, dk)) // stale entry
		}
		if rot.Unix() > now.Unix() {
			return nil
		}
		old := *r
		m, err := s.newMaterial(r.arn(), len(r.Materials)+1, RotationAutomatic)
		if err != nil {
			return err
		}
		r.Materials = append(r.Materials, m)
		r.NextRotation = now.UTC().Truncate(time.Second).Add(days(r.RotationPeriod))
		if err := syncDue(tx, sk, &old, r); err != nil {
			return err
		}
		rotated = r
		return putKey(tx, r)
	})
	if err != nil {
		return fmt.Errorf("rotate %s: %w", sk, err)
	}
	s.invalidate(sk)
	if rotated != nil {
		s.serviceEvent(ctx, "RotateKey", rotated)
	}
	return nil
}

// deleteDue deletes a key whose waiting period is over, with its grants and aliases.
func (s *Service) deleteDue(ctx context.Context, dk, sk string, now time.Time) error {
	var deleted *keyRecord
	var aliasKeys []string
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		deleted, aliasKeys = nil, nil
		r, err := getKey(tx, sk)
		if errors.Is(err, errNoKey) {
			return ignoreMissing(tx.Delete(tableDue, dk))
		}
		if err != nil {
			return err
		}
		_, del := dueTimes(r)
		if del.IsZero() || dk != dueKey(del, dueDelete, sk) {
			return ignoreMissing(tx.Delete(tableDue, dk)) // stale entry
		}
		if del.Unix() > now.Unix() {
			return nil
		}
		if aliasKeys, err = purgeKey(tx, r); err != nil {
			return err
		}
		deleted = r
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", sk, err)
	}
	s.invalidate(append(aliasKeys, sk)...)
	if deleted != nil {
		s.serviceEvent(ctx, "DeleteKey", deleted)
	}
	return nil
}

// purgeKey removes a key and everything that refers to it. It returns the store keys of its aliases.
func purgeKey(tx meta.Tx, r *keyRecord) ([]string, error) {
	sk := r.storeKey()
	grants, err := scanGrants(tx, sk)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		if err := deleteGrant(tx, sk, g); err != nil {
			return nil, err
		}
	}
	var aliasKeys []string
	for _, name := range r.Aliases {
		ak := aliasStoreKey(r.Account, r.Region, name)
		if err := ignoreMissing(tx.Delete(tableAliases, ak)); err != nil {
			return nil, fmt.Errorf("delete alias %s: %w", name, err)
		}
		aliasKeys = append(aliasKeys, ak)
	}
	if err := syncDue(tx, sk, r, nil); err != nil {
		return nil, err
	}
	if err := tx.Delete(tableKeys, sk); err != nil {
		return nil, fmt.Errorf("delete key %s: %w", sk, err)
	}
	return aliasKeys, nil
}

func ignoreMissing(err error) error {
	if errors.Is(err, meta.ErrNotFound) {
		return nil
	}
	return err
}

// days returns n days as a duration.
func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
