package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"a*", "a", false, true},
		{"a*", "ba", false, false},
		{"*a", "bba", false, true},
		{"*a", "ab", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aéc", false, true}, // ? is one character, not one byte
		{"*/aws/*", "bucket/aws/x", false, true},
		{"*/aws/*", "bucket/awsx/x", false, false},
		{"a*b*c", "aXbYbZc", false, true},
		{"a*b*c", "aXbYcZ", false, false},
		{"a*aab", "aaaaaab", false, true}, // needs backtracking past the first candidate
		{"*ab*ab", "abab", false, true},
		{"*?", "", false, false},
		{"*?", "x", false, true},
		{"kms:generatedatakey*", "kms:GenerateDataKeyWithoutPlaintext", true, true},
		{"kms:generatedatakey*", "KMS:GENERATEDATAKEY", true, true},
		{"kms:*key", "kms:DescribeKey", true, true},
		{"kms:*key", "kms:DescribeKeys", true, false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::B/x", false, false},
		{"arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/k", false, true},
	}
	for _, tc := range tests {
		p := compilePattern(tc.pattern, true, false, tc.fold)
		got, ok := p.match(tc.s, nil)
		require.True(t, ok)
		require.Equal(t, tc.want, got, "%q ~ %q", tc.pattern, tc.s)
		// The general algorithm agrees with the fast paths.
		require.Equal(t, tc.want, globMatch(p.tokensForTest(), nil, tc.s, tc.fold), "glob %q ~ %q", tc.pattern, tc.s)
	}
}

// tokensForTest returns the tokens of a pattern whichever mode it was compiled to.
func (p *pattern) tokensForTest() []token {
	src := p.text
	if p.fold {
		src = toLowerASCII(src)
	}
	return tokenize(src, p.wild, false)
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

type fakeVars map[string]string

func newVarEvaluator(vars fakeVars) *evaluator {
	ev := &evaluator{}
	for k, v := range vars {
		ev.in.Request.Context.Set(k, v)
	}
	return ev
}

func TestPatternVariables(t *testing.T) {
	ev := newVarEvaluator(fakeVars{"aws:username": "alice", "aws:PrincipalTag/team": "blue", "aws:star": "*"})
	tests := []struct {
		pattern, s string
		wild       bool
		want, ok   bool
	}{
		{"home/${aws:username}/*", "home/alice/x", true, true, true},
		{"home/${aws:username}/*", "home/bob/x", true, false, true},
		{"home/${AWS:UserName}/*", "home/alice/x", true, true, true}, // variable names are case-insensitive
		{"${aws:PrincipalTag/team}-${aws:username}", "blue-alice", false, true, true},
		{"${aws:PrincipalTag/team}-${aws:username}", "blue-alicex", false, false, true},
		{"home/${aws:missing}/*", "home/x/y", true, false, false},
		{"home/${aws:missing, 'shared'}/*", "home/shared/y", true, true, true},
		{"home/${aws:missing,'shared'}/*", "home/shared/y", true, true, true},
		{"a${*}b", "a*b", true, true, true},
		{"a${*}b", "axb", true, false, true},
		{"a${?}", "a?", true, true, true},
		{"a${$}", "a$", true, true, true},
		{"${aws:star}", "anything", true, false, true}, // a variable's value is literal, never a wildcard
		{"${aws:star}", "*", true, true, true},
		{"a${unterminated*", "a${unterminatedXYZ", true, true, true},
	}
	for _, tc := range tests {
		p := compilePattern(tc.pattern, tc.wild, true, false)
		got, ok := p.match(tc.s, ev)
		require.Equal(t, tc.ok, ok, "%q", tc.pattern)
		require.Equal(t, tc.want, got, "%q ~ %q", tc.pattern, tc.s)
	}
	// Without variables enabled (Version 2008-10-17) the text is literal.
	p := compilePattern("home/${aws:username}", false, false, false)
	got, _ := p.match("home/${aws:username}", ev)
	require.True(t, got)
}

func TestPatternValue(t *testing.T) {
	ev := newVarEvaluator(fakeVars{"aws:username": "alice"})
	p := compilePattern("user-${aws:username}", false, true, false)
	v, ok := p.value(ev)
	require.True(t, ok)
	require.Equal(t, "user-alice", v)
	p = compilePattern("user-${aws:nope}", false, true, false)
	_, ok = p.value(ev)
	require.False(t, ok)
}

func TestParseDate(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024", utc("2024-01-01T00:00:00Z")},
		{"2024-05", utc("2024-05-01T00:00:00Z")},
		{"2024-05-06", utc("2024-05-06T00:00:00Z")},
		{"2024-05-06T07:08Z", utc("2024-05-06T07:08:00Z")},
		{"2024-05-06T07:08+09:00", utc("2024-05-05T22:08:00Z")},
		{"2024-05-06T07:08:09Z", utc("2024-05-06T07:08:09Z")},
		{"2024-05-06T07:08:09.5Z", utc("2024-05-06T07:08:09.5Z")},
		{"2024-05-06T07:08:09-05:00", utc("2024-05-06T12:08:09Z")},
		{"2024-05-06T07:08:09", utc("2024-05-06T07:08:09Z")},
		{"20240506T070809Z", utc("2024-05-06T07:08:09Z")},
		{"1704067200", utc("2024-01-01T00:00:00Z")},
		{"1704067200.25", utc("2024-01-01T00:00:00.25Z")},
	}
	for _, tc := range tests {
		got, ok := parseDate(tc.in)
		require.True(t, ok, tc.in)
		require.True(t, tc.want.Equal(got), "%s: got %s", tc.in, got)
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01", "2024-05-06T25:00:00Z", "99999999999999", "2024/05/06"} {
		_, ok := parseDate(bad)
		require.False(t, ok, bad)
	}
}

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"10", "10.0", 0}, {"9", "10", -1}, {"-1", "-2", 1}, {"1e3", "1000", 0}, {"9007199254740993", "9007199254740992", 1},
	} {
		a, ok := parseNumber(tc.a)
		require.True(t, ok)
		b, ok := parseNumber(tc.b)
		require.True(t, ok)
		require.Equal(t, tc.want, a.compare(b), "%s vs %s", tc.a, tc.b)
	}
	for _, bad := range []string{"", "ten", "NaN", "Inf", "0x10", "1_000"} {
		_, ok := parseNumber(bad)
		require.False(t, ok, bad)
	}
}

func TestParseCIDR(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"203.0.113.5", "203.0.113.5/32"},
		{"203.0.113.5/24", "203.0.113.0/24"},
		{"2001:DB8:1234:5678::/64", "2001:db8:1234:5678::/64"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
	} {
		p, ok := parseCIDR(tc.in)
		require.True(t, ok, tc.in)
		require.Equal(t, tc.want, p.String())
	}
	for _, bad := range []string{"10.0.0.0/33", "bob", "fe80::1%eth0", "::ffff:10.0.0.0/64"} {
		_, ok := parseCIDR(bad)
		require.False(t, ok, bad)
	}
}
