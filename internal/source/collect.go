package source

import (
	"context"

	"github.com/seclake/seclake/internal/ocsf"
)

// BatchSize is the number of events a Collector hands the sink at a time.
const BatchSize = 512

// Collector is what a source's Normalize writes to: it batches events per table for the sink, copies and
// passes on set-aside records, keeps the counts, and checks the context between batches. Sources use one
// Collector per call of Normalize.
type Collector struct {
	ctx     context.Context
	sink    Sink
	object  string
	batches []Batch
	counts  Counts
}

// NewCollector returns a collector for the object named object.
func NewCollector(ctx context.Context, sink Sink, object string) *Collector {
	return &Collector{ctx: ctx, sink: sink, object: object}
}

// Event counts one record read and normalized into ev, bound for table.
func (c *Collector) Event(table string, ev ocsf.Event) error {
	c.counts.Read++
	c.counts.Normalized++
	return c.add(table, ev)
}

// More adds another event made from the record last passed to Event (a record that makes several events).
func (c *Collector) More(table string, ev ocsf.Event) error {
	return c.add(table, ev)
}

func (c *Collector) add(table string, ev ocsf.Event) error {
	c.counts.Events++
	var b *Batch
	for i := range c.batches {
		if c.batches[i].Table == table {
			b = &c.batches[i]
		}
	}
	if b == nil {
		c.batches = append(c.batches, Batch{Table: table})
		b = &c.batches[len(c.batches)-1]
	}
	if b.Events == nil {
		b.Events = make([]ocsf.Event, 0, BatchSize)
	}
	b.Events = append(b.Events, ev)
	if len(b.Events) < BatchSize {
		return nil
	}
	return c.flush(b)
}

// SetAside counts one record read and sets it aside: raw is copied (at most MaxRecord bytes of it).
func (c *Collector) SetAside(record int64, reason string, raw []byte, truncated bool) error {
	c.counts.Read++
	c.counts.SetAside++
	if len(raw) > MaxRecord {
		raw, truncated = raw[:MaxRecord], true
	}
	return c.sink.SetAside(SetAside{Object: c.object, Record: record, Reason: reason,
		Raw: append([]byte(nil), raw...), Truncated: truncated})
}

// Skip counts one record read and deliberately not normalized.
func (c *Collector) Skip() {
	c.counts.Read++
	c.counts.Skipped++
}

// AddBytes counts n bytes of input read.
func (c *Collector) AddBytes(n int64) { c.counts.Bytes += n }

func (c *Collector) flush(b *Batch) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if len(b.Events) == 0 {
		return nil
	}
	out := *b
	b.Events = nil
	return c.sink.Events(out)
}

// Close hands the sink the events not yet passed on and returns the counts.
func (c *Collector) Close() (Counts, error) {
	for i := range c.batches {
		if err := c.flush(&c.batches[i]); err != nil {
			return c.counts, err
		}
	}
	return c.counts, nil
}

// Counts returns the counts so far.
func (c *Collector) Counts() Counts { return c.counts }
