// Package sourcetest is what the tests of every source share: sinks that keep or count what a source hands
// over, the golden-file workflow (Golden, with -update), the check that events are valid OCSF and fit their
// table (Check), the corpus run (Corpus), the comparison with Amazon's output field by field (Equality,
// Compare), the fuzz target (Fuzz) and the benchmark (Bench). See package source, "Developing a source".
package sourcetest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/ocsf/shape"
	"github.com/seclake/seclake/internal/source"
)

// Memory is a sink that keeps everything it is handed.
type Memory struct {
	// Received are the events in the order they came, and Tables the table of each.
	Received []ocsf.Event
	Tables   []string
	// SetAsides are the records set aside.
	SetAsides []source.SetAside
}

// Events keeps a batch.
func (m *Memory) Events(b source.Batch) error {
	for _, ev := range b.Events {
		m.Received = append(m.Received, ev)
		m.Tables = append(m.Tables, b.Table)
	}
	return nil
}

// SetAside keeps a set-aside record.
func (m *Memory) SetAside(r source.SetAside) error {
	m.SetAsides = append(m.SetAsides, r)
	return nil
}

// Discard is a sink that counts and drops.
type Discard struct {
	NEvents, NSetAside int64
}

// Events counts a batch.
func (d *Discard) Events(b source.Batch) error { d.NEvents += int64(len(b.Events)); return nil }

// SetAside counts a set-aside record.
func (d *Discard) SetAside(source.SetAside) error { d.NSetAside++; return nil }

// Run normalizes obj with src into a Memory, failing the test on an error.
func Run(t testing.TB, src source.Source, obj source.Object) (*Memory, source.Counts) {
	t.Helper()
	m := &Memory{}
	counts, err := src.Normalize(context.Background(), obj, m)
	require.NoError(t, err, obj.Name)
	return m, counts
}

// Check checks what a call of Normalize produced: the counts add up (read = normalized + set aside + skipped,
// events and set-aside records as counted), each event is valid OCSF 1.1.0 of one of the source's classes and
// fits its table, and goes to one of the source's tables.
func Check(t testing.TB, src source.Source, m *Memory, counts source.Counts) {
	t.Helper()
	for _, p := range Problems(src, m, counts) {
		t.Error(p)
	}
}

// Problems returns what Check reports, for tests that want to count rather than fail.
func Problems(src source.Source, m *Memory, counts source.Counts) []string {
	info := src.Info()
	var out []string
	if counts.Read != counts.Normalized+counts.SetAside+counts.Skipped {
		out = append(out, "counts do not add up: "+counts.String())
	}
	if counts.Events != int64(len(m.Received)) || counts.SetAside != int64(len(m.SetAsides)) {
		out = append(out, "counts differ from what the sink received: "+counts.String())
	}
	for i, ev := range m.Received {
		data, err := json.Marshal(ev)
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		where := "event " + itoa(i+1)
		if !containsInt(info.Classes, ev.EventClass()) {
			out = append(out, where+": class "+itoa(int(ev.EventClass()))+" is not among the source's classes")
		}
		for _, p := range ocsf.ValidateJSON(data) {
			out = append(out, where+": "+p.String())
		}
		table, ok := shape.Lookup(m.Tables[i])
		if !containsString(info.Tables, m.Tables[i]) {
			out = append(out, where+": table "+m.Tables[i]+" is not among the source's tables")
		}
		if ok {
			for _, p := range table.FitJSON(data) {
				out = append(out, where+": table "+table.Name+": "+p.String())
			}
		}
	}
	return out
}

// JSONLines encodes events as JSON lines.
func JSONLines(t testing.TB, events []ocsf.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, ev := range events {
		require.NoError(t, enc.Encode(ev))
	}
	return b.Bytes()
}

func containsInt(list []int32, v int32) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
