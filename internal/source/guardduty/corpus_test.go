package guardduty

import (
	"path/filepath"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestCorpus normalizes the GuardDuty findings of the shared corpus (Panther's rule tests: native findings,
// attack sequences and API call findings): every finding becomes a valid event.
func TestCorpus(t *testing.T) {
	files := []sourcetest.CorpusFile{
		{Path: filepath.Join(sourcetest.CorpusDir(), "other-aws", "guardduty", "panther-analysis", "panther_rule_tests.jsonl")},
	}
	counts := sourcetest.Corpus(t, New(), files)
	if counts.Normalized < 8 {
		t.Errorf("only %d findings normalized", counts.Normalized)
	}
}
