package waf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// explained are the differences from Amazon's output that the source keeps, and why. The package comment lists
// them too.
var explained = sourcetest.Known{
	"observables[].type_id": "Amazon writes type_id 2 (IP Address) beside the caption \"Resource UID\"; we write " +
		"Resource UID's 10, so that the pair is valid",
	"http_request.args": "Amazon writes the empty args \"\"; OCSF strings are absent when empty here",
}

// TestAmazonEquality feeds the Security Lake team's OCSF 1.1.0 WAF sample to the source and compares field by
// field.
func TestAmazonEquality(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "ocsf-output-examples", "ocsf-examples-security-lake", "mappings",
		"markdown", "AWS", "v1.1.0", "WAF", "Samples")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present")
	}
	amazon, err := sourcetest.Decode(read(t, filepath.Join(dir, "waf.ocsf")))
	require.NoError(t, err)
	pairs := []sourcetest.Pair{{Name: "v1.1.0/waf.ocsf",
		Input: source.Object{Name: "waf.raw", Body: bytes.NewReader(read(t, filepath.Join(dir, "waf.raw")))}, Amazon: amazon}}
	r := sourcetest.Equality(t, New(), pairs, explained)
	require.Greater(t, r.Rate(), 0.95)
}

func read(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
