package waf

import (
	"path/filepath"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestCorpus normalizes every WAF log of the shared corpus: every record becomes a valid event that fits the
// waf table.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "waf")
	files := []sourcetest.CorpusFile{
		{Path: filepath.Join(dir, "awsdocs", "waf-log-examples.jsonl")},
		{Path: filepath.Join(dir, "opensearch-catalog", "raw.log")},
		{Path: filepath.Join(dir, "panther-analysis", "panther_rule_tests.jsonl")},
	}
	counts := sourcetest.Corpus(t, New(), files)
	if counts.Normalized < 70 {
		t.Errorf("only %d records normalized", counts.Normalized)
	}
}
