package suricata

import (
	"path/filepath"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestCorpus normalizes the 548 real alerts of the shared corpus (Suricata 4 alerts from public captures), as
// eve.json lines and as the pretty-printed JSON arrays they were published as: every alert becomes a valid
// Detection Finding.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "suricata-eve", "frankhassanabad-suricata-sample-data")
	var files []sourcetest.CorpusFile
	for _, set := range []string{"wrccdc-2018", "wrccdc-2017", "first-org-conf-2015", "honeypot-2018"} {
		files = append(files, sourcetest.CorpusFile{Path: filepath.Join(dir, set, "alerts-only.eve.ndjson")},
			sourcetest.CorpusFile{Path: filepath.Join(dir, set, "alerts-only.json")})
	}
	counts := sourcetest.Corpus(t, New(), files)
	if counts.Normalized != 2*548 {
		t.Errorf("%d alerts normalized, want %d", counts.Normalized, 2*548)
	}
}
