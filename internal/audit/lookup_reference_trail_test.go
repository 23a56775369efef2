package audit

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// The value pools of the reference trail. Values differ in case, in Unicode normalization (é and e + U+0301)
// and in characters that JSON escapes, so that a lookup that folded case, normalized or mangled a value would
// return events it must not; a few are not valid UTF-8 (the trail's JSON carries U+FFFD instead).
var (
	refAccounts    = []string{acctA, acctA, acctA, acctB, acctB, "777788889999"} // weighted
	refEventNames  = []string{"Decrypt", "decrypt", "DECRYPT", "Encrypt", "GenerateDataKey", "CreateKey", "ListKeys", "PutBucketPolicy", "AssumeRole", "Décrypt", "De\u0301crypt", "Σίσυφος", "σίσυφος", "名前を変更", "İstanbul", "istanbul", "ﬁnd", "Key🔑", "Get\xffObject"}
	refSources     = []string{"kms.amazonaws.com", "KMS.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com", "sqs.amazonaws.com", "ünïcode.amazonaws.com"}
	refUsers       = []string{"alice", "Alice", "ALICE", "bob", "José", "Jose\u0301", "Ωmega", "ωmega", "管理者", `quote"back\slash`, "tab\there", "line\u2028sep", "<b>&amp;", "al\xc3ice"}
	refAccessKeys  = []string{"AKIAIOSFODNN7EXAMPLE", "akiaiosfodnn7example", "ASIATEMPORARY0000001", "ASIATEMPORARY0000002", "AKIAÜNICODE", "AKIA\xfe"}
	refServices    = []string{"s3.amazonaws.com", "cloudtrail.amazonaws.com", "S3.amazonaws.com"}
	refTypes       = []string{"AWS::KMS::Key", "aws::kms::key", "AWS::S3::Bucket", "AWS::S3::Object", "AWS::SQS::Queue", "AWS::KMS::Κλειδί"}
	refResourceIDs = []string{"k1", "K1", "ключ", "🔑", "ürün/ß.json", "a b", "x", "\xed\xa0\x80"}
	refZones       = []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("NST", -(3*3600 + 1800))}
)

// refTrail writes a random trail through a Log and keeps the model of it: every record in chain order.
type refTrail struct {
	t      *testing.T
	rng    *rand.Rand
	store  meta.Store
	l      *Log
	now    time.Time // the generator's clock: requests arrive as it advances
	recs   []*refRec
	direct int // commits laid out by appendBatches (the Log counts the others)

	idMu sync.Mutex // NewID is called by prepare, in the test's goroutine; the lock keeps the contract
}

// refRec is a record of the model.
type refRec struct {
	seq      uint64
	r        *Record // as the Log normalized it
	shown    *Record // r through encoding/json: its strings as JSON carries them (U+FFFD for invalid UTF-8)
	username string  // what LookupEvents shows as Username, as the generator made the identity
	json     string  // as the trail stores it (read back by check)
}

// newRefTrail opens a Log on store whose writer groups records in various ways: a MaxBatch that splits the
// larger bursts, and either no MaxDelay (commit when free) or one that the fake clock never reaches (an
// AppendAsync burst waits for the next Append or Flush).
func newRefTrail(t *testing.T, rng *rand.Rand, store meta.Store) *refTrail {
	g := &refTrail{t: t, rng: rng, store: store, now: testTime}
	maxBatch, delay := 16+rng.IntN(500), time.Duration(0)
	if rng.IntN(2) == 0 {
		delay = time.Hour
	}
	g.l, _ = openTestLog(t, store, func(c *Config) {
		c.NewID, c.MaxBatch, c.MaxDelay = g.newID, maxBatch, delay
	})
	t.Logf("writer: MaxBatch %d, MaxDelay %v", maxBatch, delay)
	return g
}

// newID is the Log's NewID: a version 7 UUID of the generator's clock.
func (g *refTrail) newID() string {
	g.idMu.Lock()
	defer g.idMu.Unlock()
	return g.v7(g.now.UnixMilli())
}

