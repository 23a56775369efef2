package policy

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"time"
)

// number is a numeric condition value: exact when it is an integer, a float otherwise.
type number struct {
	i     int64
	f     float64
	exact bool
}

func parseNumber(s string) (number, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return number{i: i, f: float64(i), exact: true}, true
	}
	if !looksNumeric(s) {
		return number{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return number{}, false
	}
	return number{f: f}, true
}

// looksNumeric rejects what strconv.ParseFloat accepts but a policy number is not: "Inf", "NaN", hex
// floats, underscores.
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return false
		}
	}
	return true
}

// compare returns -1, 0 or 1 as a is less than, equal to or greater than b.
func (a number) compare(b number) int {
	if a.exact && b.exact {
		return cmp.Compare(a.i, b.i)
	}
	return cmp.Compare(a.f, b.f)
}

// parseDate reads the date forms IAM accepts (IAM UG reference_policies_elements_condition_operators, Date
// condition operators: "one of the W3C implementations of the ISO 8601 date formats or in epoch (UNIX)
// time"): YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s…]] with a zone (Z or ±hh:mm, UTC if absent),
// the compact form YYYYMMDDThhmmssZ, and epoch seconds (with an optional fraction). The layout is chosen
// by the value's shape so a valid value is parsed once, without allocating.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if isEpoch(s) {
		return parseEpoch(s)
	}
	layout := ""
	switch {
	case len(s) == 4:
		layout = "2006"
	case len(s) == 7:
		layout = "2006-01"
	case len(s) == 10:
		layout = "2006-01-02"
	case len(s) == 16 && s[8] == 'T' && s[15] == 'Z':
		layout = "20060102T150405Z"
	case len(s) > 10 && s[10] == 'T':
		return parseDateTime(s)
	default:
		return time.Time{}, false
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

func parseDateTime(s string) (time.Time, bool) {
	zoned := strings.HasSuffix(s, "Z") || strings.LastIndexAny(s[10:], "+-") >= 0
	var layout string
	switch {
	case len(s) >= 19 && s[16] == ':' && zoned:
		layout = time.RFC3339Nano // also reads values without a fraction
	case len(s) >= 19 && s[16] == ':':
		layout = "2006-01-02T15:04:05.999999999"
	case zoned:
		layout = "2006-01-02T15:04Z07:00"
	default:
		layout = "2006-01-02T15:04"
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

func isEpoch(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '.' || (c == '-' && i == 0):
		default:
			return false
		}
	}
	return digits > 0 && len(s) != 4 // a lone year is a date
}

// maxEpoch bounds epoch seconds to what time.Time compares exactly (about the year 2255).
const maxEpoch = 9_000_000_000

func parseEpoch(s string) (time.Time, bool) {
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
		if sec > maxEpoch || sec < -maxEpoch {
			return time.Time{}, false
		}
		return time.Unix(sec, 0).UTC(), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > maxEpoch {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}
