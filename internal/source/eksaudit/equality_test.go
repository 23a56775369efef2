package eksaudit

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
	"src_endpoint.ip": "the anonymized input has \"12.000.22.33\", which Amazon copies; leading zeros make it an invalid " +
		"ip_t, so we read the octets as decimal",
	"observables[1].value": "the observable of src_endpoint.ip (see there)",
}

// TestAmazonEquality feeds the input of Amazon's EKS audit sample (the Security Lake team's eks.raw) to the
// source and compares its event field by field with Amazon's output: the team's eks.ocsf, and AWS's validation
// sample (samples/1.1.0/EKS, the same event as Security Lake wrote it to Parquet, rendered as JSON).
func TestAmazonEquality(t *testing.T) {
	corpus := filepath.Join(sourcetest.CorpusDir(), "ocsf-output-examples")
	dir := filepath.Join(corpus, "ocsf-examples-security-lake", "mappings", "markdown", "AWS", "v1.1.0", "EKS Audit Logs", "samples")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present")
	}
	raw := read(t, filepath.Join(dir, "eks.raw"))
	input := func() source.Object { return source.Object{Name: "eks.raw", Body: bytes.NewReader(raw)} }
	team, err := sourcetest.Decode(read(t, filepath.Join(dir, "eks.ocsf")))
	require.NoError(t, err)
	validation, err := sourcetest.Decode(read(t, filepath.Join(corpus, "security-lake-ocsf-validation-samples", "samples", "1.1.0", "EKS", "test.parquet.jsonl")))
	require.NoError(t, err)
	fromParquet(validation)
	r := sourcetest.Equality(t, New(), []sourcetest.Pair{
		{Name: "ocsf-examples eks.ocsf", Input: input(), Amazon: team},
		{Name: "validation samples 1.1.0/EKS", Input: input(), Amazon: validation},
	}, explained)
	require.Greater(t, r.Rate(), 0.95)
}

// fromParquet undoes the Parquet-to-JSON rendering of AWS's validation sample: lists as {"array": […]}, and
// groups written as their names (the table's actor.user.groups holds name only).
func fromParquet(doc map[string]any) {
	for _, path := range []string{"resources", "observables"} {
		if m, ok := sourcetest.Get(doc, path).(map[string]any); ok {
			sourcetest.Set(doc, path, m["array"])
		}
	}
	if groups, ok := sourcetest.Get(doc, "actor.user.groups").([]any); ok {
		for i, g := range groups {
			groups[i] = map[string]any{"name": g}
		}
	}
}

func read(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
