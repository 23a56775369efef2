package audit

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

var lookupSeedFlag = flag.Uint64("seed", 0, "seed of TestLookupReference (default: $SECLAKE_LOOKUP_SEED, else random)")

// lookupReferenceSeed returns the seed of TestLookupReference: -seed, SECLAKE_LOOKUP_SEED, or a random one.
func lookupReferenceSeed(t *testing.T) uint64 {
	if *lookupSeedFlag != 0 {
		return *lookupSeedFlag
	}
	if s := os.Getenv("SECLAKE_LOOKUP_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "SECLAKE_LOOKUP_SEED")
		return seed
	}
	return rand.Uint64()
}

// TestLookupReference checks Lookup against a plain model of CloudTrail's LookupEvents, over a random trail
// written through the Log's own API (Append, AppendAsync, and commits laid out exactly) with event times out
// of order within and across commits, commits of one record and commits of several batch rows, three
// accounts, management and data events, version 7 and other event IDs, and attribute values that differ in
// case and Unicode. Random queries (every attribute key, present and absent values, time windows open, empty
// and touching events' times, MaxResults 1-50 or absent, sometimes with tiny page budgets) are paged
// through to the end; the pages together must be the model's answer exactly: the same events (every
// member of Event, CloudTrailEvent included), newest first, ties by chain order, nothing repeated or
// missing, no page above MaxResults.
//
// The seed is random and logged; rerun a failure with SECLAKE_LOOKUP_SEED=<seed> (or -seed <seed>). It fixes
// the records, their chain order and the queries; how the writer groups Append and AppendAsync records into
// commits (and so the index rows) also depends on timing, while the commits laid out exactly do not.
func TestLookupReference(t *testing.T) {
	seed := lookupReferenceSeed(t)
	records, queries := 2500, 600
	if testing.Short() {
		records, queries = 400, 100
	}
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		t.Logf("seed %d: rerun with SECLAKE_LOOKUP_SEED=%d", seed, seed)
		var chacha [32]byte
		binary.LittleEndian.PutUint64(chacha[:], seed)
		rng := rand.New(rand.NewChaCha8(chacha))
		g := newRefTrail(t, rng, newStore(t))
		g.build(records)
		g.check()
		byJSON := make(map[string]*refRec, len(g.recs))
		for _, m := range g.recs {
			byJSON[m.json] = m
		}
		var pages, events int
		for i := range queries {
			q := g.randomQuery()
			want := g.expect(q)
			g.fit(&q, len(want))
			got, n := g.pageThrough(q, len(want), fmt.Sprintf("seed %d, query %d: %s", seed, i, q))
			require.Equal(t, refSummary(want, byJSON), refSummary(got, byJSON), "seed %d, query %d: %s", seed, i, q)
			require.Equal(t, want, got, "seed %d, query %d: %s", seed, i, q)
			pages, events = pages+n, events+len(want)
		}
		t.Logf("%d queries, %d pages, %d events", queries, pages, events)
	})
}

// refQuery is a lookup of the reference test: the caller's account, the input (without MaxResults), how
// pages are sized, and the page budgets (nil: the defaults).
type refQuery struct {
	account    string
	in         LookupInput
	maxResults int  // 0: absent (DefaultMaxResults)
	perPage    bool // a new random MaxResults for each page
	budgets    *refBudgets
}

// refBudgets are the limits on a page's work and its token (see merge.go and token.go).
type refBudgets struct{ rows, bytes, chunk, tokenRows int }

func (q refQuery) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "account %s", q.account)
	for _, a := range q.in.LookupAttributes {
		fmt.Fprintf(&b, ", %s=%q", a.AttributeKey, a.AttributeValue)
	}
	if q.in.StartTime != nil {
		fmt.Fprintf(&b, ", start %s", q.in.StartTime.Format(time.RFC3339Nano))
	}
	if q.in.EndTime != nil {
		fmt.Fprintf(&b, ", end %s", q.in.EndTime.Format(time.RFC3339Nano))
	}
	fmt.Fprintf(&b, ", MaxResults %d (per page: %v)", q.maxResults, q.perPage)
	if q.budgets != nil {
		fmt.Fprintf(&b, ", budgets %+v", *q.budgets)
	}
	return b.String()
}

