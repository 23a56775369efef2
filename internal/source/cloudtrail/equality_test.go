package cloudtrail

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
	"dst_endpoint.svc_name": "OCSF requires Authentication to have a service or a dst_endpoint; Security Lake's " +
		"table has only dst_endpoint.svc_name, which we fill with eventSource when the event has no LoginTo",
}

// TestAmazonEquality feeds the raw events of the Security Lake team's OCSF 1.1.0 CloudTrail samples (API
// Activity, Account Change, Authentication) to the source and compares its events with Amazon's field by field.
func TestAmazonEquality(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "ocsf-output-examples", "ocsf-examples-security-lake", "mappings",
		"markdown", "AWS", "v1.1.0", "CloudTrail")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present")
	}
	var pairs []sourcetest.Pair
	for _, c := range []struct{ class, name string }{
		{"API Activity", "generic_api_activity"}, {"Account Change", "account_change"},
		{"Authentication", "authentication"},
	} {
		samples := filepath.Join(dir, c.class, "samples")
		raw, err := os.ReadFile(filepath.Join(samples, c.name+".raw"))
		require.NoError(t, err)
		out, err := os.ReadFile(filepath.Join(samples, c.name+".ocsf"))
		require.NoError(t, err)
		amazon, err := sourcetest.Decode(out)
		require.NoError(t, err)
		pairs = append(pairs, sourcetest.Pair{Name: c.class + "/" + c.name + ".ocsf",
			Input: source.Object{Name: c.name + ".raw", Body: bytes.NewReader(raw)}, Amazon: amazon})
	}
	r := sourcetest.Equality(t, New(), pairs, explained)
	require.Greater(t, r.Rate(), 0.95)
}
