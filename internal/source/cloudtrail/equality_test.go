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
	"src_endpoint.svc_name": "OCSF's network_endpoint needs an address or a name and a domain is neither: a caller " +
		"that is a service (sourceIPAddress \"ecs.amazonaws.com\") is also written as svc_name",
	"src_endpoint.uid": "Amazon writes the empty vpcEndpointId (\"\") of the 1.5.0 sample as src_endpoint.uid; an " +
		"empty value names nothing, so we leave it out",
	"time_dt": "the 1.5.0 sample writes the UTC times of its input with a -04:00 offset without converting them " +
		"(eventTime 15:02:39Z becomes 15:02:39-04:00, four hours later); the 1.1.0 samples convert them, as we do",
	"actor.session.created_time_dt": "the 1.5.0 sample's offset without conversion, as for time_dt",
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
	// The team's 1.5.0 Account Change sample is another event (an ECS service role's DescribeTargetHealth, API
	// Activity): carried back to 1.1.0, where recipientAccountId is unmapped rather than cloud.account.uid.
	samples := filepath.Join(dir, "..", "..", "v1.5.0", "CloudTrail", "Account Change", "samples")
	raw, err := os.ReadFile(filepath.Join(samples, "account_change.raw"))
	require.NoError(t, err)
	out, err := os.ReadFile(filepath.Join(samples, "account_change.ocsf"))
	require.NoError(t, err)
	amazon, err := sourcetest.Decode(out)
	require.NoError(t, err)
	sourcetest.Set(amazon, "metadata.version", "1.1.0")
	sourcetest.Move(amazon, "cloud.account.uid", "unmapped.recipientAccountId")
	pairs = append(pairs, sourcetest.Pair{Name: "v1.5.0 Account Change/account_change.ocsf",
		Input: source.Object{Name: "account_change.raw", Body: bytes.NewReader(raw)}, Amazon: amazon})
	r := sourcetest.Equality(t, New(), pairs, explained)
	require.Greater(t, r.Rate(), 0.95)
}
