package lakeformation

import (
	"strings"
	"testing"
)

var tableCols = []string{"accountid", "region", "actor", "api", "time", "severity_id", "class_uid"}

func TestParseFilterAccepts(t *testing.T) {
	for _, src := range []string{
		"accountid = '123456789012'",
		"region IN ('us-east-1', 'eu-west-1') AND NOT severity_id > 3",
		`actor.user.name LIKE 'adm%' OR "api".operation IS NOT NULL`,
		"time BETWEEN 1 AND 2 * 3",
		"lower(region) <> 'x' AND (class_uid = 3002 OR class_uid NOT IN (6003))",
		"TRUE",
		"severity_id - 1 >= -4.5e2",
		"region = 'it''s'",
	} {
		e, err := ParseFilter(src, tableCols)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		again, err := ParseFilter(e.String(), tableCols)
		if err != nil || again.String() != e.String() {
			t.Errorf("%s printed as %s does not parse back the same: %v", src, e.String(), err)
		}
	}
}

func TestParseFilterRefuses(t *testing.T) {
	for src, want := range map[string]string{
		"":                      "empty",
		"accountid":             "", // a bare column may be boolean: accepted below
		"1 + 2":                 "not a boolean",
		"'abc'":                 "not a boolean",
		"nosuch = 1":            "nosuch",
		"accountid = ":          "unexpected",
		"accountid = 'x":        "not closed",
		"region = 1 AND 2":      "boolean operands",
		"region NOT 3":          "expected IN, LIKE or BETWEEN",
		"region IS 3":           "expected NULL",
		"(region = 'a'":         "expected \")\"",
		"region = 'a' region":   "should end there",
		"region BETWEEN 1 OR 2": "expected AND",
		"region ; drop":         "unexpected character",
		strings.Repeat("(", 100) + "region = 1" + strings.Repeat(")", 100): "nests deeper",
	} {
		_, err := ParseFilter(src, tableCols)
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", src, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error with %q", src, err, want)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"accountid = '1'", "a IN (1,2) OR NOT b LIKE 'x%'", "f(a, -b) BETWEEN 1 AND 2", `"x"."y" IS NULL`, "((a))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := ParseFilter(src, nil)
		if err != nil {
			return
		}
		printed := e.String()
		again, err := ParseFilter(printed, nil)
		if err != nil {
			t.Fatalf("printed form %q of an accepted expression does not parse: %v", printed, err)
		}
		if again.String() != printed {
			t.Fatalf("printing is not stable: %q then %q", printed, again.String())
		}
	})
}