// v7 returns a version 7 UUID carrying ms, with random bits from the seeded source.
func (g *refTrail) v7(ms int64) string {
	var b [16]byte
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	binary.LittleEndian.PutUint16(b[6:], uint16(g.rng.Uint32()))
	binary.LittleEndian.PutUint64(b[8:], g.rng.Uint64())
	return formatUUID(b, 7)
}

// pick returns one of xs.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// build appends records until the trail holds n: single Appends, AppendAsync bursts (committed together
// or in MaxBatch pieces, followed or not by a Flush), and commits laid out exactly by appendBatches, one of
// them large enough to split into several batch rows.
func (g *refTrail) build(n int) {
	ctx := context.Background()
	bigDone := false
	for len(g.recs) < n {
		switch k := g.rng.IntN(10); {
		case !bigDone && len(g.recs) >= n/3:
			g.commit(g.records(90+g.rng.IntN(40), true)) // 150-250 KB of JSON: three batch rows or more
			bigDone = true
		case k < 4: // an Append: a commit of its own, or the end of the async burst before it
			r := g.record(false)
			require.NoError(g.t, g.l.Append(ctx, r))
			g.add(r)
		case k < 8:
			g.appendAsync(g.rng.IntN(6) == 0)
			if g.rng.IntN(2) == 0 {
				require.NoError(g.t, g.l.Flush(ctx))
			}
		default:
			big := g.rng.IntN(4) == 0
			g.commit(g.records(g.burstSize(big), big))
		}
	}
	g.appendAsync(false) // perhaps still queued: the first Lookup (in check) must commit it first
}

// appendAsync appends a burst of records with AppendAsync.
func (g *refTrail) appendAsync(big bool) {
	for range g.burstSize(big) {
		r := g.record(big)
		g.l.AppendAsync(r)
		g.add(r)
	}
}

// commit appends group as one commit, laid out exactly (appendBatches), after the records queued before.
func (g *refTrail) commit(group []*Record) {
	require.NoError(g.t, g.l.Flush(context.Background())) // the chain keeps the order of the calls
	appendBatches(g.t, g.l, group)
	g.direct++
	g.add(group...)
}

// records returns n new records.
func (g *refTrail) records(n int, big bool) []*Record {
	out := make([]*Record, n)
	for i := range out {
		out[i] = g.record(big)
	}
	return out
}

// burstSize is the size of a burst: often one or a few records, sometimes dozens.
func (g *refTrail) burstSize(big bool) int {
	switch n := g.rng.IntN(10); {
	case big:
		return 40 + g.rng.IntN(80)
	case n < 3:
		return 1
	case n < 9:
		return 2 + g.rng.IntN(11)
	default:
		return 13 + g.rng.IntN(48)
	}
}

// add puts records the Log has normalized into the model, in the order of the calls (which is chain order).
func (g *refTrail) add(rs ...*Record) {
	for _, r := range rs {
		js, err := json.Marshal(r)
		require.NoError(g.t, err)
		shown := new(Record)
		require.NoError(g.t, json.Unmarshal(js, shown))
		name, _ := strings.CutPrefix(shown.UserIdentity.PrincipalID, "username:") // see identity
		g.recs = append(g.recs, &refRec{seq: uint64(len(g.recs) + 1), r: r, shown: shown, username: name})
	}
}

