package ocsf

import (
	"encoding/json"
	"testing"
)

// FuzzValidateJSON checks that the validator never panics, whatever the JSON.
func FuzzValidateJSON(f *testing.F) {
	valid, _ := json.Marshal(flow())
	for _, seed := range []string{string(valid), `{}`, `[]`, `{"class_uid":4001,"metadata":{"profiles":["cloud",1]}}`,
		`{"class_uid":6003,"observables":[null,{"type_id":"x"}],"unmapped":{"a":[1,{"b":null}]}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range ValidateJSON(data) {
			_ = p.String()
		}
		var d Datetime
		_ = d.UnmarshalJSON(data)
	})
}
