package vpcflow

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// Formats of the corpus files without a header line, as the AWS documentation and the Elastic tests give them.
const (
	v3Format     = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status"
	natFormat    = "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status"
	docsV5Format = "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status"
	allV5Format  = defaultFormat + " vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
	ecsFormat    = allV5Format + " ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id"
	tgwFormat    = "version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service"
)

// TestCorpus normalizes every VPC flow log of the shared corpus: well-formed records all become valid events
// that fit the vpc_flow table; only the records that are not flow log records are set aside.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sourcetest.CorpusDir(), "vpc-flow")
	docs := func(n string) string { return filepath.Join(dir, "awsdocs", "example-"+n+".log") }
	elastic := func(n string) string { return filepath.Join(dir, "elastic-integrations-ELv2", n) }
	format := func(f string) source.Object { return source.Object{Format: f} }
	// The NAT gateway examples' format has no start or end: their time is the object's.
	nat := source.Object{Format: natFormat, Time: time.Date(2023, 11, 14, 22, 15, 0, 0, time.UTC)}
	files := []sourcetest.CorpusFile{
		{Path: docs("02")}, {Path: docs("03")}, {Path: docs("04")}, {Path: docs("05")}, {Path: docs("06")},
		{Path: docs("07")}, {Path: docs("08")},
		{Path: docs("09"), Object: format(v3Format)}, {Path: docs("10"), Object: format(v3Format)},
		{Path: docs("11"), Object: format(v3Format)},
		{Path: docs("12"), Object: nat, SetAside: 1}, // the "..." line of the documentation
		{Path: docs("13"), Object: nat}, {Path: docs("14"), Object: nat},
		{Path: docs("15"), Object: format(docsV5Format)},
		// An EFA illustration with MAC addresses and camelCase names, not a flow log file: header and record.
		{Path: docs("01"), SetAside: 2},
		{Path: elastic("test-extra-samples.log")},
		{Path: elastic("test-v5-all-fields.log"), Object: format(allV5Format)},
		{Path: elastic("test-tcp-flag-sequence.log")},
		{Path: elastic("test-tgw-samples.log"), Object: format(tgwFormat)},
		{Path: elastic("test-ecs-samples.log"), Object: format(ecsFormat)},
		{Path: elastic("test-v8-samples.log"), Object: format(ecsFormat + " reject-reason")},
		// A CloudWatch Logs export ({"message": "…"}), not a flow log line.
		{Path: elastic("test-with-message-field.log"), SetAside: 1},
		{Path: filepath.Join(dir, "panther-analysis", "test_scenarios", "compromised-root-creds__attacker_vpc.log")},
	}
	sourcetest.Corpus(t, New(), files)
}
