package networkfirewall

import (
	"path/filepath"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestCorpus normalizes the Network Firewall logs of the shared corpus: OpenSearch's 13 records (as lines and
// as the JSON array they were published as) and Elastic's 3 test records (ELv2: read here, never copied), with
// nothing set aside.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "network-firewall")
	files := []sourcetest.CorpusFile{
		{Path: filepath.Join(dir, "opensearch-catalog", "sample.ndjson")},
		{Path: filepath.Join(dir, "opensearch-catalog", "sample.json")},
		{Path: filepath.Join(dir, "elastic-integrations-ELv2", "test-firewall.log")},
	}
	counts := sourcetest.Corpus(t, New(), files)
	if counts.Normalized != 13+13+3 {
		t.Errorf("%d records normalized, want %d", counts.Normalized, 13+13+3)
	}
}
