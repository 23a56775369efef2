package eksaudit

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestCorpus normalizes every Kubernetes audit file of the shared corpus: well-formed events all become valid
// events that fit the eks_audit table; the records set aside are those that are not complete audit events.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "eks-k8s-audit")
	// Panther's rule tests are trimmed events, most without their timestamps (the object's time stands in):
	// 115 have no sourceIPs, 10 no verb, 1 no user, and those are set aside.
	panther := source.Object{Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	files := []sourcetest.CorpusFile{{Path: filepath.Join(dir, "panther-analysis", "panther_rule_tests.jsonl"),
		Object: panther, SetAside: 126}}
	falco, _ := filepath.Glob(filepath.Join(dir, "falco-trace-files", "*.json"))
	for _, f := range falco {
		files = append(files, sourcetest.CorpusFile{Path: f})
		if filepath.Base(f) == "fal_01_003.json" {
			files[len(files)-1].SetAside = 1 // {"kind": 0}, Falco's malformed event
		}
	}
	sourcetest.Corpus(t, New(), files)
}
