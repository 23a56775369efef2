package securityhub

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

// findings writes n findings: the golden Inspector finding, the compliance findings and the GuardDuty finding in
// turn, one per line, each with its own Id.
func findings(b *testing.B, n int) []byte {
	var samples []map[string]any
	for _, f := range []string{"testdata/vulnerability.jsonl", "testdata/compliance.json"} {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		d := json.NewDecoder(bytes.NewReader(data))
		for {
			var m map[string]any
			if err := d.Decode(&m); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			if fs, ok := m["Findings"].([]any); ok {
				for _, f := range fs {
					samples = append(samples, f.(map[string]any))
				}
			} else {
				samples = append(samples, m)
			}
		}
	}
	var out bytes.Buffer
	for i := range n {
		f := samples[i%len(samples)]
		f["Id"] = "finding-" + string(rune('a'+i%26)) + "-" + jsonNumber(i)
		line, _ := json.Marshal(f)
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func jsonNumber(i int) string { b, _ := json.Marshal(i); return string(b) }

const benchFindings = 5000

// BenchmarkNormalize normalizes findings, one per line. Run with -cpu 1: records/s is per CPU-second.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), findings(b, benchFindings), benchFindings)
}

// BenchmarkDecodeFloor is the floor: the same findings decoded with encoding/json into map[string]any, and
// nothing built.
func BenchmarkDecodeFloor(b *testing.B) {
	input := findings(b, benchFindings)
	sourcetest.DecodeFloor(b, input, benchFindings)
}
