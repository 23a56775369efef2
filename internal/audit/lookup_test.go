package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

const acctA, acctB = "111122223333", "444455556666"

// seedLookup appends a small trail: account A's events e1..e6 at testTime+0s..5s and one event of account B
// and one Data event of account A in between.
func seedLookup(t *testing.T, l *Log) {
	t.Helper()
	at := func(s int) time.Time { return testTime.Add(time.Duration(s) * time.Second) }
	records := []*Record{
		rec(acctA, "CreateKey", at(0)), // e1
		func() *Record { // e2
			r := rec(acctA, "Decrypt", at(1))
			r.ReadOnly = true
			r.UserIdentity = UserIdentity{Type: IdentityAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/Ingest/sess-1", AccessKeyID: "ASIATEMP"}
			r.Resources = []Resource{{AccountID: acctA, Type: "AWS::KMS::Key", ARN: "arn:aws:kms:us-east-1:111122223333:key/k1"}}
			return r
		}(),
		func() *Record { r := rec(acctB, "CreateKey", at(2)); return r }(), // e3, other account
		func() *Record { // e4
			r := rec(acctA, "PutObject", at(3))
			r.EventSource, r.EventCategory = "s3.amazonaws.com", CategoryData
			return r
		}(),
		func() *Record { // e5
			r := rec(acctA, "CreateBucket", at(3))
			r.EventSource = "s3.amazonaws.com"
			r.Resources = []Resource{{Type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::lake"}}
			return r
		}(),
		rec(acctA, "Decrypt", at(4)),     // e6
		rec(acctA, "ListKeys", at(5)),    // e7
		rec(acctA, "ListAliases", at(5)), // e8
	}
	for _, r := range records {
		require.NoError(t, l.Append(context.Background(), r))
	}
}

func ids(out *LookupOutput) []string {
	var s []string
	for _, e := range out.Events {
		s = append(s, e.EventID)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func TestLookup(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		l, _ := openTestLog(t, newStore(t))
		seedLookup(t, l)
		attr := func(k AttributeKey, v string) []LookupAttribute { return []LookupAttribute{{k, v}} }
		cases := []struct {
			name string
			in   LookupInput
			want []string
		}{
			{"all, newest first", LookupInput{}, []string{"e8", "e7", "e6", "e5", "e2", "e1"}},
			{"event name", LookupInput{LookupAttributes: attr(AttrEventName, "Decrypt")}, []string{"e6", "e2"}},
			{"event name is exact", LookupInput{LookupAttributes: attr(AttrEventName, "decrypt")}, nil},
			{"event id", LookupInput{LookupAttributes: attr(AttrEventID, "e5")}, []string{"e5"}},
			{"other account's event id", LookupInput{LookupAttributes: attr(AttrEventID, "e3")}, nil},
			{"data events are not looked up by id", LookupInput{LookupAttributes: attr(AttrEventID, "e4")}, nil},
			{"data events are found by name", LookupInput{LookupAttributes: attr(AttrEventName, "PutObject")}, []string{"e4"}},
			{"read only", LookupInput{LookupAttributes: attr(AttrReadOnly, "TRUE")}, []string{"e2"}},
			{"not read only", LookupInput{LookupAttributes: attr(AttrReadOnly, "false")}, []string{"e8", "e7", "e6", "e5", "e1"}},
			{"username of user", LookupInput{LookupAttributes: attr(AttrUsername, "alice")}, []string{"e8", "e7", "e6", "e5", "e1"}},
			{"username of session", LookupInput{LookupAttributes: attr(AttrUsername, "sess-1")}, []string{"e2"}},
			{"access key", LookupInput{LookupAttributes: attr(AttrAccessKeyID, "ASIATEMP")}, []string{"e2"}},
			{"event source", LookupInput{LookupAttributes: attr(AttrEventSource, "s3.amazonaws.com")}, []string{"e5"}},
			{"resource type", LookupInput{LookupAttributes: attr(AttrResourceType, "AWS::KMS::Key")}, []string{"e2"}},
			{"resource name", LookupInput{LookupAttributes: attr(AttrResourceName, "arn:aws:s3:::lake")}, []string{"e5"}},
			{"time range inclusive", LookupInput{StartTime: ptr(testTime.Add(time.Second)), EndTime: ptr(testTime.Add(4 * time.Second))}, []string{"e6", "e5", "e2"}},
			{"fractional bounds", LookupInput{StartTime: ptr(testTime.Add(1500 * time.Millisecond)), EndTime: ptr(testTime.Add(4900 * time.Millisecond))}, []string{"e6", "e5"}},
			{"start only", LookupInput{StartTime: ptr(testTime.Add(5 * time.Second))}, []string{"e8", "e7"}},
			{"end only", LookupInput{EndTime: ptr(testTime)}, []string{"e1"}},
			{"attribute and time", LookupInput{LookupAttributes: attr(AttrEventName, "Decrypt"), EndTime: ptr(testTime.Add(3 * time.Second))}, []string{"e2"}},
			{"empty range", LookupInput{StartTime: ptr(testTime.Add(10 * time.Second))}, nil},
			{"insight", LookupInput{EventCategory: "insight"}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				out, err := l.Lookup(context.Background(), acctA, &tc.in)
				require.NoError(t, err)
				require.Equal(t, tc.want, ids(out))
				require.Empty(t, out.NextToken)
			})
		}
		out, err := l.Lookup(context.Background(), acctB, &LookupInput{})
		require.NoError(t, err)
		require.Equal(t, []string{"e3"}, ids(out))
	})
}

func TestLookupEventShape(t *testing.T) {
	store := newSQLite(t)
	l, _ := openTestLog(t, store)
	seedLookup(t, l)
	out, err := l.Lookup(context.Background(), acctA, &LookupInput{LookupAttributes: []LookupAttribute{{AttrEventID, "e2"}}})
	require.NoError(t, err)
	require.Len(t, out.Events, 1)
	ev := out.Events[0]
	stored := storedEntry(t, store, 2)
	require.Equal(t, Event{
		EventID:         "e2",
		EventName:       "Decrypt",
		ReadOnly:        "true",
		AccessKeyID:     "ASIATEMP",
		EventTime:       testTime.Add(time.Second),
		EventSource:     "kms.amazonaws.com",
		Username:        "sess-1",
		Resources:       []EventResource{{ResourceType: "AWS::KMS::Key", ResourceName: "arn:aws:kms:us-east-1:111122223333:key/k1"}},
		CloudTrailEvent: string(stored.json),
	}, ev)
	require.True(t, json.Valid([]byte(ev.CloudTrailEvent)))
}

func TestLookupPages(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		l, _ := openTestLog(t, newStore(t))
		for i := range 7 {
			require.NoError(t, l.Append(context.Background(), rec(acctA, "Decrypt", testTime.Add(time.Duration(i/2)*time.Second))))
		}
		in := LookupInput{LookupAttributes: []LookupAttribute{{AttrEventName, "Decrypt"}}, MaxResults: ptr(int32(3))}
		var pages [][]string
		for {
			out, err := l.Lookup(context.Background(), acctA, &in)
			require.NoError(t, err)
			pages = append(pages, ids(out))
			if out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
			in.MaxResults = ptr(int32(3))
		}
		require.Equal(t, [][]string{{"e7", "e6", "e5"}, {"e4", "e3", "e2"}, {"e1"}}, pages)
	})
}

