package sourcetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
)

// Pair is a vendor input and the event Amazon's Security Lake made of it.
type Pair struct {
	// Name identifies the pair in reports (the file Amazon's output comes from).
	Name string
	// Input is the object to normalize; it must make exactly one event.
	Input source.Object
	// Amazon is Amazon's event, as JSON, carried to OCSF 1.1.0 where it was written in another version (see
	// Move, Delete and Set for the edits).
	Amazon map[string]any
}

// Difference is a field where our event and Amazon's differ.
type Difference struct {
	// Path is the field's path ("src_endpoint.ip", "observables[0].type_id").
	Path string
	// Amazon and Ours are the values; nil where the field is absent.
	Amazon, Ours any
}

// String describes the difference.
func (d Difference) String() string {
	switch {
	case d.Ours == nil:
		return fmt.Sprintf("%s: Amazon writes %s, we do not", d.Path, show(d.Amazon))
	case d.Amazon == nil:
		return fmt.Sprintf("%s: we write %s, Amazon does not", d.Path, show(d.Ours))
	}
	return fmt.Sprintf("%s: Amazon writes %s, we write %s", d.Path, show(d.Amazon), show(d.Ours))
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Known explains the differences a source keeps on purpose: a pattern of field paths ("[]" stands for any
// array index: "observables[]") to the reason. Every difference must be explained.
type Known map[string]string

// Report is the outcome of an equality run.
type Report struct {
	// Fields is the number of fields of Amazon's events; Equal those our events have with the same value.
	Fields, Equal int
	// Differences by pair name.
	Differences map[string][]Difference
}

// Rate is the share of Amazon's fields that our events have with the same value.
func (r Report) Rate() float64 {
	if r.Fields == 0 {
		return 0
	}
	return float64(r.Equal) / float64(r.Fields)
}

// Equality normalizes each pair's input, compares the event with Amazon's field by field, logs the agreement
// and every difference, and fails the test on a difference that known does not explain.
func Equality(t *testing.T, src source.Source, pairs []Pair, known Known) Report {
	t.Helper()
	r := Report{Differences: map[string][]Difference{}}
	for _, p := range pairs {
		m, _ := Run(t, src, p.Input)
		require.Len(t, m.Received, 1, "%s: want one event, set aside: %v", p.Name, m.SetAsides)
		ours := decode(t, JSONLines(t, m.Received))
		fields, equal, diffs := Compare(p.Amazon, ours)
		r.Fields += fields
		r.Equal += equal
		r.Differences[p.Name] = diffs
		for _, d := range diffs {
			reason, ok := known.explain(d.Path)
			if !ok {
				t.Errorf("%s: %s (unexplained)", p.Name, d)
				continue
			}
			t.Logf("%s: %s — %s", p.Name, d, reason)
		}
	}
	t.Logf("agreement with Amazon: %d of %d fields (%.1f%%) over %d events", r.Equal, r.Fields, 100*r.Rate(), len(pairs))
	return r
}

var index = regexp.MustCompile(`\[\d+\]`)

func (k Known) explain(path string) (string, bool) {
	generic := index.ReplaceAllString(path, "[]")
	for pattern, reason := range k {
		if pattern == path || pattern == generic || strings.HasPrefix(generic, pattern+".") ||
			strings.HasPrefix(generic, pattern+"[") {
			return reason, true
		}
	}
	return "", false
}

// Compare compares two events field by field. It returns the number of fields of Amazon's event (leaves:
// scalars, each array element counted), how many of them ours has with the same value, and every difference,
// fields only ours has included. Nulls, empty objects and empty arrays count as absent. Numbers compare by
// value, and two strings that are both date-times compare as instants (Amazon's renderings use local offsets
// and other layouts).
func Compare(amazon, ours map[string]any) (fields, equal int, diffs []Difference) {
	a, o := map[string]any{}, map[string]any{}
	flatten("", amazon, a)
	flatten("", ours, o)
	for _, path := range sortedPaths(a, o) {
		av, inA := a[path]
		ov, inO := o[path]
		if inA {
			fields++
		}
		switch {
		case inA && inO && same(av, ov):
			equal++
		case inA || inO:
			diffs = append(diffs, Difference{Path: path, Amazon: av, Ours: ov})
		}
	}
	return fields, equal, diffs
}

func flatten(path string, v any, out map[string]any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		for k, el := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flatten(p, el, out)
		}
	case []any:
		for i, el := range x {
			flatten(fmt.Sprintf("%s[%d]", path, i), el, out)
		}
	default:
		out[path] = v
	}
}

func sortedPaths(ms ...map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func same(a, b any) bool {
	if na, ok := a.(json.Number); ok {
		nb, ok := b.(json.Number)
		fa, errA := na.Float64()
		fb, errB := nb.Float64()
		return ok && errA == nil && errB == nil && fa == fb
	}
	if sa, ok := a.(string); ok {
		sb, ok := b.(string)
		if !ok {
			return false
		}
		if sa == sb {
			return true
		}
		ta, okA := datetime(sa)
		tb, okB := datetime(sb)
		return okA && okB && ta.Equal(tb)
	}
	return a == b
}

// datetimeLayouts are the layouts of Amazon's datetime renderings.
var datetimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

func datetime(s string) (time.Time, bool) {
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	m, err := Decode(b)
	require.NoError(t, err)
	return m
}

// Decode decodes one JSON object, numbers as json.Number.
func Decode(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	err := d.Decode(&m)
	return m, err
}

// Get returns the value at a dotted path of a decoded event, nil when absent.
func Get(doc map[string]any, path string) any {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// Set sets the value at a dotted path, creating the objects on the way.
func Set(doc map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	cur := doc
	for _, part := range parts[:len(parts)-1] {
		next, ok := cur[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[part] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
}

// Delete removes the value at a dotted path and returns it.
func Delete(doc map[string]any, path string) any {
	parts := strings.Split(path, ".")
	parent, ok := Get(doc, strings.Join(parts[:len(parts)-1], ".")).(map[string]any)
	if len(parts) == 1 {
		parent, ok = doc, true
	}
	if !ok {
		return nil
	}
	v := parent[parts[len(parts)-1]]
	delete(parent, parts[len(parts)-1])
	return v
}

// Move moves the value at one dotted path to another (a rename between OCSF versions:
// cloud.account_uid → cloud.account.uid). Nothing happens when the value is absent.
func Move(doc map[string]any, from, to string) {
	if v := Delete(doc, from); v != nil {
		Set(doc, to, v)
	}
}
