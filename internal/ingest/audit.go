package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/table"
)

// auditKey is the audit feed's cursor in statsTable.
const auditKey = "audit"

// auditBatch is how many audit records one RunAudit pass takes at most.
const auditBatch = 2000

// auditCursor is the audit feed's progress: the records up to Seq are committed; when InFlight is set, the
// records after Seq up to InFlight are being committed (appends whose IDs derive from the range).
type auditCursor struct {
	Seq      uint64    `json:"seq"`
	InFlight uint64    `json:"inFlight,omitempty"`
	Owner    string    `json:"owner,omitempty"`
	Until    time.Time `json:"until,omitzero"`
	Events   int64     `json:"events"`
}

// RunAudit feeds the records of seclake's audit log that follow the cursor to the CloudTrail tables of the lakes
// of their accounts (recipientAccountId) and regions: management events to cloud_trail_mgmt, S3 data events to
// s3_data. Records of accounts without a lake in the record's region are passed over, as are the records of
// the lake's own writes (made by securitylake.amazonaws.com: feeding them back would never end). A failed
// append leaves the range in flight; the next pass commits what is missing.
func (s *Service) RunAudit(ctx context.Context) error {
	if s.cfg.Audit == nil {
		return nil
	}
	s.auditMu.Lock()
	defer s.auditMu.Unlock()
	src, ok := s.cfg.Sources.Lookup("cloudtrail")
	if !ok {
		return nil
	}
	for ctx.Err() == nil {
		more, err := s.auditPass(ctx, src)
		if err != nil || !more {
			return err
		}
	}
	return ctx.Err()
}

// auditPass commits one range of records; it reports whether there may be more.
func (s *Service) auditPass(ctx context.Context, src source.Source) (bool, error) {
	cur, ok, err := s.leaseCursor(ctx, func(c *auditCursor) {})
	if err != nil || !ok {
		return false, err
	}
	recovering := cur.InFlight > cur.Seq
	limit := auditBatch
	if recovering {
		limit = int(cur.InFlight - cur.Seq)
	}
	recs, err := s.cfg.Audit.Read(ctx, cur.Seq, limit)
	if err != nil {
		return false, fmt.Errorf("ingest: read the audit log: %w", err)
	}
	if len(recs) == 0 {
		_, _, err := s.leaseCursor(ctx, func(c *auditCursor) { c.Owner, c.Until = "", time.Time{} })
		return false, err
	}
	from, to := cur.Seq, recs[len(recs)-1].Seq
	if !recovering {
		if _, ok, err := s.leaseCursor(ctx, func(c *auditCursor) { c.InFlight = to }); err != nil || !ok {
			return false, err
		}
	}
	batches, err := s.auditBatches(ctx, src, recs)
	if err != nil {
		return false, err
	}
	var events int64
	for _, b := range batches {
		id := fmt.Sprintf("audit-%d-%d-%s-%s-%s", from, to, b.account, b.region, b.table)
		n, err := s.auditAppend(ctx, id, b, recovering)
		if err != nil {
			return false, fmt.Errorf("ingest: the audit feed: %w", err)
		}
		events += n
	}
	_, ok, err = s.leaseCursor(ctx, func(c *auditCursor) {
		c.Seq, c.InFlight, c.Events = to, 0, c.Events+events
		c.Owner, c.Until = "", time.Time{}
	})
	return ok && (recovering || len(recs) == limit), err
}

// leaseCursor takes (or keeps) the feed's lease and applies edit to the cursor in one transaction; ok is false
// when another instance holds the lease, or this one lost it with less than the margin left.
func (s *Service) leaseCursor(ctx context.Context, edit func(*auditCursor)) (auditCursor, bool, error) {
	var cur auditCursor
	ok := false
	err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		cur, ok = auditCursor{}, false
		if err := getJSON(tx, statsTable, auditKey, &cur); err != nil && !isNotFound(err) {
			return err
		}
		now := s.cfg.Clock.Now().UTC()
		if cur.Owner != "" && cur.Owner != s.owner && cur.Until.After(now) {
			return nil
		}
		cur.Owner, cur.Until = s.owner, now.Add(s.cfg.Lease)
		edit(&cur)
		ok = true
		return putJSON(tx, statsTable, auditKey, cur)
	})
	return cur, ok, err
}

