package eventbus

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// step is one step of a JSON path: a field name, or an index when field is empty.
type step struct {
	field string
	index int
}

var pathStep = regexp.MustCompile(`^(?:\.([A-Za-z0-9_\-@$]+)|\[(\d+)\]|\['([^']+)'\])`)

// parsePath parses the JSON paths EventBridge accepts in InputPath and InputPathsMap: "$", "$.detail.a",
// "$.resources[0]", "$['detail-type']".
func parsePath(p string) ([]step, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, errors.New("a JSON path starts with $")
	}
	rest := p[1:]
	var out []step
	for rest != "" {
		m := pathStep.FindStringSubmatch(rest)
		if m == nil {
			return nil, fmt.Errorf("%q is not a JSON path EventBridge accepts", p)
		}
		switch {
		case m[1] != "":
			out = append(out, step{field: m[1]})
		case m[3] != "":
			out = append(out, step{field: m[3]})
		default:
			n, _ := strconv.Atoi(m[2])
			out = append(out, step{index: n})
		}
		rest = rest[len(m[0]):]
	}
	return out, nil
}

// lookup follows a path in a decoded event; ok is false when it leads nowhere.
func lookup(doc any, path []step) (any, bool) {
	for _, st := range path {
		switch v := doc.(type) {
		case map[string]any:
			if st.field == "" {
				return nil, false
			}
			x, ok := v[st.field]
			if !ok {
				return nil, false
			}
			doc = x
		case []any:
			if st.field != "" || st.index >= len(v) {
				return nil, false
			}
			doc = v[st.index]
		default:
			return nil, false
		}
	}
	return doc, true
}

var placeholder = regexp.MustCompile(`<([A-Za-z0-9_.\-]+)>`)

// checkTransformer validates an InputTransformer: its paths parse, and each placeholder is mapped or reserved.
func checkTransformer(t *InputTransformer) error {
	if t.InputTemplate == "" {
		return errors.New("InputTemplate is required")
	}
	if len(t.InputPathsMap) > 100 {
		return errors.New("InputPathsMap holds at most 100 paths")
	}
	for name, p := range t.InputPathsMap {
		if strings.HasPrefix(name, "aws.events.") {
			return fmt.Errorf("%s is a reserved name", name)
		}
		if _, err := parsePath(p); err != nil {
			return err
		}
	}
	for _, m := range placeholder.FindAllStringSubmatch(t.InputTemplate, -1) {
		if _, ok := t.InputPathsMap[m[1]]; !ok && !reserved(m[1]) {
			return fmt.Errorf("placeholder <%s> is not in InputPathsMap", m[1])
		}
	}
	return nil
}

func reserved(name string) bool {
	switch name {
	case "aws.events.rule-arn", "aws.events.rule-name", "aws.events.event", "aws.events.event.json",
		"aws.events.event.ingestion-time":
		return true
	}
	return false
}

// input is what a target receives for an event: the event itself, Input, the part InputPath selects, or what
// InputTransformer builds.
func input(t *Target, rule *Rule, event []byte, ingested string) ([]byte, error) {
	switch {
	case t.Input != "":
		return []byte(t.Input), nil
	case t.InputPath == "" && t.InputTransformer == nil:
		return event, nil
	}
	var doc any
	if err := json.Unmarshal(event, &doc); err != nil {
		return nil, err
	}
	if t.InputPath != "" {
		path, err := parsePath(t.InputPath)
		if err != nil {
			return nil, err
		}
		v, ok := lookup(doc, path)
		if !ok {
			return []byte("null"), nil
		}
		return json.Marshal(v)
	}
	vals := map[string]any{"aws.events.rule-arn": rule.ARN, "aws.events.rule-name": rule.Name,
		"aws.events.event.ingestion-time": ingested}
	for name, p := range t.InputTransformer.InputPathsMap {
		path, err := parsePath(p)
		if err != nil {
			return nil, err
		}
		if v, ok := lookup(doc, path); ok {
			vals[name] = v
		}
	}
	return render(t.InputTransformer.InputTemplate, vals, event), nil
}

// render fills a template's placeholders: inside a JSON string, a string value's text (escaped); elsewhere the
// value's JSON. Unknown values become empty inside strings and null elsewhere.
func render(tpl string, vals map[string]any, event []byte) []byte {
	var out []byte
	inString := false
	for i := 0; i < len(tpl); {
		c := tpl[i]
		if c == '<' {
			if m := placeholder.FindStringSubmatchIndex(tpl[i:]); m != nil && m[0] == 0 {
				name := tpl[i+m[2] : i+m[3]]
				out = appendValue(out, name, vals, event, inString)
				i += m[1]
				continue
			}
		}
		if c == '\\' && i+1 < len(tpl) {
			out = append(out, c, tpl[i+1])
			i += 2
			continue
		}
		if c == '"' {
			inString = !inString
		}
		out = append(out, c)
		i++
	}
	return out
}

func appendValue(out []byte, name string, vals map[string]any, event []byte, inString bool) []byte {
	if name == "aws.events.event" || name == "aws.events.event.json" {
		if inString {
			b, _ := json.Marshal(string(event))
			return append(out, b[1:len(b)-1]...)
		}
		return append(out, event...)
	}
	v, ok := vals[name]
	if inString {
		if !ok || v == nil {
			return out
		}
		s, isStr := v.(string)
		if !isStr {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		b, _ := json.Marshal(s)
		return append(out, b[1:len(b)-1]...)
	}
	b, _ := json.Marshal(v)
	return append(out, b...)
}

func validJSON(s string) bool { return json.Valid([]byte(s)) }