// expect returns what LookupEvents must return for q: the account's management events with the attribute
// value (exactly, but for ReadOnly, whose value is true or false in any case; values as JSON carries them,
// see LookupAttribute) whose event time lies in
// [StartTime, EndTime]; newest first, and of events of the same second the later in the chain first (the
// order merge.go documents: by position, (event time, sequence number), descending).
func (g *refTrail) expect(q refQuery) []Event {
	var a *LookupAttribute
	if len(q.in.LookupAttributes) == 1 {
		a = &LookupAttribute{q.in.LookupAttributes[0].AttributeKey, refShown(q.in.LookupAttributes[0].AttributeValue)}
		if a.AttributeKey == AttrReadOnly {
			a.AttributeValue = strings.ToLower(a.AttributeValue) // the queries ask in ASCII case variants
		}
	}
	var ms []*refRec
	for _, m := range g.recs {
		if m.r.RecipientAccountID != q.account || m.r.EventCategory != CategoryManagement && (a == nil || a.AttributeKey != AttrEventName) {
			continue
		}
		if q.in.StartTime != nil && m.r.EventTime.Before(*q.in.StartTime) || q.in.EndTime != nil && m.r.EventTime.After(*q.in.EndTime) {
			continue
		}
		if a != nil && !slices.Contains(refValues(m.shown, a.AttributeKey), a.AttributeValue) {
			continue
		}
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *refRec) int {
		return cmp.Or(b.r.EventTime.Compare(a.r.EventTime), cmp.Compare(b.seq, a.seq))
	})
	out := []Event{}
	for _, m := range ms {
		out = append(out, m.event())
	}
	return out
}

// event is the model's Event of m: CloudTrail's Event shape, its members read from the record as written
// (as JSON carries it).
func (m *refRec) event() Event {
	r := m.shown
	ev := Event{
		EventID: r.EventID, EventName: r.EventName, ReadOnly: strconv.FormatBool(r.ReadOnly),
		AccessKeyID: r.UserIdentity.AccessKeyID, EventTime: r.EventTime, EventSource: r.EventSource,
		Username: m.username, CloudTrailEvent: m.json,
	}
	for _, res := range r.Resources {
		ev.Resources = append(ev.Resources, EventResource{ResourceType: res.Type, ResourceName: res.ARN})
	}
	return ev
}

// refShown returns s as JSON carries it: through encoding/json, which replaces invalid UTF-8 by U+FFFD.
func refShown(s string) string {
	js, _ := json.Marshal(s)
	_ = json.Unmarshal(js, &s)
	return s
}

// refSummary names events by chain position and time, for a readable first comparison.
func refSummary(evs []Event, byJSON map[string]*refRec) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		seq := uint64(0)
		if m := byJSON[ev.CloudTrailEvent]; m != nil {
			seq = m.seq
		}
		out[i] = fmt.Sprintf("#%d %s %s", seq, ev.EventTime.UTC().Format(time.RFC3339), ev.EventID)
	}
	return out
}

// pageThrough runs q page by page until there is no NextToken and returns the events of all pages. Every
// page must respect its MaxResults.
func (g *refTrail) pageThrough(q refQuery, want int, what string) ([]Event, int) {
	if q.budgets != nil {
		defer func(a, b, c, d int) {
			lookupRowBudget, lookupByteBudget, lookupScanChunk, maxTokenRows = a, b, c, d
		}(lookupRowBudget, lookupByteBudget, lookupScanChunk, maxTokenRows)
		lookupRowBudget, lookupByteBudget, lookupScanChunk, maxTokenRows = q.budgets.rows, q.budgets.bytes, q.budgets.chunk, q.budgets.tokenRows
	}
	in := q.in
	got := []Event{}
	for pages := 1; ; pages++ {
		require.Less(g.t, pages, 4*want+1000, "%s: the lookup does not end", what)
		limit, mr := DefaultMaxResults, q.maxResults
		if q.perPage {
			mr += g.rng.IntN(DefaultMaxResults - mr + 1)
		}
		in.MaxResults = nil
		if mr > 0 {
			in.MaxResults, limit = ptr(int32(mr)), mr
		}
		out, err := g.l.Lookup(context.Background(), q.account, &in)
		require.NoError(g.t, err, "%s: page %d", what, pages)
		require.LessOrEqual(g.t, len(out.Events), limit, "%s: page %d", what, pages)
		got = append(got, out.Events...)
		if out.NextToken == "" {
			return got, pages
		}
		in.NextToken = out.NextToken
	}
}

// refAttributeKeys are the LookupAttributeKeys.
var refAttributeKeys = []AttributeKey{AttrEventID, AttrEventName, AttrReadOnly, AttrUsername, AttrResourceType, AttrResourceName, AttrEventSource, AttrAccessKeyID}

// randomQuery returns a lookup by an account (rarely one without events), with an attribute most of the
// time, and a time window (see window). Page sizes are set by fit once the answer is known.
func (g *refTrail) randomQuery() refQuery {
	rng := g.rng
	q := refQuery{account: pick(rng, refAccounts)}
	if rng.IntN(25) == 0 {
		q.account = "000011112222"
	}
	if rng.IntN(6) > 0 {
		k := pick(rng, refAttributeKeys)
		q.in.LookupAttributes = []LookupAttribute{{k, g.attrValue(k)}}
	}
	g.window(&q.in)
	return q
}