// auditTarget is the events of one range for one table of one lake.
type auditTarget struct {
	account, region, table string
	events                 []ocsf.Event
}

// auditFields are the members of an audit record that choose its lake, and tell the lake's own writes.
type auditFields struct {
	Recipient string `json:"recipientAccountId"`
	Region    string `json:"awsRegion"`
	Identity  struct {
		InvokedBy string `json:"invokedBy"`
	} `json:"userIdentity"`
}

// auditBatches normalizes records into events per lake and table, in order.
func (s *Service) auditBatches(ctx context.Context, src source.Source, recs []audit.Stored) ([]*auditTarget, error) {
	type lakeKey struct{ account, region string }
	groups := map[lakeKey]*bytes.Buffer{}
	var order []lakeKey
	hasLake := map[lakeKey]bool{}
	for _, r := range recs {
		var f auditFields
		if err := json.Unmarshal(r.JSON, &f); err != nil || f.Recipient == "" || f.Region == "" {
			continue
		}
		if f.Identity.InvokedBy == table.Principal {
			continue
		}
		k := lakeKey{f.Recipient, f.Region}
		has, seen := hasLake[k]
		if !seen {
			_, found, err := s.cfg.Lakes.Get(ctx, k.account, k.region)
			if err != nil {
				return nil, err
			}
			has, hasLake[k] = found, found
		}
		if !has {
			continue
		}
		g := groups[k]
		if g == nil {
			g = &bytes.Buffer{}
			groups[k] = g
			order = append(order, k)
		}
		g.Write(r.JSON)
		g.WriteByte('\n')
	}
	var out []*auditTarget
	for _, k := range order {
		sink := &collectSink{}
		if _, err := src.Normalize(ctx, source.Object{Name: "seclake audit trail", Body: groups[k],
			Account: k.account, Region: k.region}, sink); err != nil {
			return nil, err
		}
		for _, tbl := range sink.tables {
			if _, err := table.AWS(tbl); err != nil {
				continue // no such table in the lake (yet)
			}
			out = append(out, &auditTarget{account: k.account, region: k.region, table: tbl, events: sink.events[tbl]})
		}
	}
	return out, nil
}

// auditAppend appends a target's events under the append ID id (unless, recovering, it is committed already).
func (s *Service) auditAppend(ctx context.Context, id string, b *auditTarget, recovering bool) (int64, error) {
	t, err := s.table(ctx, b.account, b.region, b.table)
	if err != nil {
		return 0, err
	}
	if recovering {
		done, err := t.Committed(ctx, id)
		if err != nil || done {
			return int64(len(b.events)), err
		}
	}
	if _, ok, err := s.leaseCursor(ctx, func(*auditCursor) {}); err != nil || !ok {
		return 0, fmt.Errorf("the audit feed's lease was lost (%v)", err)
	}
	if _, err := t.Append(ctx, table.Batch{ID: id, Account: b.account, Region: b.region, Events: b.events}); err != nil {
		return 0, err
	}
	if s.hooks.afterAppend != nil {
		if err := s.hooks.afterAppend(); err != nil {
			return 0, err
		}
	}
	s.metrics.commit(b.table, len(b.events), 0)
	return int64(len(b.events)), nil
}

// collectSink keeps the events of a normalization per table, in order.
type collectSink struct {
	tables []string
	events map[string][]ocsf.Event
}

func (c *collectSink) Events(b source.Batch) error {
	if c.events == nil {
		c.events = map[string][]ocsf.Event{}
	}
	if _, ok := c.events[b.Table]; !ok {
		c.tables = append(c.tables, b.Table)
	}
	c.events[b.Table] = append(c.events[b.Table], b.Events...)
	return nil
}

func (c *collectSink) SetAside(source.SetAside) error { return nil }