func TestLookupErrors(t *testing.T) {
	l, _ := openTestLog(t, newSQLite(t))
	for i := range 3 {
		require.NoError(t, l.Append(context.Background(), rec(acctA, "Decrypt", testTime.Add(time.Duration(i)*time.Second))))
	}
	first, err := l.Lookup(context.Background(), acctA, &LookupInput{MaxResults: ptr(int32(1))})
	require.NoError(t, err)
	require.NotEmpty(t, first.NextToken)
	tampered := []byte(first.NextToken)
	tampered[5] ^= 2

	cases := []struct {
		name    string
		account string
		in      LookupInput
		code    string
	}{
		{"two attributes", acctA, LookupInput{LookupAttributes: []LookupAttribute{{AttrEventName, "a"}, {AttrEventSource, "b"}}}, "InvalidLookupAttributesException"},
		{"unknown key", acctA, LookupInput{LookupAttributes: []LookupAttribute{{"Region", "x"}}}, "InvalidLookupAttributesException"},
		{"empty value", acctA, LookupInput{LookupAttributes: []LookupAttribute{{AttrEventName, ""}}}, "InvalidLookupAttributesException"},
		{"long value", acctA, LookupInput{LookupAttributes: []LookupAttribute{{AttrEventName, string(make([]byte, 2001))}}}, "InvalidLookupAttributesException"},
		{"read only not bool", acctA, LookupInput{LookupAttributes: []LookupAttribute{{AttrReadOnly, "yes"}}}, "InvalidLookupAttributesException"},
		{"end before start", acctA, LookupInput{StartTime: ptr(testTime), EndTime: ptr(testTime.Add(-time.Nanosecond))}, "InvalidTimeRangeException"},
		{"max results 0", acctA, LookupInput{MaxResults: ptr(int32(0))}, "InvalidMaxResultsException"},
		{"max results 51", acctA, LookupInput{MaxResults: ptr(int32(51))}, "InvalidMaxResultsException"},
		{"category", acctA, LookupInput{EventCategory: "management"}, "InvalidEventCategoryException"},
		{"garbage token", acctA, LookupInput{NextToken: "not-a-token"}, "InvalidNextTokenException"},
		{"tampered token", acctA, LookupInput{NextToken: string(tampered), MaxResults: ptr(int32(1))}, "InvalidNextTokenException"},
		{"token with other parameters", acctA, LookupInput{NextToken: first.NextToken, StartTime: ptr(testTime)}, "InvalidNextTokenException"},
		{"token of another account", acctB, LookupInput{NextToken: first.NextToken}, "InvalidNextTokenException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Lookup(context.Background(), tc.account, &tc.in)
			ae, ok := awserr.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tc.code, ae.Code)
			require.Equal(t, 400, ae.Status)
			require.NotEmpty(t, ae.Message)
		})
	}
	_, err = l.Lookup(context.Background(), "", &LookupInput{})
	require.Error(t, err)
}

