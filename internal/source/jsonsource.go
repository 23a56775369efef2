package source

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/ocsf"
)

// NormalizeJSON is the Normalize of a source whose records are JSON values (Values) that each make one event
// bound for table: build makes the event of a record, or returns why the record is set aside. Records that are
// cut (longer than MaxRecord) or incomplete are set aside without build seeing them. name prefixes errors.
func NormalizeJSON(ctx context.Context, obj Object, sink Sink, name, table string,
	build func(rec []byte) (ocsf.Event, string)) (Counts, error) {
	c := NewCollector(ctx, sink, obj.Name)
	body, err := Open(obj.Body)
	if err != nil {
		return c.Counts(), fmt.Errorf("%s: %w", name, err)
	}
	values := NewValues(body)
	for values.Next() {
		rec := values.Value()
		var why string
		switch {
		case values.Truncated():
			why = fmt.Sprintf("record longer than %d bytes", MaxRecord)
		case values.Incomplete():
			why = "incomplete JSON object"
		default:
			ev, reason := build(rec)
			if reason == "" {
				if err := c.Event(table, ev); err != nil {
					return c.Counts(), err
				}
				continue
			}
			why = reason
		}
		if err := c.SetAside(values.Number(), why, rec, values.Truncated()); err != nil {
			return c.Counts(), err
		}
	}
	c.AddBytes(values.Bytes())
	if err := values.Err(); err != nil {
		counts, _ := c.Close()
		return counts, fmt.Errorf("%s: read %s: %w", name, obj.Name, err)
	}
	return c.Close()
}
