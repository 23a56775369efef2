package shape

import "testing"

// FuzzFitJSON checks that Fit never panics, whatever the JSON.
func FuzzFitJSON(f *testing.F) {
	for _, seed := range []string{`{}`, `[]`, `{"src_endpoint":{"port":1e99},"unmapped":{"a":{}},"observables":[1,null]}`,
		`{"evidences":[{"src_endpoint":{"location":{"coordinates":["x",1.5e300]}}}]}`} {
		f.Add([]byte(seed))
	}
	tables := Tables()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tb := range tables {
			tb.FitJSON(data)
		}
	})
}
