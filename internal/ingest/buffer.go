package ingest

import (
	"time"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// runState is what a Service holds in memory between runs: the objects it claimed and the events buffered.
type runState struct {
	held    map[string]*heldObject
	buffers map[bufKey]*buffer
	// total is the estimated size of all buffers.
	total int64
}

func newRunState() *runState {
	return &runState{held: map[string]*heldObject{}, buffers: map[bufKey]*buffer{}}
}

// heldObject is an object this instance claimed and reads or has events of buffered.
type heldObject struct {
	id  string
	rec *objectRecord
	// produced counts, per table, the events the source made in the current read; pending the events buffered
	// and not yet committed.
	produced, pending map[string]int64
	// readDone is set once the object was read to its end; counts are that read's counts.
	readDone bool
	counts   source.Counts
	// noTable counts the events bound for tables the lake does not have, and why.
	noTable       int64
	noTableReason string
	// setAsides wait to be stored.
	setAsides []source.SetAside
}

func (h *heldObject) pendingTotal() int64 {
	var n int64
	for _, v := range h.pending {
		n += v
	}
	return n
}

// bufKey names a buffer: the lake, the table, and the account and region the object's layout gives its events;
// solo is the object's ID when the object failed before, so that its events are committed apart from the others'
// (an object whose events the table refuses does not hold the others back).
type bufKey struct {
	account, region, table string
	evAccount, evRegion    string
	solo                   string
}

// buffer is the events waiting for one table of one lake.
type buffer struct {
	key    bufKey
	events []ocsf.Event
	// parts say whose events they are: one run of events per object, in order.
	parts  []bufPart
	bytes  int64
	oldest time.Time
}

// bufPart is an object's run of events in a buffer: the events from (its From-th event for the table) to To, at
// events[At:At+To-From].
type bufPart struct {
	ID       string `json:"id"`
	From, To int64
	At       int `json:"-"`
}

// add appends events of object id, the first being its from-th for the table, estimated at size bytes.
func (b *buffer) add(id string, from int64, evs []ocsf.Event, size int64, now time.Time) {
	if len(evs) == 0 {
		return
	}
	if len(b.events) == 0 {
		b.oldest = now
	}
	if n := len(b.parts); n > 0 && b.parts[n-1].ID == id && b.parts[n-1].To == from {
		b.parts[n-1].To += int64(len(evs))
	} else {
		b.parts = append(b.parts, bufPart{ID: id, From: from, To: from + int64(len(evs)), At: len(b.events)})
	}
	b.events = append(b.events, evs...)
	b.bytes += size
}

// drop removes the events of the objects in ids; it returns the bytes estimate removed.
func (b *buffer) drop(ids map[string]bool) int64 {
	kept := b.events[:0:0]
	var parts []bufPart
	for _, p := range b.parts {
		n := int(p.To - p.From)
		if ids[p.ID] {
			continue
		}
		q := p
		q.At = len(kept)
		kept = append(kept, b.events[p.At:p.At+n]...)
		parts = append(parts, q)
	}
	before := b.bytes
	if len(b.events) > 0 {
		b.bytes = b.bytes * int64(len(kept)) / int64(len(b.events))
	}
	b.events, b.parts = kept, parts
	return before - b.bytes
}
