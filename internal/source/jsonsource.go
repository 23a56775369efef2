package source

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/ocsf"
)

// EachJSON is the Normalize of a source whose records are JSON values (Values, with unwrap): it opens the
// object, sets aside the records that are cut (longer than MaxRecord) or incomplete, and hands each whole record
// to each, which counts it with c (Event, More, SetAside or Skip). name prefixes errors.
func EachJSON(ctx context.Context, obj Object, sink Sink, name string, unwrap []string,
	each func(c *Collector, record int64, rec []byte) error) (Counts, error) {
	c := NewCollector(ctx, sink, obj.Name)
	body, err := Open(obj.Body)
	if err != nil {
		return c.Counts(), fmt.Errorf("%s: %w", name, err)
	}
	values := NewValues(body, unwrap...)
	for values.Next() {
		rec, n := values.Value(), values.Number()
		switch {
		case values.Truncated():
			err = c.SetAside(n, fmt.Sprintf("record longer than %d bytes", MaxRecord), rec, true)
		case values.Incomplete():
			err = c.SetAside(n, "incomplete JSON object", rec, false)
		default:
			err = each(c, n, rec)
		}
		if err != nil {
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

// NormalizeJSON is EachJSON for a source whose records each make one event bound for table: build makes the
// event of a record, or returns why the record is set aside.
func NormalizeJSON(ctx context.Context, obj Object, sink Sink, name, table string,
	build func(rec []byte) (ocsf.Event, string)) (Counts, error) {
	return EachJSON(ctx, obj, sink, name, nil, func(c *Collector, n int64, rec []byte) error {
		ev, why := build(rec)
		if why != "" {
			return c.SetAside(n, why, rec, false)
		}
		return c.Event(table, ev)
	})
}
