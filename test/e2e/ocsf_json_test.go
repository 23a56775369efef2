package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOCSFNormalizeJSONSources runs the binary on each JSON source's input as a user would: Route 53 Resolver
// query logs, Security Hub findings in a GetFindings response, WAF logs and GuardDuty findings in an EventBridge
// event, normalized and then validated against the Security Lake table they go to.
func TestOCSFNormalizeJSONSources(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		source, table, input string
		class                float64
	}{
		{"route53", "route53", `{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-0a1b2c3d4e5f60001","query_timestamp":"2024-03-05T10:15:42Z","query_name":"www.example.com.","query_type":"A","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"10.0.1.15","srcport":"53211","transport":"UDP","srcids":{"instance":"i-0a1b2c3d4e5f60001"}}`, 4003},
		{"SH_FINDINGS", "sh_findings", `{"Findings":[{"SchemaVersion":"2018-10-08","Id":"arn:aws:securityhub:us-east-1:111122223333:security-control/S3.1/finding/1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/securityhub","ProductName":"Security Hub","CompanyName":"AWS","GeneratorId":"security-control/S3.1","AwsAccountId":"111122223333","Region":"us-east-1","CreatedAt":"2024-02-01T08:00:00Z","UpdatedAt":"2024-03-01T08:00:00Z","Severity":{"Label":"MEDIUM"},"Title":"S3.1","Description":"d","Resources":[{"Type":"AwsAccount","Id":"AWS::::Account:111122223333"}],"Compliance":{"Status":"FAILED","SecurityControlId":"S3.1","AssociatedStandards":[{"StandardsId":"standards/aws-foundational-security-best-practices/v/1.0.0"}]},"Workflow":{"Status":"NEW"}}],"NextToken":null}`, 2003},
		{"waf", "waf", `{"timestamp":1709633743000,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:111122223333:regional/webacl/shop/1","terminatingRuleId":"SQLi","terminatingRuleType":"MANAGED_RULE_GROUP","action":"BLOCK","httpSourceName":"ALB","httpSourceId":"alb-1","responseCodeSent":403,"httpRequest":{"clientIp":"198.51.100.7","country":"US","headers":[{"name":"Host","value":"shop.example.com"}],"uri":"/search","args":"q=1","httpVersion":"HTTP/1.1","httpMethod":"POST","requestId":"r-1"}}`, 4002},
		{"guardduty", "", `{"version":"0","id":"e-1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"111122223333","time":"2024-05-06T00:00:00Z","region":"us-east-1","resources":[],"detail":{"schemaVersion":"2.0","accountId":"111122223333","region":"us-east-1","partition":"aws","id":"f-1","arn":"arn:aws:guardduty:us-east-1:111122223333:detector/d-1/finding/f-1","type":"Recon:EC2/PortProbeUnprotectedPort","resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-0a1b2c3d4e5f60002"}},"service":{"detectorId":"d-1","action":{"portProbeAction":{"portProbeDetails":[{"localPortDetails":{"port":22},"remoteIpDetails":{"ipAddressV4":"192.0.2.10"}}]}}},"severity":5,"createdAt":"2024-05-06T00:00:00Z","updatedAt":"2024-05-06T00:00:00Z","title":"Port probe","description":"d"}}`, 2004},
	} {
		out, errOut, code := runSeclakeIO(t, tc.input+"\n", "ocsf", "normalize", "--source", tc.source)
		require.Equal(t, 0, code, tc.source+": "+errOut)
		require.Contains(t, errOut, "1 records read, 1 normalized into 1 events, 0 set aside", tc.source)
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(out)), &ev), tc.source)
		require.Equal(t, tc.class, ev["class_uid"], tc.source)
		require.Equal(t, "1.1.0", ev["metadata"].(map[string]any)["version"], tc.source)

		file := filepath.Join(dir, tc.source+".ocsf.jsonl")
		require.NoError(t, os.WriteFile(file, []byte(out), 0o644))
		args := []string{"ocsf", "validate", file}
		if tc.table != "" {
			args = []string{"ocsf", "validate", "--table", tc.table, file}
		}
		out, errOut, code = runSeclakeIO(t, "", args...)
		require.Equal(t, 0, code, tc.source+": "+out+errOut)
		require.Contains(t, out, "1 event, 1 valid, 0 with problems", tc.source)
	}

	// A record that is not JSON is set aside with its number; the rest goes on.
	_, errOut, code := runSeclakeIO(t, "not json\n{\"timestamp\":1709633743000,\"action\":\"ALLOW\",\"httpSourceId\":\"a\",\"httpRequest\":{\"clientIp\":\"192.0.2.1\",\"uri\":\"/\",\"httpMethod\":\"GET\"}}\n",
		"ocsf", "normalize", "--source", "waf")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "-:1: set aside: not a JSON object")
	require.Contains(t, errOut, "2 records read, 1 normalized into 1 events, 1 set aside")
}
