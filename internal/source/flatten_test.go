package source

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlattenAsSecurityLake(t *testing.T) {
	var v any
	require.NoError(t, json.Unmarshal([]byte(`{
		"captchaResponse": {"responseCode": 405, "solveTimestamp": 0, "failureReason": "TOKEN_MISSING"},
		"rateBasedRuleList": [{"limitKey": "CUSTOMKEYS", "customValues": [{"key": "HEADER"}]}],
		"status": {"conditions": [{"type": "MemoryPressure"}, {"type": "DiskPressure"}, {"type": "Ready"}]},
		"sourceIPs": ["12.0.22.33"], "annotations": {"reason": "", "ok": true}, "gone": null, "empty": {}, "none": []
	}`), &v))
	m := map[string]string{}
	Flatten(m, "", v)
	require.Equal(t, map[string]string{
		"captchaResponse.responseCode": "405", "captchaResponse.solveTimestamp": "0",
		"captchaResponse.failureReason": "TOKEN_MISSING", "rateBasedRuleList[].limitKey": "CUSTOMKEYS",
		"rateBasedRuleList[].customValues[].key": "HEADER", "status.conditions[].type": "MemoryPressure,DiskPressure,Ready",
		"sourceIPs[]": "12.0.22.33", "annotations.reason": "", "annotations.ok": "true",
	}, m)
	Flatten(m, "recipientAccountId", "111122223333")
	require.Equal(t, "111122223333", m["recipientAccountId"])
}