// record returns a new request's record. The generator's clock advances by 0 to 250 ms (often 0: many
// events share a millisecond, most share a second); the event time is that of the request's start, which is
// sometimes minutes earlier (a slow request), later (a client clock ahead) or days away, in any time zone.
func (g *refTrail) record(big bool) *Record {
	rng := g.rng
	if rng.IntN(3) > 0 {
		g.idMu.Lock()
		g.now = g.now.Add(time.Duration(rng.IntN(250)) * time.Millisecond)
		g.idMu.Unlock()
	}
	at := g.now
	switch n := rng.IntN(200); {
	case n < 16:
		at = at.Add(-time.Duration(rng.Int64N(int64(10 * time.Minute))))
	case n < 22:
		at = at.Add(time.Duration(rng.Int64N(int64(2 * time.Minute))))
	case n < 24:
		at = at.Add(time.Duration(rng.Int64N(int64(96*time.Hour))) - 48*time.Hour)
	case n < 25:
		at = time.Unix(-rng.Int64N(3*86400), rng.Int64N(1e9)) // before 1970: negative Unix times
	}
	acct := pick(rng, refAccounts)
	r := &Record{
		UserIdentity:       g.identity(acct),
		EventTime:          at.In(pick(rng, refZones)),
		EventSource:        pick(rng, refSources),
		EventName:          pick(rng, refEventNames),
		AWSRegion:          "us-east-1",
		RequestParameters:  g.payload(big),
		RequestID:          fmt.Sprintf("req-%d", len(g.recs)+1),
		EventID:            g.eventID(),
		ReadOnly:           rng.IntN(2) == 0,
		Resources:          g.resources(acct),
		RecipientAccountID: acct,
	}
	if rng.IntN(10) == 0 {
		r.EventCategory = CategoryData
	}
	return r
}

// identity returns a caller of one of the kinds whose Username LookupEvents derives differently: an IAM
// user's name, "root", an assumed role's session name, the invoking service, or none. PrincipalID carries
// the expected Username for the model (it is not what Lookup reads).
func (g *refTrail) identity(acct string) UserIdentity {
	rng := g.rng
	user, key := pick(rng, refUsers), ""
	if rng.IntN(5) > 0 {
		key = pick(rng, refAccessKeys)
	}
	var u UserIdentity
	switch rng.IntN(10) {
	case 0:
		u, user = UserIdentity{Type: IdentityRoot, ARN: "arn:aws:iam::" + acct + ":root"}, "root"
	case 1, 2:
		u = UserIdentity{Type: IdentityAssumedRole, ARN: "arn:aws:sts::" + acct + ":assumed-role/Ingest/" + user}
	case 3:
		svc := pick(rng, refServices)
		u, user, key = UserIdentity{Type: IdentityAWSService, InvokedBy: svc}, svc, ""
	case 4:
		u, user = UserIdentity{Type: IdentityUnknown}, ""
	default:
		u = UserIdentity{Type: IdentityIAMUser, ARN: "arn:aws:iam::" + acct + ":user/x", UserName: user}
	}
	u.AccountID, u.AccessKeyID, u.PrincipalID = acct, key, "username:"+user
	return u
}

// eventID returns a record's event ID: a version 7 UUID (of the generator's clock, give or take 1.5 s, in
// lower or upper case), none (the Log's NewID assigns one), or another kind of ID that has postings: a
// name, a version 4 UUID, a v7-shaped one with a wrong variant, or (rarely) the ID of an earlier record.
func (g *refTrail) eventID() string {
	rng := g.rng
	ms := g.now.UnixMilli()
	if rng.IntN(4) == 0 {
		ms += rng.Int64N(3000) - 1500
	}
	switch n := rng.IntN(100); {
	case n < 45:
		return g.v7(ms)
	case n < 55:
		return strings.ToUpper(g.v7(ms))
	case n < 70:
		return ""
	case n < 78:
		return fmt.Sprintf("evt-%06d", len(g.recs))
	case n < 82:
		return fmt.Sprintf("Évènement-%d", len(g.recs))
	case n < 88:
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:], rng.Uint64())
		binary.LittleEndian.PutUint64(b[8:], rng.Uint64())
		return formatUUID(b, 4)
	case n < 94:
		id := []byte(g.v7(ms))
		id[19] = 'c' // not the RFC 9562 variant: not a version 7 UUID
		return string(id)
	case n < 96 && len(g.recs) > 0:
		return pick(rng, g.recs).r.EventID
	}
	return g.v7(ms)
}

