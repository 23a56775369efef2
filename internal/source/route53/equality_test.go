package route53

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// explained are the differences from Amazon's output that the source keeps, and why. The package comment lists
// them too.
var explained = sourcetest.Known{
	"observables[]": "observables: Amazon's 1.0.0-rc.2 output has none; the 1.1.0 mapping lists hostnames, IP " +
		"addresses and instance IDs, as we do",
	"disposition": "1.0.0-rc.2 wrote \"No Action\" for a DNS Firewall ALERT; the 1.1.0 sample writes \"Alert\", as we do",
}

// TestAmazonEquality feeds the inputs of Amazon's Route 53 output to the source and compares field by field: the
// four records of AWS's validation samples (OCSF 1.0.0-rc.2, carried to 1.1.0 by the 1.1.0 mapping), and the
// Security Lake team's 1.1.0 sample.
func TestAmazonEquality(t *testing.T) {
	corpus := filepath.Join(sourcetest.CorpusDir(), "ocsf-output-examples")
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("corpus not present")
	}
	var pairs []sourcetest.Pair
	samples := filepath.Join(corpus, "security-lake-ocsf-validation-samples", "samples", "1.0.0-rc.2", "ROUTE53")
	for i := range 4 {
		in := filepath.Join(samples, "inputs", fmt.Sprintf("route53-inputs%d.json.gz", i))
		out := filepath.Join(samples, fmt.Sprintf("example%d.json.gz.parquet.jsonl", i))
		pairs = append(pairs, sourcetest.Pair{Name: filepath.Base(out),
			Input:  source.Object{Name: filepath.Base(in), Body: bytes.NewReader(read(t, in))},
			Amazon: carryRC2(t, read(t, out))})
	}
	dir := filepath.Join(corpus, "ocsf-examples-security-lake", "mappings", "markdown", "AWS", "v1.1.0", "Route53", "samples")
	amazon, err := sourcetest.Decode(read(t, filepath.Join(dir, "route53.ocsf")))
	require.NoError(t, err)
	pairs = append(pairs, sourcetest.Pair{Name: "v1.1.0/route53.ocsf",
		Input: source.Object{Name: "route53.raw", Body: bytes.NewReader(read(t, filepath.Join(dir, "route53.raw")))}, Amazon: amazon})
	r := sourcetest.Equality(t, New(), pairs, explained)
	require.Greater(t, r.Rate(), 0.95)
}

// carryRC2 carries Amazon's OCSF 1.0.0-rc.2 output to 1.1.0 as the Security Lake team's 1.1.0 mapping and the
// route53 2.0 table do it: cloud.account_uid becomes cloud.account.uid; the activity is Traffic whatever the
// rcode; firewall_rule_group_id leaves unmapped for firewall_rule.uid; disposition_id gives way to action_id
// and action (security_control in 1.1.0: BLOCK is Denied, ALERT Allowed); time gains time_dt (the datetime
// profile); metadata.version is 1.1.0. The parquet rendering's {"array": […]} wrapper of answers is removed.
func carryRC2(t *testing.T, data []byte) map[string]any {
	doc, err := sourcetest.Decode(data)
	require.NoError(t, err)
	sourcetest.Set(doc, "metadata.version", "1.1.0")
	profiles := sourcetest.Get(doc, "metadata.profiles").([]any)
	sourcetest.Set(doc, "metadata.profiles", append(profiles, "datetime"))
	sourcetest.Move(doc, "cloud.account_uid", "cloud.account.uid")
	sourcetest.Move(doc, "answers.array", "answers")
	sourcetest.Set(doc, "activity_id", json.Number("6"))
	sourcetest.Set(doc, "activity_name", "Traffic")
	sourcetest.Set(doc, "type_uid", json.Number("400306"))
	sourcetest.Set(doc, "type_name", "DNS Activity: Traffic")
	sourcetest.Move(doc, "unmapped.firewall_rule_group_id", "firewall_rule.uid")
	ms, err := sourcetest.Get(doc, "time").(json.Number).Int64()
	require.NoError(t, err)
	sourcetest.Set(doc, "time_dt", time.UnixMilli(ms).UTC().Format(time.RFC3339Nano))
	switch id := sourcetest.Delete(doc, "disposition_id").(json.Number); id {
	case "2":
		sourcetest.Set(doc, "action_id", json.Number("2"))
		sourcetest.Set(doc, "action", "Denied")
	default:
		sourcetest.Set(doc, "action_id", json.Number("1"))
		sourcetest.Set(doc, "action", "Allowed")
	}
	return doc
}

func read(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		b, err = io.ReadAll(zr)
		require.NoError(t, err)
	}
	return b
}
