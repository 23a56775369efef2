package audit

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// refEvent is a record of the reference model: what Lookup should find.
type refEvent struct {
	seq uint64
	r   *Record
}

// randomTrail appends a random workload in commits of random sizes and returns the model of it. Event times
// go out of order within and across commits (a record's time is its request's start: slow requests carry
// times up to minutes before their batch-mates'), and some commits span several batch rows.
func randomTrail(t *testing.T, rng *rand.Rand, l *Log, commits int) []refEvent {
	t.Helper()
	var model []refEvent
	seq := uint64(0)
	now := testTime
	names := []string{"Decrypt", "Encrypt", "CreateKey", "ListKeys"}
	users := []string{"alice", "bob", "carol"}
	for c := range commits {
		now = now.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
		var group []*Record
		for range 1 + rng.IntN(40) {
			acct := acctA
			if rng.IntN(4) == 0 {
				acct = acctB
			}
			at := now.Add(-time.Duration(rng.IntN(3000)) * time.Millisecond)
			switch rng.IntN(10) {
			case 0:
				at = at.Add(-time.Duration(30+rng.IntN(300)) * time.Second) // a slow request
			case 1:
				at = at.Add(time.Duration(rng.IntN(90)) * time.Second) // a clock ahead
			}
			r := rec(acct, names[rng.IntN(len(names))], at)
			r.UserIdentity.UserName = users[rng.IntN(len(users))]
			r.ReadOnly = rng.IntN(2) == 0
			if rng.IntN(3) == 0 {
				r.Resources = []Resource{{Type: "AWS::KMS::Key", ARN: fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/k%d", acct, rng.IntN(3))}}
			}
			if rng.IntN(8) == 0 {
				r.EventCategory = CategoryData
			}
			if rng.IntN(5) == 0 {
				r.EventID = fmt.Sprintf("custom-%d-%d", c, len(group))
			} else {
				r.EventID = newUUIDv7(now.Add(time.Duration(rng.IntN(1500)) * time.Millisecond))
			}
			r.RequestParameters = []byte(fmt.Sprintf(`{"pad":"%x"}`, rng.Uint64()))
			group = append(group, r)
		}
		appendBatches(t, l, group)
		for _, r := range group {
			seq++
			model = append(model, refEvent{seq: seq, r: r})
		}
	}
	return model
}

// expect returns the events of the model that in asks for, newest first.
func expect(model []refEvent, account string, in LookupInput) []string {
	var out []refEvent
	for _, e := range model {
		switch {
		case e.r.RecipientAccountID != account || e.r.EventCategory != CategoryManagement && !byName(in):
		case len(in.LookupAttributes) == 1 && !slices.Contains(refValues(e.r, in.LookupAttributes[0].AttributeKey), in.LookupAttributes[0].AttributeValue):
		case in.StartTime != nil && e.r.EventTime.Before(*in.StartTime):
		case in.EndTime != nil && e.r.EventTime.After(*in.EndTime):
		default:
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b refEvent) int {
		if c := b.r.EventTime.Compare(a.r.EventTime); c != 0 {
			return c
		}
		return cmp.Compare(b.seq, a.seq)
	})
	ids := make([]string, len(out))
	for i, e := range out {
		ids[i] = e.r.EventID
	}
	return ids
}

// refValues lists a record's values of a lookup attribute.
func refValues(r *Record, k AttributeKey) []string {
	var vs []string
	for _, res := range r.Resources {
		vs = append(vs, map[AttributeKey]string{AttrResourceType: res.Type, AttrResourceName: res.ARN}[k])
	}
	return append(vs, map[AttributeKey]string{
		AttrEventID: r.EventID, AttrEventName: r.EventName, AttrReadOnly: fmt.Sprint(r.ReadOnly),
		AttrUsername: r.Username(), AttrEventSource: r.EventSource, AttrAccessKeyID: r.UserIdentity.AccessKeyID,
	}[k])
}

// lookupAll pages through a lookup with random page sizes and returns every event, checking that no page
// is larger than asked and that the last one has no NextToken.
func lookupAll(t *testing.T, rng *rand.Rand, l *Log, account string, in LookupInput) []string {
	t.Helper()
	got := []string{}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10000, "the lookup does not end")
		in.MaxResults = ptr(int32(1 + rng.IntN(DefaultMaxResults)))
		out, err := l.Lookup(context.Background(), account, &in)
		require.NoError(t, err)
		require.LessOrEqual(t, len(out.Events), int(*in.MaxResults))
		for _, e := range out.Events {
			got = append(got, e.EventID)
		}
		if out.NextToken == "" {
			return got
		}
		in.NextToken = out.NextToken
	}
}

