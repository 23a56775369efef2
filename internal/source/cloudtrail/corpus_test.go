package cloudtrail

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestCorpus normalizes every CloudTrail file of the shared corpus: well-formed events all become valid events
// that fit their tables; the records set aside are those that are not complete CloudTrail events.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "cloudtrail")
	path := func(p string) string { return filepath.Join(dir, p) }
	// The OTRF export dropped eventTime (Logstash moved it to @timestamp): the dataset's day is the object's time.
	otrf := source.Object{Time: time.Date(2020, 9, 14, 1, 19, 40, 0, time.UTC)}
	files := []sourcetest.CorpusFile{
		{Path: path("stratus-red-team-detonation-logs/ALL.Records.json")},
		{Path: path("opensearch-catalog/samples-large.extracted.Records.json")},
		{Path: path("opensearch-catalog/raw-sample.json")},
		{Path: path("otrf-security-datasets/ec2_proxy_s3_exfiltration.Records.json"), Object: otrf},
		{Path: path("otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json"), Object: otrf},
		// Two S3 examples of the documentation cut short: no sourceIPAddress.
		{Path: path("awsdocs/awsdocs-examples.Records.json"), SetAside: 2},
		{Path: path("awsdocs/digest-example-1.json"), SetAside: 1},
		{Path: path("awsdocs/digest-example-2.json"), SetAside: 1},
		{Path: path("elastic-integrations-ELv2/test-cloudtrail-digest-json.log"), SetAside: 1},
		// Panther's rule tests are partial events: 14 without eventName or eventSource, 12 without eventTime, 8
		// without a source, 3 with a placeholder for the time ("redacted", "..."), 1 without an identity.
		{Path: path("panther-analysis/panther_rule_tests.Records.json"), SetAside: 38},
		{Path: path("panther-analysis/panther_rule_tests.jsonl"), SetAside: 38},
		// Excerpts of the documentation without eventTime.
		{Path: path("_derived/data-events.Records.json"), SetAside: 9},
		{Path: path("_derived/insight-events.Records.json")},
	}
	scenarios, _ := filepath.Glob(path("panther-analysis/test_scenarios/*"))
	for _, s := range scenarios {
		files = append(files, sourcetest.CorpusFile{Path: s})
	}
	sourcetest.Corpus(t, New(), files)
}