// resources returns 0 to 4 resources, some without a type or name, some repeated, a few with names of
// exactly 2000 bytes (the longest lookup value) or 2001 (not indexed, and no lookup can ask for them).
func (g *refTrail) resources(acct string) []Resource {
	rng := g.rng
	var out []Resource
	for range pick(rng, []int{0, 0, 0, 1, 1, 1, 2, 3, 4}) {
		if len(out) > 0 && rng.IntN(8) == 0 {
			out = append(out, out[rng.IntN(len(out))])
			continue
		}
		res := Resource{AccountID: acct, Type: pick(rng, refTypes), ARN: g.arn(acct)}
		switch rng.IntN(25) {
		case 0:
			res.Type = ""
		case 1:
			res.ARN = ""
		}
		out = append(out, res)
	}
	return out
}

func (g *refTrail) arn(acct string) string {
	id := pick(g.rng, refResourceIDs)
	switch g.rng.IntN(60) {
	case 0:
		return refLongARN(2000, "x")
	case 1:
		return refLongARN(2001, "x")
	case 2:
		return refLongARN(2000, "ü")
	case 3, 4, 5, 6, 7:
		return "arn:aws:s3:::lake/" + id
	case 8, 9, 10, 11:
		return "arn:aws:sqs:us-east-1:" + acct + ":" + id
	}
	return "arn:aws:kms:us-east-1:" + acct + ":key/" + id
}

// refLongARN returns an S3 object ARN of n bytes, made of fill (cut short by ASCII if fill does not fit).
func refLongARN(n int, fill string) string {
	s := "arn:aws:s3:::lake/"
	s += strings.Repeat(fill, (n-len(s))/len(fill))
	return s + strings.Repeat("y", n-len(s))
}

// payload returns requestParameters of about 100 bytes, or 0.5-1.5 KB for big records.
func (g *refTrail) payload(big bool) json.RawMessage {
	n := 20 + g.rng.IntN(100)
	if big {
		n = 500 + g.rng.IntN(1000)
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
	pad := make([]byte, n)
	for i := range pad {
		pad[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return json.RawMessage(fmt.Sprintf(`{"keyId":"alias/ürün","pad":"%s"}`, pad))
}

// check reads the trail back (after a Lookup, which must first commit the records still queued) and ties
// the model to it: record seq is the model's seq-th record (so the
// model's chain order is right), and its stored JSON becomes the model's CloudTrailEvent. It also checks
// that the trail has what the test is for: commits of one record and commits that span several batch rows.
func (g *refTrail) check() {
	ctx := context.Background()
	_, err := g.l.Lookup(ctx, acctA, &LookupInput{MaxResults: ptr(int32(1))}) // commits what is queued
	require.NoError(g.t, err)
	var after uint64
	for {
		stored, err := g.l.Read(ctx, after, 1000)
		require.NoError(g.t, err)
		if len(stored) == 0 {
			break
		}
		for _, s := range stored {
			require.LessOrEqual(g.t, s.Seq, uint64(len(g.recs)))
			m := g.recs[s.Seq-1]
			var r Record
			require.NoError(g.t, json.Unmarshal(s.JSON, &r))
			require.Equal(g.t, m.r.RequestID, r.RequestID, "record %d is not the model's", s.Seq)
			require.Equal(g.t, m.shown, &r, "record %d as stored", s.Seq)
			require.Equal(g.t, m.username, m.shown.Username(), "record %d: Username", s.Seq)
			m.json = string(s.JSON)
			after = s.Seq
		}
	}
	require.Equal(g.t, uint64(len(g.recs)), after, "records in the trail")
	rows := 0
	require.NoError(g.t, g.store.View(ctx, func(tx meta.Tx) error {
		return tx.Scan(Table, meta.Range{Prefix: prefixBatch}, func(string, []byte) bool { rows++; return true })
	}))
	st := g.l.Stats()
	commits := int(st.Batches) + g.direct
	require.Greater(g.t, rows, commits, "no commit spans several batch rows")
	require.Zero(g.t, st.Dropped)
	g.t.Logf("trail: %d records in %d commits (%d by the writer), %d batch rows", len(g.recs), commits, st.Batches, rows)
}
