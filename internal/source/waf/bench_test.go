package waf

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// webACLLog writes n web ACL log lines like a busy ALB's: a few clients, headers, one rule in ten blocking.
func webACLLog(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		action, rule := "ALLOW", "Default_Action"
		if i%10 == 0 {
			action, rule = "BLOCK", "AWS-AWSManagedRulesSQLiRuleSet"
		}
		fmt.Fprintf(&b, `{"timestamp":%d,"formatVersion":1,"webaclId":"arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shop/0a1b2c3d-0001",`+
			`"terminatingRuleId":"%s","terminatingRuleType":"REGULAR","action":"%s","terminatingRuleMatchDetails":[],"httpSourceName":"ALB",`+
			`"httpSourceId":"111122223333-app/shop-alb/0a1b2c3d4e5f6001","ruleGroupList":[],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],`+
			`"requestHeadersInserted":null,"responseCodeSent":null,"httpRequest":{"clientIp":"198.51.100.%d","country":"NL","headers":[`+
			`{"name":"Host","value":"shop.example.com"},{"name":"User-Agent","value":"Mozilla/5.0 (X11; Linux x86_64)"},{"name":"Accept","value":"*/*"}],`+
			`"uri":"/item/%d","args":"","httpVersion":"HTTP/2.0","httpMethod":"GET","requestId":"1-65e6f0ce-%024d"},`+
			`"labels":[{"name":"awswaf:clientip:geo:country:NL"}]}`+"\n",
			1709633742000+int64(i), rule, action, i%250, i, i)
	}
	return b.Bytes()
}

const benchRecords = 20_000

// BenchmarkNormalize normalizes a web ACL log. Run with -cpu 1: records/s is per CPU-second.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), webACLLog(benchRecords), benchRecords)
}

// BenchmarkDecodeFloor is the floor: the same records decoded with encoding/json into map[string]any.
func BenchmarkDecodeFloor(b *testing.B) {
	sourcetest.DecodeFloor(b, webACLLog(benchRecords), benchRecords)
}
