package shape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
)

// Fit checks that an event fits the table (see FitJSON).
func (t *Table) Fit(ev ocsf.Event) []ocsf.Problem {
	data, err := json.Marshal(ev)
	if err != nil {
		return []ocsf.Problem{{Message: "cannot encode the event as JSON: " + err.Error()}}
	}
	return t.FitJSON(data)
}

// FitJSON checks that an OCSF event in JSON fits the table: every field it has is a column of the table and
// holds a value of the column's type (integers that fit an int or bigint, RFC 3339 text for a timestamp, an
// object of strings for unmapped). The event must not carry the columns the lake fills. A JSON null counts as
// absent. It returns the problems with their field paths, nil when the event fits.
func (t *Table) FitJSON(data []byte) []ocsf.Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return []ocsf.Problem{{Message: "not a JSON object: " + err.Error()}}
	}
	f := &fitter{table: t}
	f.object("", t.Columns, ev, true)
	sort.SliceStable(f.problems, func(i, j int) bool { return f.problems[i].Path < f.problems[j].Path })
	return f.problems
}

type fitter struct {
	table    *Table
	problems []ocsf.Problem
}

func (f *fitter) add(path, format string, args ...any) {
	f.problems = append(f.problems, ocsf.Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (f *fitter) object(path string, cols []*Column, obj map[string]any, top bool) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		var col *Column
		for _, c := range cols {
			if c.Name == k {
				col = c
			}
		}
		switch {
		case col == nil:
			f.add(p, "table %s has no such column; put vendor fields under unmapped", f.table.Name)
		case top && col.Lake:
			f.add(p, "the lake fills column %s; an event does not carry it", k)
		case obj[k] != nil:
			f.value(p, col, obj[k])
		}
	}
}

func (f *fitter) value(path string, c *Column, v any) {
	switch c.Kind {
	case Struct:
		m, ok := v.(map[string]any)
		if !ok {
			f.add(path, "column is a struct; got %s", kind(v))
			return
		}
		f.object(path, c.Fields, m, false)
	case Array:
		list, ok := v.([]any)
		if !ok {
			f.add(path, "column is an array; got %s", kind(v))
			return
		}
		for i, el := range list {
			if el != nil {
				f.value(fmt.Sprintf("%s[%d]", path, i), c.Elem, el)
			}
		}
	case Map:
		m, ok := v.(map[string]any)
		if !ok {
			f.add(path, "column is a map<string,string>; got %s", kind(v))
			return
		}
		for k, x := range m {
			if _, ok := x.(string); !ok && x != nil {
				f.add(path+"."+k, "column is a map<string,string>: values are strings; got %s", kind(x))
			}
		}
	default:
		if msg := scalar(c, v); msg != "" {
			f.add(path, "%s", msg)
		}
	}
}

func scalar(c *Column, v any) string {
	switch c.Kind {
	case String:
		if _, ok := v.(string); !ok {
			return "column is a string; got " + kind(v)
		}
	case Boolean:
		if _, ok := v.(bool); !ok {
			return "column is a boolean; got " + kind(v)
		}
	case Timestamp:
		s, ok := v.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
			return "column is a timestamp (RFC 3339 text in JSON); got " + kind(v)
		}
	case Int, Bigint:
		num, ok := v.(json.Number)
		n, err := strconv.ParseInt(string(num), 10, 64)
		if !ok || err != nil {
			return fmt.Sprintf("column is an %s; got %s", c.Kind, kind(v))
		}
		if c.Kind == Int && (n < math.MinInt32 || n > math.MaxInt32) {
			return fmt.Sprintf("column is an int; %d does not fit 32 bits", n)
		}
	case Double, Decimal:
		num, ok := v.(json.Number)
		x, err := num.Float64()
		if !ok || err != nil {
			return fmt.Sprintf("column is a %s; got %s", c.Kind, kind(v))
		}
		if c.Kind == Decimal && math.Abs(x) >= math.Pow10(c.Precision-c.Scale) {
			return fmt.Sprintf("column is a decimal(%d,%d); %v does not fit", c.Precision, c.Scale, x)
		}
	}
	return ""
}

func kind(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return "the number " + string(x)
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
