package eventpattern

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
)

// reference collects an event's values with encoding/json, the slow way the scanner must agree with.
func reference(s *Set, event []byte) ([][]value, error) {
	d := json.NewDecoder(bytes.NewReader(event))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	vals := make([][]value, s.npaths)
	var walk func(t *trieNode, v any)
	walk = func(t *trieNode, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, sub := range x {
				if kt := t.kids[k]; kt != nil {
					walk(kt, sub)
				}
			}
			return
		case []any:
			for _, e := range x {
				walk(t, e)
			}
			return
		}
		if t.id < 0 {
			return
		}
		var val value
		switch x := v.(type) {
		case string:
			val = value{kind: kindString, str: x}
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			val = value{kind: kindNumber, str: string(x), num: f, ok: err == nil}
		case bool:
			val = value{kind: kindBool, str: strconv.FormatBool(x)}
		case nil:
			val = value{kind: kindNull}
		}
		vals[t.id] = append(vals[t.id], val)
	}
	walk(s.trie, doc)
	return vals, nil
}

// FuzzCompile checks that the parser never panics and that a pattern it accepts matches events the same way
// through the scanner and the Set's index as through encoding/json and trying every pattern.
func FuzzCompile(f *testing.F) {
	f.Add(`{"source": ["aws.s3"], "detail": {"object": {"key": [{"prefix": "logs/"}]}}}`, s3Event)
	f.Add(`{"$or": [{"a": [{"numeric": [">", 0, "<=", 5]}]}, {"b": [{"exists": false}]}]}`, `{"a": 3, "b": [1, {"c": 2}]}`)
	f.Add(`{"a": [{"anything-but": {"wildcard": ["x*", "*y"]}}, {"cidr": "10.0.0.0/8"}]}`, `{"a": ["10.1.2.3", "xy", "\u0041"]}`)
	f.Add(`{"a": {"b": [{"suffix": {"equals-ignore-case": ".PNG"}}, null, true, 1e3]}}`, `{"a": {"b": [null, false, 1000, "x.png"]}}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Compile(pattern)
		if err != nil {
			return
		}
		if _, err := p.Match([]byte(event)); err != nil && json.Valid([]byte(event)) && event[0] == '{' {
			t.Fatalf("Match refused a JSON object: %v", err)
		}
		var doc any
		if json.Unmarshal([]byte(event), &doc) != nil {
			return
		}
		if _, isObj := doc.(map[string]any); !isObj {
			return
		}
		canon, _ := json.Marshal(doc)
		set := NewSet([]*Pattern{p, must(t, `{"source": ["aws.s3"]}`), p})
		got, err2 := set.Match(canon, nil)
		if err2 != nil {
			t.Fatalf("scanner refused canonical JSON %q: %v", canon, err2)
		}
		vals, err := reference(set, canon)
		if err != nil {
			t.Fatal(err)
		}
		var want []int
		for i, r := range set.roots {
			if r.holds(vals) {
				want = append(want, i)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("Set.Match(%q) = %v; the reference finds %v", canon, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Set.Match(%q) = %v; the reference finds %v", canon, got, want)
			}
		}
	})
}

// FuzzMatch feeds arbitrary bytes to the scanner: it must never panic, and must refuse what encoding/json
// refuses when the bytes reach a field a pattern names.
func FuzzMatch(f *testing.F) {
	f.Add([]byte(s3Event))
	f.Add([]byte(`{"detail": {"a": [1, "x", {"b": null}]}, "source": "\u00e9"}`))
	p := NewSet([]*Pattern{must(f, `{"source": [{"prefix": ""}], "detail": {"a": [{"exists": true}]}}`)})
	f.Fuzz(func(t *testing.T, event []byte) {
		_, err := p.Match(event, nil)
		var doc any
		if err != nil && json.Unmarshal(event, &doc) == nil {
			if _, isObj := doc.(map[string]any); isObj {
				t.Fatalf("Match refused a JSON object: %v", err)
			}
		}
	})
}