// TestLookupReadsOnlyItsRange checks that a lookup reads only the index rows near its range and the batches
// that hold its events, however long the trail around them is.
func TestLookupReadsOnlyItsRange(t *testing.T) {
	base := newSQLite(t)
	store := &countingStore{Store: base}
	l, _ := openTestLog(t, store)
	// 30 batches of 10 records, one a second: record i (from 0) is at testTime+i s, of account A when i is
	// odd, and named Op(i%3).
	groups := make([][]*Record, 30)
	for i := range 300 {
		r := rec(acctA, fmt.Sprintf("Op%d", i%3), testTime.Add(time.Duration(i)*time.Second))
		if i%2 == 0 {
			r.RecipientAccountID = acctB
		}
		groups[i/10] = append(groups[i/10], r)
	}
	appendBatches(t, l, groups...)
	at := func(s int) *time.Time { return ptr(testTime.Add(time.Duration(s) * time.Second)) }
	cases := []struct {
		name        string
		in          LookupInput
		events      int
		scanned     int64 // index rows
		gets        int64 // batches
		wantsAToken bool
	}{
		// Rows whose max lies within eventSpan after the range are read (batches 10-16), only batch 10 is.
		{"ten seconds", LookupInput{StartTime: at(100), EndTime: at(109)}, 5, 7, 1, false},
		// Op1 of account A is every sixth record from 1: 295, 289 | 283, 277 | … | 247, 241 fill the page
		// from batches 29-24; batch 23's row (235, 229) shows there is more, batch 22's that 235 is next.
		{"attribute", LookupInput{LookupAttributes: []LookupAttribute{{AttrEventName, "Op1"}}, MaxResults: ptr(int32(10))}, 10, 8, 7, true},
		// 103, 109, 115, 121, 127 in batches 10-12; rows of batches 10-18 are within eventSpan.
		{"attribute and range", LookupInput{LookupAttributes: []LookupAttribute{{AttrEventName, "Op1"}}, StartTime: at(100), EndTime: at(129)}, 5, 9, 3, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store.scanned.Store(0)
			store.gets.Store(0)
			out, err := l.Lookup(context.Background(), acctA, &tc.in)
			require.NoError(t, err)
			require.Len(t, out.Events, tc.events)
			require.Equal(t, tc.wantsAToken, out.NextToken != "")
			require.Equal(t, tc.scanned, store.scanned.Load(), "index rows read")
			require.Equal(t, tc.gets, store.gets.Load(), "batches read")
		})
	}
}

// TestLookupEventID finds events by ID: version 7 UUIDs through the milliseconds they carry (whatever the
// event's own time), other IDs through their postings.
func TestLookupEventID(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		defer func(n int) { rowTarget = n }(rowTarget)
		rowTarget = 1500 // a row per record or two: commits span rows
		l, _ := openTestLog(t, newStore(t))
		at := func(s int) time.Time { return testTime.Add(time.Duration(s) * time.Second) }
		v7 := func(s int, ms int) string { return newUUIDv7(at(s).Add(time.Duration(ms) * time.Millisecond)) }
		withID := func(r *Record, id string) *Record { r.EventID = id; return r }
		idSlow, idFast, idCustom, idOther, idData := v7(400, 1), v7(400, 2), "my-own-id", v7(400, 3), v7(400, 4)
		data := withID(rec(acctA, "PutObject", at(400)), idData)
		data.EventCategory = CategoryData
		appendBatches(t, l,
			[]*Record{rec(acctA, "Decrypt", at(10)), rec(acctA, "Decrypt", at(11))}, // e-IDs from the Log: not v7
			[]*Record{
				withID(rec(acctA, "Decrypt", at(100)), idSlow), // its request started five minutes before its ID
				withID(rec(acctA, "Encrypt", at(399)), idFast),
				withID(rec(acctA, "Encrypt", at(399)), idCustom),
				withID(rec(acctB, "Encrypt", at(399)), idOther),
				data,
			})
		cases := []struct {
			name string
			acct string
			in   LookupInput
			want []string
		}{
			{"v7, event long before its ID", acctA, LookupInput{}, []string{idSlow}},
			{"v7", acctA, LookupInput{}, []string{idFast}},
			{"caller's own ID", acctA, LookupInput{}, []string{idCustom}},
			{"Log's counting ID", acctA, LookupInput{}, []string{"e2"}},
			{"another account's event", acctA, LookupInput{}, nil},
			{"in its account", acctB, LookupInput{}, []string{idOther}},
			{"data event", acctA, LookupInput{}, nil},
			{"unknown v7", acctA, LookupInput{}, nil},
			{"upper case is another ID", acctA, LookupInput{}, nil},
			{"outside the time range", acctA, LookupInput{StartTime: ptr(at(101))}, nil},
			{"inside the time range", acctA, LookupInput{StartTime: ptr(at(100)), EndTime: ptr(at(100))}, []string{idSlow}},
		}
		lookFor := []string{idSlow, idFast, idCustom, "e2", idOther, idOther, idData, v7(400, 9), strings.ToUpper(idFast), idSlow, idSlow}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.LookupAttributes = []LookupAttribute{{AttrEventID, lookFor[i]}}
				out, err := l.Lookup(context.Background(), tc.acct, &tc.in)
				require.NoError(t, err)
				require.Equal(t, tc.want, ids(out))
				require.Empty(t, out.NextToken)
			})
		}
	})
}

