package route53

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// queryLog writes n query log lines, like those of a VPC's resolver: a few instances, many names.
func queryLog(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-0a1b2c3d4e5f6%04d",`+
			`"query_timestamp":"2024-03-05T10:%02d:%02dZ","query_name":"host%d.example.com.","query_type":"A","query_class":"IN",`+
			`"rcode":"NOERROR","answers":[{"Rdata":"192.0.2.%d","Type":"A","Class":"IN"}],"srcaddr":"10.0.%d.%d","srcport":"%d",`+
			`"transport":"UDP","srcids":{"instance":"i-0a1b2c3d4e5f6%04d"}}`+"\n",
			i%4, i/60%60, i%60, i, i%250, i%16, i%250, 1024+i%60000, i%64)
	}
	return b.Bytes()
}

const benchRecords = 20_000

// BenchmarkNormalize normalizes a query log. Run with -cpu 1: records/s is per CPU-second.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), queryLog(benchRecords), benchRecords)
}

// BenchmarkDecodeFloor is the floor to compare Normalize with: the same input decoded with encoding/json into
// map[string]any, record by record, and nothing built.
func BenchmarkDecodeFloor(b *testing.B) {
	input := queryLog(benchRecords)
	sourcetest.DecodeFloor(b, input, benchRecords)
}
