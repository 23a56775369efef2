package suricata

import (
	"bytes"
	"os"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// eve repeats the golden eve.json's 18 mapped events (alerts, drops, flows, netflow, dns, http, tls) to make
// n records.
func eve(b *testing.B, n int) []byte {
	data, err := os.ReadFile("testdata/events.json")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	mapped := bytes.Join(lines[:18], nil)
	return bytes.Repeat(mapped, n/18)
}

const benchRecords = 18 * 1000

// BenchmarkNormalize normalizes EVE records, one per line. Run with -cpu 1: records/s is per CPU-second.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), eve(b, benchRecords), benchRecords)
}

// BenchmarkDecodeFloor is the floor: the same records decoded with encoding/json into map[string]any.
func BenchmarkDecodeFloor(b *testing.B) {
	sourcetest.DecodeFloor(b, eve(b, benchRecords), benchRecords)
}
