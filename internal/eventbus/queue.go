package eventbus

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// delivery is one event on its way to one target, stored in the delivery queue until the target takes it.
type delivery struct {
	ID       string
	Account  string // the rule's account
	Region   string
	RuleARN  string
	RuleName string
	Bus      string
	Target   Target
	EventID  string
	Sealed   []byte // the event, sealed with the root key (never stored in plaintext)
	Attempts int
	Created  time.Time
	Due      time.Time
	event    []byte
}

// queueKey orders the queue by due time.
func queueKey(due time.Time, id string) string { return fmt.Sprintf("%020d\x00%s", due.UnixNano(), id) }

func deliveryAAD(id string) []byte { return []byte("seclake eventbus delivery v1\x00" + id) }

func (s *Service) newDelivery(r *Rule, t Target, event []byte, eventID string, now time.Time) *delivery {
	return &delivery{Account: r.Account, Region: r.Region, RuleARN: r.ARN, RuleName: r.Name, Bus: r.Bus, Target: t,
		EventID: eventID, Created: now, Due: now, event: event}
}

// enqueue stores deliveries durably, sealing their events, and wakes the delivery loop.
func (s *Service) enqueue(ctx context.Context, items []*delivery) error {
	if len(items) == 0 {
		return nil
	}
	if err := s.seal(items); err != nil {
		return err
	}
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return putDeliveries(tx, items) })
	if err != nil {
		return fmt.Errorf("eventbus: queue deliveries: %w", err)
	}
	s.Kick()
	return nil
}

// seal gives each delivery its ID and seals its event.
func (s *Service) seal(items []*delivery) error {
	for _, d := range items {
		// IDs sort in the order the events came (time, then this node's sequence), which keeps deliveries that are
		// due at the same moment in order; the random part keeps nodes apart.
		var id [8]byte
		if _, err := io.ReadFull(s.cfg.Rand, id[:]); err != nil {
			return err
		}
		d.ID = fmt.Sprintf("%016x%08x", d.Created.UnixNano(), uint32(s.seq.Add(1))) + hex.EncodeToString(id[:])
		sealed, err := s.cfg.Seal.Seal(d.event, deliveryAAD(d.ID))
		if err != nil {
			return err
		}
		d.Sealed = sealed
	}
	return nil
}

func putDeliveries(tx meta.Tx, items []*delivery) error {
	for _, d := range items {
		if err := putJSON(tx, tableQueue, queueKey(d.Due, d.ID), d); err != nil {
			return err
		}
	}
	return nil
}

// Kick wakes the delivery loop.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// claimLease is how long a node owns the deliveries it claimed; a node that dies lets them come due again.
const claimLease = 30 * time.Second

// claim takes up to n due deliveries, moving each to now+claimLease so that no other node takes it meanwhile.
func (s *Service) claim(ctx context.Context, n int) ([]*delivery, error) {
	now := s.cfg.Clock.Now()
	var out []*delivery
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var keys []string
		var derr error
		err := tx.Scan(tableQueue, meta.Range{End: queueKey(now, "\xff"), Limit: n}, func(k string, v []byte) bool {
			d := &delivery{}
			if derr = json.Unmarshal(v, d); derr != nil {
				return false
			}
			keys = append(keys, k)
			out = append(out, d)
			return true
		})
		if err = errors.Join(err, derr); err != nil {
			return err
		}
		for i, d := range out {
			if err := tx.Delete(tableQueue, keys[i]); err != nil {
				return err
			}
			d.Due = now.Add(claimLease)
			if err := putJSON(tx, tableQueue, queueKey(d.Due, d.ID), d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, d := range out {
		ev, err := s.cfg.Seal.Open(d.Sealed, deliveryAAD(d.ID))
		if err != nil {
			return nil, fmt.Errorf("eventbus: unseal delivery %s: %w", d.ID, err)
		}
		d.event = ev
	}
	return out, nil
}

// Pending is how many deliveries wait in the queue (claimed ones included).
func (s *Service) Pending(ctx context.Context) (int, error) {
	n := 0
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		return tx.Scan(tableQueue, meta.Range{}, func(string, []byte) bool { n++; return true })
	})
	return n, err
}