// TestLookupOutOfOrderPages pages one event at a time through commits whose event times interleave: a
// slow request's event, committed last, is older than everything committed before it.
func TestLookupOutOfOrderPages(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		l, _ := openTestLog(t, newStore(t))
		at := func(s int) time.Time { return testTime.Add(time.Duration(s) * time.Second) }
		appendBatches(t, l,
			[]*Record{rec(acctA, "Decrypt", at(100)), rec(acctA, "Decrypt", at(90))}, // e1 e2
			[]*Record{rec(acctA, "Decrypt", at(95)), rec(acctA, "Decrypt", at(100))}, // e3 e4
			[]*Record{rec(acctA, "Decrypt", at(200)), rec(acctA, "Decrypt", at(5))},  // e5, and e6 from a slow request
			[]*Record{rec(acctA, "Decrypt", at(96))},                                 // e7
		)
		for _, in := range []LookupInput{{}, {LookupAttributes: []LookupAttribute{{AttrEventName, "Decrypt"}}}} {
			var got []string
			for {
				in.MaxResults = ptr(int32(1))
				out, err := l.Lookup(context.Background(), acctA, &in)
				require.NoError(t, err)
				got = append(got, ids(out)...)
				if out.NextToken == "" {
					break
				}
				in.NextToken = out.NextToken
			}
			require.Equal(t, []string{"e5", "e4", "e1", "e7", "e3", "e2", "e6"}, got)
		}
	})
}

// TestLookupValueNotValidUTF8 finds an event by the values Lookup shows for it when the record's values are
// not valid UTF-8: the trail's JSON (and so the Event) carries each stray byte as U+FFFD, and the index and
// the lookup value must compare in that form, or the event could not be found by any value.
func TestLookupValueNotValidUTF8(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		l, _ := openTestLog(t, newStore(t))
		r := rec(acctA, "Get\xffObject", testTime)
		// A stray byte, a lead byte without its continuation, and an encoded surrogate (three stray bytes).
		r.UserIdentity.UserName = "al\xc3ice"
		r.Resources = []Resource{{Type: "AWS::S3::Object", ARN: "arn:aws:s3:::lake/\xed\xa0\x80"}}
		require.NoError(t, l.Append(context.Background(), r))
		out, err := l.Lookup(context.Background(), acctA, &LookupInput{})
		require.NoError(t, err)
		require.Len(t, out.Events, 1)
		ev := out.Events[0]
		require.Equal(t, "Get\uFFFDObject", ev.EventName)
		require.Equal(t, "al\uFFFDice", ev.Username)
		require.Equal(t, "arn:aws:s3:::lake/\uFFFD\uFFFD\uFFFD", ev.Resources[0].ResourceName)
		for _, a := range []LookupAttribute{
			{AttrEventName, ev.EventName}, {AttrUsername, ev.Username}, {AttrResourceName, ev.Resources[0].ResourceName},
			{AttrEventName, r.EventName}, {AttrUsername, r.UserIdentity.UserName}, {AttrResourceName, r.Resources[0].ARN},
		} {
			out, err := l.Lookup(context.Background(), acctA, &LookupInput{LookupAttributes: []LookupAttribute{a}})
			require.NoError(t, err)
			require.Equal(t, []string{"e1"}, ids(out), "%s=%q", a.AttributeKey, a.AttributeValue)
		}
	})
}
