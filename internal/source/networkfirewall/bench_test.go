package networkfirewall

import (
	"bytes"
	"os"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// logs repeats the golden log's 7 mapped records (netflow, alerts with http, dns and tls, a tls event) to make
// n records.
func logs(b *testing.B, n int) []byte {
	data, err := os.ReadFile("testdata/logs.json")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	return bytes.Repeat(bytes.Join(lines[:7], nil), n/7)
}

const benchRecords = 7 * 2000

// BenchmarkNormalize normalizes Network Firewall records, one per line. Run with -cpu 1: records/s is per
// CPU-second.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), logs(b, benchRecords), benchRecords)
}

// BenchmarkDecodeFloor is the floor: the same records decoded with encoding/json into map[string]any.
func BenchmarkDecodeFloor(b *testing.B) {
	sourcetest.DecodeFloor(b, logs(b, benchRecords), benchRecords)
}
