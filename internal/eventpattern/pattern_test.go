package eventpattern

import (
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/awserr"
)

const s3Event = `{
  "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
  "source": "aws.s3", "account": "123456789012", "time": "2021-11-12T00:00:00Z", "region": "ca-central-1",
  "resources": ["arn:aws:s3:::example-bucket"],
  "detail": {
    "version": "0", "bucket": {"name": "example-bucket"},
    "object": {"key": "logs/2021/example-key.PNG", "size": 5, "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "00617F08299329D189"},
    "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012", "source-ip-address": "10.0.1.17",
    "reason": "PutObject", "tags": ["a", "b\u0041"], "ratio": 0.25, "public": false, "owner": null,
    "records": [{"k": "x", "n": 1}, {"k": "y", "n": 20}]
  }
}`

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern string
		want    bool
	}{
		{`{"source": ["aws.s3"]}`, true},
		{`{"source": ["aws.ec2"]}`, false},
		{`{"source": ["aws.ec2", "aws.s3"], "detail-type": ["Object Created"]}`, true},
		{`{"detail": {"bucket": {"name": ["example-bucket"]}}}`, true},
		{`{"detail": {"bucket": {"name": ["other"]}}}`, false},
		{`{"resources": ["arn:aws:s3:::example-bucket"]}`, true},
		{`{"detail": {"object": {"key": [{"prefix": "logs/"}]}}}`, true},
		{`{"detail": {"object": {"key": [{"prefix": "Logs/"}]}}}`, false},
		{`{"detail": {"object": {"key": [{"prefix": {"equals-ignore-case": "LOGS/2021"}}]}}}`, true},
		{`{"detail": {"object": {"key": [{"suffix": ".PNG"}]}}}`, true},
		{`{"detail": {"object": {"key": [{"suffix": ".png"}]}}}`, false},
		{`{"detail": {"object": {"key": [{"suffix": {"equals-ignore-case": ".png"}}]}}}`, true},
		{`{"detail": {"reason": [{"equals-ignore-case": "putobject"}]}}`, true},
		{`{"detail": {"reason": [{"anything-but": "PutObject"}]}}`, false},
		{`{"detail": {"reason": [{"anything-but": ["CopyObject", "Post"]}]}}`, true},
		{`{"detail": {"reason": [{"anything-but": {"prefix": "Put"}}]}}`, false},
		{`{"detail": {"reason": [{"anything-but": {"suffix": "Object"}}]}}`, false},
		{`{"detail": {"reason": [{"anything-but": {"suffix": "Copy"}}]}}`, true},
		{`{"detail": {"reason": [{"anything-but": {"equals-ignore-case": ["putobject"]}}]}}`, false},
		{`{"detail": {"reason": [{"anything-but": {"wildcard": "*Obj*"}}]}}`, false},
		{`{"detail": {"reason": [{"anything-but": {"wildcard": ["x*", "*y"]}}]}}`, true},
		{`{"detail": {"object": {"size": [{"anything-but": 5}]}}}`, false},
		{`{"detail": {"object": {"size": [{"anything-but": [6, 7]}]}}}`, true},
		{`{"detail": {"missing": [{"anything-but": "x"}]}}`, false},
		{`{"detail": {"object": {"size": [5]}}}`, true},
		{`{"detail": {"object": {"size": [5.0]}}}`, true},
		{`{"detail": {"object": {"size": ["5"]}}}`, false},
		{`{"detail": {"object": {"size": [{"numeric": [">", 0, "<=", 5]}]}}}`, true},
		{`{"detail": {"object": {"size": [{"numeric": [">", 5]}]}}}`, false},
		{`{"detail": {"object": {"size": [{"numeric": ["=", 5]}]}}}`, true},
		{`{"detail": {"ratio": [{"numeric": [">=", 0.25, "<", 1]}]}}`, true},
		{`{"detail": {"reason": [{"numeric": [">", 0]}]}}`, false},
		{`{"detail": {"request-id": [{"exists": true}]}}`, true},
		{`{"detail": {"request-id": [{"exists": false}]}}`, false},
		{`{"detail": {"nope": [{"exists": false}]}}`, true},
		{`{"detail": {"nope": [{"exists": true}]}}`, false},
		{`{"detail": {"bucket": [{"exists": true}]}}`, false}, // exists works on leaves only
		{`{"detail": {"source-ip-address": [{"cidr": "10.0.0.0/16"}]}}`, true},
		{`{"detail": {"source-ip-address": [{"cidr": "10.1.0.0/16"}]}}`, false},
		{`{"detail": {"source-ip-address": [{"cidr": "::/0"}]}}`, false},
		{`{"detail": {"object": {"key": [{"wildcard": "logs/*/example-*.PNG"}]}}}`, true},
		{`{"detail": {"object": {"key": [{"wildcard": "logs/*/other-*"}]}}}`, false},
		{`{"detail": {"object": {"key": [{"wildcard": "logs/2021/example-key.PNG"}]}}}`, true},
		{`{"detail": {"tags": ["bA"]}}`, true},
		{`{"detail": {"tags": ["c"]}}`, false},
		{`{"detail": {"public": [false]}}`, true},
		{`{"detail": {"public": [true]}}`, false},
		{`{"detail": {"owner": [null]}}`, true},
		{`{"detail": {"records": {"k": ["y"], "n": [{"numeric": [">", 10]}]}}}`, true},
		{`{"$or": [{"source": ["aws.ec2"]}, {"detail-type": ["Object Created"]}]}`, true},
		{`{"$or": [{"source": ["aws.ec2"]}, {"detail-type": ["Object Deleted"]}]}`, false},
		{`{"source": ["aws.s3"], "detail": {"$or": [{"reason": ["x"]}, {"object": {"size": [{"numeric": ["<", 10]}]}}]}}`, true},
		{`{"source": ["aws.s3"], "detail": {"nope": [{"exists": false}, "x"]}}`, true},
	}
	for _, c := range cases {
		p, err := Compile(c.pattern)
		if err != nil {
			t.Errorf("Compile(%s): %v", c.pattern, err)
			continue
		}
		got, err := p.Match([]byte(s3Event))
		if err != nil || got != c.want {
			t.Errorf("%s: Match = %v, %v; want %v", c.pattern, got, err, c.want)
		}
		// The Set with every pattern agrees with each pattern alone.
	}
	var pats []*Pattern
	var want []int
	for i, c := range cases {
		pats = append(pats, must(t, c.pattern))
		if c.want {
			want = append(want, i)
		}
	}
	got, err := NewSet(pats).Match([]byte(s3Event), nil)
	if err != nil || len(got) != len(want) {
		t.Fatalf("Set.Match = %v, %v; want %v", got, err, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("Set.Match = %v; want %v", got, want)
		}
	}
}

