package source

import (
	"encoding/json"
	"sort"
	"strconv"
)

// Flatten adds the leaves of a decoded JSON value (map[string]any, []any, string, float64 or json.Number,
// bool, nil, as encoding/json decodes them) to m the way Security Lake writes vendor fields under unmapped:
// the key is the path, names joined by dots ("captchaResponse.responseCode"), "[]" after the name of an array
// ("rateBasedRuleList[].limitKey", "sourceIPs[]"); the value is the text of the leaf, and the leaves of an
// array's elements that share a key are joined by commas in order ("MemoryPressure,DiskPressure"). Nulls,
// empty objects and empty arrays add nothing. prefix is the path of v ("" at the top; a top-level scalar needs
// one).
func Flatten(m map[string]string, prefix string, v any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			Flatten(m, p, x[k])
		}
	case []any:
		for _, el := range x {
			Flatten(m, prefix+"[]", el)
		}
	default:
		text := leaf(x)
		if prev, ok := m[prefix]; ok && isArrayPath(prefix) {
			text = prev + "," + text
		}
		m[prefix] = text
	}
}

func leaf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func isArrayPath(p string) bool {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '[' && p[i+1] == ']' {
			return true
		}
	}
	return false
}
