package securityhub

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
	"evidences[]": "Amazon derives the GuardDuty finding's evidences from its ProductFields; we keep ProductFields " +
		"under unmapped as they are",
	"observables[]": "Amazon's GuardDuty sample lists the evidence's IP address first (evidences[].src_endpoint.ip), " +
		"then the resource; we make no evidences, so the resource comes first",
	"metadata.extensions[]": "Amazon's sample declares a linux extension and profile that the finding does not use",
	"metadata.profiles[]":   "Amazon's sample declares a linux extension and profile that the finding does not use",
	"unmapped": "unmapped: the fields Amazon turns into evidences (GuardDuty's ProductFields …/action/…) stay " +
		"under unmapped with us",
}

// TestAmazonEquality feeds the Security Lake team's three OCSF 1.1.0 Security Hub samples (a Security Hub
// control, an Inspector vulnerability, a GuardDuty detection) to the source and compares field by field.
// (AWS's validation samples for SH_FINDINGS are OCSF 1.0.0-rc.2 Security Findings, 2001, a class source version
// 2.0 no longer writes: they are not compared.)
func TestAmazonEquality(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "ocsf-output-examples", "ocsf-examples-security-lake", "mappings",
		"markdown", "AWS", "v1.1.0", "Security Hub")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present")
	}
	var pairs []sourcetest.Pair
	for _, s := range []struct{ class, name string }{
		{"Compliance Finding", "sechub-pci"}, {"Vulnerability Finding", "inspector"}, {"Detection Finding", "sechub-guardduty"},
	} {
		samples := filepath.Join(dir, s.class, "samples")
		amazon, err := sourcetest.Decode(read(t, filepath.Join(samples, s.name+".ocsf")))
		require.NoError(t, err)
		pairs = append(pairs, sourcetest.Pair{Name: s.name + ".ocsf",
			Input: source.Object{Name: s.name + ".raw", Body: bytes.NewReader(read(t, filepath.Join(samples, s.name+".raw")))}, Amazon: amazon})
	}
	r := sourcetest.Equality(t, New(), pairs, explained)
	require.Greater(t, r.Rate(), 0.9)
}

func read(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
