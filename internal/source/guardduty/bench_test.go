package guardduty

import (
	"bytes"
	"os"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// export repeats the golden S3 export's four findings (API call, SSH brute force, DNS, port probe) n/4 times.
func export(b *testing.B, n int) []byte {
	lines, err := os.ReadFile("testdata/export.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Repeat(lines, n/4)
}

const benchFindings = 8000

// BenchmarkNormalize normalizes findings, one per line. Run with -cpu 1: records/s is per CPU-second.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), export(b, benchFindings), benchFindings)
}

// BenchmarkDecodeFloor is the floor: the same findings decoded with encoding/json into map[string]any.
func BenchmarkDecodeFloor(b *testing.B) {
	sourcetest.DecodeFloor(b, export(b, benchFindings), benchFindings)
}