func must(t testing.TB, src string) *Pattern {
	t.Helper()
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompileRefuses(t *testing.T) {
	cases := []struct {
		pattern, reason, at string
	}{
		{`{"source": "aws.s3"}`, `"source" must be an object or an array`, "line: 1, column: 12"},
		{`{"detail": {"key": [{"prefixx": "a"}]}}`, "Unrecognized match type prefixx", "line: 1, column: 22"},
		{"{\n  \"a\": [\n    {\"numeric\": [\">\", \"x\"]}]}", "Value of > must be numeric", "line: 3, column: 23"},
		{`{"a": [{"numeric": ["<", 5, ">", 9]}]}`, "Bad numeric range", ""},
		{`{"a": [{"numeric": ["~", 5]}]}`, "Unrecognized numeric range operator", ""},
		{`{"a": [{"numeric": [">", 6e9]}]}`, "out of range", ""},
		{`{"a": [{"cidr": "10.0.0.1"}]}`, "Malformed CIDR", ""},
		{`{"a": [{"wildcard": "a**b"}]}`, "Consecutive wildcard", ""},
		{`{"a": [{"anything-but": ["x", 1]}]}`, "mixed strings and numbers", ""},
		{`{"a": [{"anything-but": {"numeric": [">", 1]}}]}`, "Unsupported anything-but pattern", ""},
		{`{"a": [{"exists": "yes"}]}`, "exists match pattern must be either true or false", ""},
		{`{"a": [{"prefix": "x", "suffix": "y"}]}`, "must be the only field", ""},
		{`{"a": []}`, "empty arrays", ""},
		{`{"a": [["x"]]}`, "nested arrays", ""},
		{`{"a": {}}`, "empty object", ""},
		{`{}`, "empty pattern", ""},
		{`["a"]`, "must be a JSON object", ""},
		{`{"a": ["x"]`, "unexpected end", ""},
		{`{"a": ["x"]} {}`, "unexpected data", ""},
		{`{"a": ["x"], "a": ["y"]}`, "duplicate field", ""},
		{`{"$or": [{"a": ["x"]}]}`, "at least two branches", ""},
		{`{"$or": {"a": ["x"]}}`, `"$or" must be an array`, ""},
		{`{"a": [{"prefix": 5}]}`, "prefix match pattern must be a string", ""},
		{`{"a": ["x"], }`, "malformed JSON", ""},
		{`{"a": ["` + strings.Repeat("x", MaxLength) + `"]}`, "at most 4096", ""},
	}
	for _, c := range cases {
		_, err := Compile(c.pattern)
		e, ok := awserr.As(err)
		if !ok || e.Code != ErrorCode {
			t.Errorf("Compile(%.60s) = %v; want %s", c.pattern, err, ErrorCode)
			continue
		}
		if !strings.Contains(e.Message, c.reason) || !strings.Contains(e.Message, c.at) {
			t.Errorf("Compile(%.60s): %.300s; want %q %q", c.pattern, e.Message, c.reason, c.at)
		}
	}
}

func TestMatchRefusesMalformedEvents(t *testing.T) {
	p := must(t, `{"source": ["x"], "detail": {"a": [1]}}`)
	for _, ev := range []string{``, `[]`, `{"source": "x"`, `{"source": x}`, `{"detail": {"a": 01}}`, `{"a": "b"} x`,
		`{"detail": {"a": [1,]}}`, `{"source": "\x01"}`, `{"detail": {"b": {"c": "unterminated}}}`} {
		if _, err := p.Match([]byte(ev)); err == nil {
			t.Errorf("Match(%q) accepted a malformed event", ev)
		}
	}
}

func TestValidNumber(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-0": true, "10": true, "1.5": true, "1e3": true, "1E+3": true,
		"-2.5e-3": true, "01": false, "1.": false, ".5": false, "-": false, "1e": false, "1e+": false, "Inf": false, "0x10": false} {
		if validNumber([]byte(s)) != want {
			t.Errorf("validNumber(%q) = %v", s, !want)
		}
	}
}