// attrValue returns a value to look up for k: most often one that some record has (of any account, or a
// data event's), else a variant of one in another case or with a trailing space, or one no record has
// (for event IDs, a version 7 UUID of a millisecond that other events' IDs carry).
func (g *refTrail) attrValue(k AttributeKey) string {
	rng := g.rng
	if k == AttrReadOnly {
		return pick(rng, []string{"true", "false", "TRUE", "False", "fAlSe", "tRUE"})
	}
	m := pick(rng, g.recs)
	r := m.shown
	if rng.IntN(4) == 0 {
		r = m.r // the caller's own bytes, which may not be valid UTF-8
	}
	vs := slices.DeleteFunc(refValues(r, k), func(v string) bool { return v == "" || len(v) > maxLookupValueLen })
	switch n := rng.IntN(20); {
	case n < 13 && len(vs) > 0:
		return pick(rng, vs)
	case n < 17 && len(vs) > 0:
		if v := refVariant(rng, pick(rng, vs)); len(v) <= maxLookupValueLen {
			return v
		}
		return vs[0]
	case k == AttrEventID:
		if ms, ok := uuidV7Millis(pick(rng, g.recs).r.EventID); ok {
			return g.v7(ms)
		}
	}
	return pick(rng, []string{"NoSuchValue", "nosuchvalue", "ü", "🔑", refLongARN(2000, "z"), "evt-x"})
}

// refVariant returns v in upper or lower case, with the case of its first letter swapped, or with a
// trailing space.
func refVariant(rng *rand.Rand, v string) string {
	switch rng.IntN(4) {
	case 0:
		return strings.ToUpper(v)
	case 1:
		return strings.ToLower(v)
	case 2:
		return v + " "
	}
	r, n := utf8.DecodeRuneInString(v)
	if unicode.IsUpper(r) {
		return string(unicode.ToLower(r)) + v[n:]
	}
	return string(unicode.ToUpper(r)) + v[n:]
}

// window sets a random time window: none, one side open, or both sides (a point in time, which is empty
// unless it is an event's whole second; a few seconds; or any range).
func (g *refTrail) window(in *LookupInput) {
	rng := g.rng
	switch rng.IntN(5) {
	case 0:
	case 1:
		in.StartTime = g.instant()
	case 2:
		in.EndTime = g.instant()
	default:
		a, b := g.instant(), new(time.Time)
		switch rng.IntN(4) {
		case 0:
			*b = *a
		case 1:
			*b = a.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
		default:
			b = g.instant()
		}
		if b.Before(*a) {
			a, b = b, a
		}
		in.StartTime, in.EndTime = a, b
	}
}

// instant returns a bound of a window: an event's time exactly (its whole second, which the bound must
// include), a nanosecond either side of it (which must exclude it), near it, anywhere in the trail's span,
// or far out (year 1, year 9999, around 1970), in any time zone.
func (g *refTrail) instant() *time.Time {
	rng := g.rng
	t := pick(rng, g.recs).r.EventTime
	switch rng.IntN(10) {
	case 3:
		t = t.Add(time.Nanosecond)
	case 4:
		t = t.Add(-time.Nanosecond)
	case 5:
		t = t.Add(time.Duration(rng.Int64N(int64(4*time.Second))) - 2*time.Second)
	case 6:
		t = t.Add(time.Duration(rng.Int64N(int64(20*time.Minute))) - 10*time.Minute)
	case 7:
		span := g.now.Sub(testTime) + time.Hour
		t = testTime.Add(time.Duration(rng.Int64N(int64(span))) - 30*time.Minute)
	case 8:
		t = pick(rng, []time.Time{{}, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Unix(0, 0), time.Unix(-1, 5e8)})
	}
	t = t.In(pick(rng, refZones))
	return &t
}

// fit sizes q's pages for an answer of n events: MaxResults absent, fixed, or drawn again for each page,
// never so small that the answer takes more than about 40 pages; and, for answers of at most 300 events,
// sometimes tiny page budgets, which end pages early and make tokens too small for the rows they should
// carry.
func (g *refTrail) fit(q *refQuery, n int) {
	rng := g.rng
	lo := min(DefaultMaxResults, max(1, (n+39)/40))
	switch k := rng.IntN(20); {
	case k < 3:
		q.maxResults = 0
	case k < 8:
		q.perPage, q.maxResults = true, lo
	default:
		q.maxResults = lo + rng.IntN(DefaultMaxResults-lo+1)
	}
	if n <= 300 && rng.IntN(4) == 0 {
		q.budgets = &refBudgets{rows: 1 + rng.IntN(32), bytes: 1 + rng.IntN(256<<10), chunk: 1 + rng.IntN(64), tokenRows: 1 + rng.IntN(tokenRowsCap)}
	}
}
