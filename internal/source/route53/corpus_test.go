package route53

import (
	"path/filepath"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestCorpus normalizes every Route 53 Resolver query log of the shared corpus: every record becomes a valid
// event that fits the route53 table.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "route53-resolver")
	files := []sourcetest.CorpusFile{
		{Path: filepath.Join(dir, "awsdocs", "resolver-query-log-examples.jsonl")},
		{Path: filepath.Join(dir, "elastic-integrations-ELv2", "test-route53.log")},
		// Panther's rule tests: "answers" is sometimes one object, and query_timestamp has a space and no zone.
		{Path: filepath.Join(dir, "panther-analysis", "panther_rule_tests.jsonl")},
	}
	counts := sourcetest.Corpus(t, New(), files)
	if counts.Normalized < 40 {
		t.Errorf("only %d records normalized", counts.Normalized)
	}
}
