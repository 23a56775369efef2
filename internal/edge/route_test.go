package edge

import "testing"

func TestTargetOperation(t *testing.T) {
	const ct = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
	cases := []struct{ prefix, target, want string }{
		{ct, ct + ".LookupEvents", "LookupEvents"},
		{ct, "CloudTrail_20131101.LookupEvents", "LookupEvents"},
		{"TrentService", "TrentService.Decrypt", "Decrypt"},
		{"TrentService", "Decrypt", ""},
		{"TrentService", "OtherService.Decrypt", ""},
		{ct, "v20131101.CloudTrail_20131101.LookupEvents", "LookupEvents"},
		{ct, "Trail_20131101.LookupEvents", ""},
		{"TrentService", "", ""},
	}
	for _, c := range cases {
		if got := targetOperation(c.prefix, c.target); got != c.want {
			t.Errorf("targetOperation(%q, %q) = %q, want %q", c.prefix, c.target, got, c.want)
		}
	}
}
