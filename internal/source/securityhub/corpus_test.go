package securityhub

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// setAside are the corpus files that hold records that are not findings, with how many.
var setAside = map[string]int{
	// The Automated Security Response's notification message, not a finding.
	"automated-security-response-on-aws/source/Orchestrator/test/test_data/notifier.json": 1,
}

// TestCorpus normalizes the Security Hub findings of the shared corpus: the AWS documentation's examples,
// Heimdall's Prowler and Trivy exports, Panther's rule tests and the Automated Security Response's test
// findings. Every finding becomes a valid event that fits the sh_findings table.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "securityhub-asff")
	var paths []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.Contains(filepath.Base(p), "json") {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	if len(paths) == 0 {
		paths = []string{filepath.Join(dir, "awsdocs", "example-01.json")} // Corpus skips when absent
	}
	var files []sourcetest.CorpusFile
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		files = append(files, sourcetest.CorpusFile{Path: p, SetAside: setAside[filepath.ToSlash(rel)]})
	}
	counts := sourcetest.Corpus(t, New(), files)
	if counts.Normalized < 150 {
		t.Errorf("only %d findings normalized", counts.Normalized)
	}
}
