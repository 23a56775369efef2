package jsonrec

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
)

// TestUnmappedAsFlatten checks that Unmapped writes what source.Flatten writes for the same document.
func TestUnmappedAsFlatten(t *testing.T) {
	doc := []byte(`{"captchaResponse": {"responseCode": 405, "solveTimestamp": 0, "failureReason": "TOKEN\u0020MISSING"},
		"rateBasedRuleList": [{"limitKey": "CUSTOMKEYS", "customValues": [{"key": "HEADER"}, {"key": "QUERY"}]}, {"limitKey": "IP"}],
		"status": {"conditions": [{"type": "MemoryPressure"}, {"type": "DiskPressure"}, {"type": "Ready"}]},
		"sourceIPs": ["12.0.22.33", "10.0.0.1"], "annotations": {"reason": "", "ok": true, "n": -1.5e3},
		"gone": null, "empty": {}, "none": [], "nested": [[1, 2], [3]]}`)
	var v any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	require.NoError(t, d.Decode(&v))
	want := map[string]string{}
	source.Flatten(want, "", v)

	var tr Tree
	root, err := tr.Parse(doc)
	require.NoError(t, err)
	u := Unmapped{Intern: func(b []byte) string { return string(b) }}
	for _, m := range tr.Members(root) {
		u.Flatten(&tr, string(m.Key), m.Val)
	}
	require.Equal(t, want, u.Map())
	require.Nil(t, u.Map(), "Map makes u ready for the next event")
}
