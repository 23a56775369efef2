package eventbus

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	from := time.Date(2026, 12, 4, 10, 7, 30, 0, time.UTC) // a Friday
	cases := []struct{ expr, want string }{
		{"rate(1 minute)", "2026-12-04T10:08:30Z"},
		{"rate(2 hours)", "2026-12-04T12:07:30Z"},
		{"cron(0 12 * * ? *)", "2026-12-04T12:00:00Z"},
		{"cron(0/15 * ? * MON-FRI *)", "2026-12-04T10:15:00Z"},
		{"cron(0 8 ? * SAT *)", "2026-12-05T08:00:00Z"},
		{"cron(30 9 1 JAN ? 2027-2028)", "2027-01-01T09:30:00Z"},
		{"cron(5,10 10 4 12 ? *)", "2026-12-04T10:10:00Z"},
	}
	for _, c := range cases {
		s, err := ParseSchedule(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := s.Next(from).Format(time.RFC3339); got != c.want {
			t.Errorf("%s: Next = %s; want %s", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{"rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 weeks)", "cron(0 12 * * * *)",
		"cron(0 12 ? * ? *)", "cron(0 12 * *)", "cron(61 * * * ? *)", "cron(0 12 L * ? *)", "every 5 minutes", "cron(0 0 ? * 2#1 *)"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted it", bad)
		}
	}
}

func TestInput(t *testing.T) {
	event := []byte(`{"id":"e1","detail-type":"Object Created","time":"2026-01-01T00:00:00Z","detail":{"bucket":{"name":"b"},"size":5,"tags":["a","b"]}}`)
	rule := &Rule{Name: "r", ARN: "arn:aws:events:us-east-1:111122223333:rule/r"}
	cases := []struct {
		t    Target
		want string
	}{
		{Target{}, string(event)},
		{Target{Input: `{"fixed":true}`}, `{"fixed":true}`},
		{Target{InputPath: "$.detail.bucket"}, `{"name":"b"}`},
		{Target{InputPath: "$['detail-type']"}, `"Object Created"`},
		{Target{InputPath: "$.detail.tags[1]"}, `"b"`},
		{Target{InputPath: "$.detail.none"}, `null`},
		{Target{InputTransformer: &InputTransformer{InputPathsMap: map[string]string{"b": "$.detail.bucket.name", "n": "$.detail.size",
			"o": "$.detail.bucket"}, InputTemplate: `{"bucket": <b>, "size": <n>, "obj": <o>, "msg": "<b> has <n> bytes", "r": "<aws.events.rule-name>"}`}},
			`{"bucket": "b", "size": 5, "obj": {"name":"b"}, "msg": "b has 5 bytes", "r": "r"}`},
		{Target{InputTransformer: &InputTransformer{InputTemplate: `"event <aws.events.event> in"`}},
			`"event {\"id\":\"e1\",\"detail-type\":\"Object Created\",\"time\":\"2026-01-01T00:00:00Z\",\"detail\":{\"bucket\":{\"name\":\"b\"},\"size\":5,\"tags\":[\"a\",\"b\"]}} in"`},
	}
	for i, c := range cases {
		got, err := input(&c.t, rule, event, "2026-01-01T00:00:01Z")
		if err != nil || string(got) != c.want {
			t.Errorf("case %d: input = %s, %v; want %s", i, got, err, c.want)
		}
	}
	for _, bad := range []Target{
		{ID: "t", ARN: "arn:aws:sqs:us-east-1:111122223333:q", Input: "{", InputPath: "$"},
		{ID: "t", ARN: "arn:aws:sqs:us-east-1:111122223333:q", InputPath: "detail"},
		{ID: "t", ARN: "arn:aws:sqs:us-east-1:111122223333:q", InputTransformer: &InputTransformer{InputTemplate: "<missing>"}},
		{ID: "t", ARN: "arn:aws:lambda:us-east-1:111122223333:function:f"},
		{ID: "t", ARN: "arn:aws:sqs:us-east-1:111122223333:q.fifo"},
	} {
		if why := validTarget(&bad); why == "" {
			t.Errorf("validTarget(%+v) accepted it", bad)
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"rate(5 minutes)", "cron(0/15 * ? * MON-FRI *)", "cron(30 9 1 JAN ? 2027-2028)", "cron(1-5/2 0 ? * 1,3 *)"} {
		f.Add(s)
	}
	from := time.Date(2026, 12, 4, 10, 7, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := ParseSchedule(expr)
		if err != nil {
			return
		}
		if n := s.Next(from); !n.IsZero() && !n.After(from) {
			t.Fatalf("%s: Next(%s) = %s is not after it", expr, from, n)
		}
	})
}