// randomQuery returns a lookup over the model's values: an attribute (sometimes), a time range (sometimes
// with a side open or fractional bounds).
func randomQuery(rng *rand.Rand, model []refEvent) LookupInput {
	var in LookupInput
	pick := model[rng.IntN(len(model))].r
	attrs := []LookupAttribute{
		{AttrEventName, pick.EventName}, {AttrUsername, pick.Username()}, {AttrReadOnly, readOnlyString(pick.ReadOnly)},
		{AttrEventSource, pick.EventSource}, {AttrAccessKeyID, pick.UserIdentity.AccessKeyID},
		{AttrEventID, pick.EventID}, {AttrEventID, newUUIDv7(pick.EventTime)}, {AttrEventID, "custom-missing"},
	}
	if len(pick.Resources) > 0 {
		attrs = append(attrs, LookupAttribute{AttrResourceType, pick.Resources[0].Type}, LookupAttribute{AttrResourceName, pick.Resources[0].ARN})
	}
	if rng.IntN(4) > 0 {
		in.LookupAttributes = []LookupAttribute{attrs[rng.IntN(len(attrs))]}
	}
	span := model[len(model)-1].r.EventTime.Sub(testTime) + 10*time.Minute
	at := func() *time.Time {
		t := testTime.Add(-5*time.Minute + time.Duration(rng.Int64N(int64(span))))
		if rng.IntN(3) == 0 {
			t = t.Truncate(time.Second)
		}
		return &t
	}
	switch rng.IntN(4) {
	case 1:
		in.StartTime = at()
	case 2:
		in.EndTime = at()
	case 3:
		in.StartTime, in.EndTime = at(), at()
		if in.StartTime.After(*in.EndTime) {
			in.StartTime, in.EndTime = in.EndTime, in.StartTime
		}
	}
	return in
}

// TestLookupMatchesReference runs random lookups over random trails, paging through them with random page
// sizes, and compares what they return with a brute-force model: the same events, in the same order, none
// skipped or repeated across pages. It runs with the default limits and with tiny ones (rows per batch
// row, index rows and bytes per page, rows per token), which force multi-row commits, early and empty
// pages, and tokens that cannot hold every row they should.
func TestLookupMatchesReference(t *testing.T) {
	limits := map[string]func(){
		"default": func() {},
		"tiny": func() {
			rowTarget, lookupRowBudget, lookupByteBudget, lookupScanChunk, maxTokenRows = 2000, 3, 1, 2, 1
		},
	}
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		for name, set := range limits {
			t.Run(name, func(t *testing.T) {
				defer func(a, b, c, d, e int) {
					rowTarget, lookupRowBudget, lookupByteBudget, lookupScanChunk, maxTokenRows = a, b, c, d, e
				}(rowTarget, lookupRowBudget, lookupByteBudget, lookupScanChunk, maxTokenRows)
				set()
				rng := rand.New(rand.NewPCG(7, uint64(len(name))))
				l, _ := openTestLog(t, newStore(t))
				model := randomTrail(t, rng, l, 40)
				for i := range 60 {
					in := randomQuery(rng, model)
					acct := acctA
					if i%5 == 0 {
						acct = acctB
					}
					want := expect(model, acct, in)
					require.Equal(t, want, lookupAll(t, rng, l, acct, in), "query %d: %+v", i, in)
				}
			})
		}
	})
}

// byName reports whether a lookup asks for an event name, which also finds data events.
func byName(in LookupInput) bool {
	return len(in.LookupAttributes) == 1 && in.LookupAttributes[0].AttributeKey == AttrEventName
}
