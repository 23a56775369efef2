package audit

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/meta"
)

// ProblemKind says what Verify found wrong.
type ProblemKind string

// Problem kinds.
const (
	// ProblemModified: the record's JSON does not hash to its stored chain hash, or its entry's MAC fails
	// (the JSON or the hash was rewritten).
	ProblemModified ProblemKind = "modified"
	// ProblemCorrupt: a batch row (or a key among them) cannot be decoded, or records Seq..LastSeq cannot
	// be read from their batch's body (cut short or damaged: the records before them in the batch can),
	// or batches overlap.
	ProblemCorrupt ProblemKind = "corrupt"
	// ProblemMissing: records Seq..LastSeq are absent in the middle of the chain (deleted).
	ProblemMissing ProblemKind = "missing"
	// ProblemReordered: the entry stored for Seq is the entry of another record (moved or swapped).
	ProblemReordered ProblemKind = "reordered"
	// ProblemTruncated: the head says the chain goes to LastSeq but the records end before Seq.
	ProblemTruncated ProblemKind = "truncated"
	// ProblemUnanchored: records Seq..LastSeq lie beyond the head (added outside the Log, or the head was
	// rolled back).
	ProblemUnanchored ProblemKind = "unanchored"
	// ProblemHeadMismatch: the head's hash is not the chain hash of the record it names.
	ProblemHeadMismatch ProblemKind = "head-mismatch"
	// ProblemHeadInvalid: the head is undecodable, missing while records exist, or fails its MAC.
	ProblemHeadInvalid ProblemKind = "head-invalid"
)

// Problem is one finding of Verify.
type Problem struct {
	Kind    ProblemKind
	Seq     uint64 // the record concerned, or the first of a range
	LastSeq uint64 // the last of a range (missing, corrupt, truncated, unanchored); else equal to Seq
	EventID string // the record's eventID as stored, when it can be read
	Detail  string
}

// String describes the problem in one line.
func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: record %d", p.Kind, p.Seq)
	if p.LastSeq != p.Seq {
		fmt.Fprintf(&b, "-%d", p.LastSeq)
	}
	if p.EventID != "" {
		fmt.Fprintf(&b, " (eventID %s)", p.EventID)
	}
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	return b.String()
}

// MaxProblems is the most problems a Report lists; the rest are counted in ProblemsOmitted.
const MaxProblems = 100

// Report is the result of Verify.
type Report struct {
	Records         uint64    // entries found
	LastSeq         uint64    // sequence number of the last entry found
	HeadSeq         uint64    // sequence number in the stored head
	HeadHash        Hash      // hash in the stored head
	Problems        []Problem // in chain order, head problems last
	ProblemsOmitted int       // problems beyond MaxProblems
}

// OK reports whether the chain verified cleanly.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// FirstModified returns the first record found modified (or corrupt, or out of place), or nil.
func (r *Report) FirstModified() *Problem {
	for i, p := range r.Problems {
		if p.Kind == ProblemModified || p.Kind == ProblemCorrupt || p.Kind == ProblemReordered {
			return &r.Problems[i]
		}
	}
	return nil
}

// String summarizes the report for an operator.
func (r *Report) String() string {
	if r.OK() {
		return fmt.Sprintf("audit chain OK: %d records, head %d %s", r.Records, r.HeadSeq, hex.EncodeToString(r.HeadHash[:]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "audit chain FAILED: %d records, head %d, %d problems", r.Records, r.HeadSeq, len(r.Problems)+r.ProblemsOmitted)
	for _, p := range r.Problems {
		b.WriteString("\n  " + p.String())
	}
	if r.ProblemsOmitted > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", r.ProblemsOmitted)
	}
	return b.String()
}

// verifyChunk is how many batches Verify reads per transaction (a variable for tests).
var verifyChunk = 64

// Verify walks the whole trail in store and reports every inconsistency: modified, corrupt, missing and
// reordered records, a truncated tail, records beyond the head, and a head that does not match or does not
// authenticate under chainKey. It reads in chunks (batches are never rewritten by the Log) and reads the
// head in the same snapshot as the last chunk, so it can run while Logs append. A clean report has no
// Problems; it gives the record count and the head hash.
func Verify(ctx context.Context, store meta.Store, chainKey []byte) (*Report, error) {
	v := newVerifier(macKey{key: chainKey})
	start := prefixBatch
	for start != "" {
		err := store.View(ctx, func(tx meta.Tx) error {
			next, err := scanBatches(tx, start, verifyChunk, func(k string, val []byte) (bool, error) {
				v.row(k, val)
				return true, nil
			})
			if err != nil {
				return err
			}
			if start = next; start == "" {
				return v.head(tx)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("audit: verify: %w", err)
		}
	}
	return v.rep, nil
}

// verifyWindow is how many recent chain hashes a verifier remembers to check links across moved entries.
const verifyWindow = 1024

// verifier checks batches in key order. Each record has a place: the sequence number its position in the
// trail stands for (its batch's key plus its index in the batch). A batch is checked once the key of the
// batch after it (or the head) is known, which tells whether records were cut out of it.
type verifier struct {
	key     macKey
	mac     *macer
	rep     *Report
	next    uint64          // the place the next record should have
	unknown bool            // the last batch could not be decoded: where its records end is unknown
	pend    *batch          // the last batch read, not checked yet
	first   uint64          // its key
	known   map[uint64]Hash // authentic stored hashes of recent records, by sequence number
	pending map[uint64]entry
}

func newVerifier(k macKey) *verifier {
	return &verifier{key: k, mac: k.macer(), rep: &Report{}, next: 1, known: map[uint64]Hash{}, pending: map[uint64]entry{}}
}

func (v *verifier) problem(p Problem) {
	if p.LastSeq == 0 {
		p.LastSeq = p.Seq
	}
	if len(v.rep.Problems) >= MaxProblems {
		v.rep.ProblemsOmitted++
		return
	}
	v.rep.Problems = append(v.rep.Problems, p)
}

// row reads the batch row stored under key k and checks the batch before it.
func (v *verifier) row(k string, val []byte) {
	first, err := parseBatchKey(k)
	if err != nil {
		v.problem(Problem{Kind: ProblemCorrupt, Detail: fmt.Sprintf("key %x is not a batch key", k)})
		return
	}
	v.check(first, true)
	bt, err := decodeBatch(val)
	if err != nil {
		v.place(first)
		v.problem(Problem{Kind: ProblemCorrupt, Seq: first, Detail: err.Error()})
		v.unknown = true
		return
	}
	v.pend, v.first = bt, first
}

// check checks the pending batch, given the key of the batch after it (or one past the head) if known.
func (v *verifier) check(next uint64, known bool) {
	bt, first := v.pend, v.first
	if bt == nil {
		return
	}
	v.pend = nil
	bySeq := known && next > first && uint64(bt.len()) < next-first && v.ascending(bt, first, next)
	bt.load()
	for i := range bt.len() {
		e, ok := bt.entry(i)
		p := first + uint64(i)
		if bySeq {
			p = e.seq
		}
		if ok {
			v.entry(p, e)
			continue
		}
		// The body is damaged from record i on: report the rest of the batch as one problem.
		last := first + uint64(bt.len()-1)
		if bySeq {
			last = bt.pos(bt.len() - 1).seq
		}
		v.place(p)
		v.problem(Problem{Kind: ProblemCorrupt, Seq: p, LastSeq: last, Detail: bt.bodyErr.Error()})
		v.rep.Records += uint64(bt.len() - i)
		v.rep.LastSeq, v.next = last, last+1
		return
	}
	if bt.bodyErr != nil {
		p := v.rep.LastSeq
		v.problem(Problem{Kind: ProblemCorrupt, Seq: p, Detail: bt.bodyErr.Error()})
	}
}

// ascending reports whether the records of a batch that has fewer records than its key range [first, next)
// authenticate and ascend within it: then records were cut out of it, and the others keep their places.
func (v *verifier) ascending(bt *batch, first, next uint64) bool {
	prev := first
	for i := range bt.len() {
		e := bt.chain(i)
		if e.seq < prev || e.seq >= next || !v.mac.entryMACValid(e) {
			return false
		}
		prev = e.seq + 1
	}
	return true
}

// place reports the records missing before place p and moves past it.
func (v *verifier) place(p uint64) {
	switch {
	case v.unknown:
		v.unknown = false
	case p > v.next:
		v.problem(Problem{Kind: ProblemMissing, Seq: v.next, LastSeq: p - 1, Detail: "records deleted"})
	case p < v.next:
		v.problem(Problem{Kind: ProblemCorrupt, Seq: p, Detail: fmt.Sprintf("a second entry for record %d (batches overlap)", p)})
	}
	v.next = p + 1
}

// entry checks the record stored at place p.
func (v *verifier) entry(p uint64, e entry) {
	v.place(p)
	v.rep.Records++
	v.rep.LastSeq = p
	v.forget(p)
	if !v.mac.entryMACValid(e) {
		v.problem(Problem{Kind: ProblemModified, Seq: p, EventID: eventIDOf(e.json), Detail: "entry MAC does not authenticate (hash rewritten, or another chain key)"})
		return
	}
	if e.seq != p {
		v.problem(Problem{Kind: ProblemReordered, Seq: p, EventID: eventIDOf(e.json), Detail: fmt.Sprintf("holds the entry of record %d", e.seq)})
	}
	v.link(e)
}

// link checks that e's JSON hashes, from its predecessor's hash, to e's stored hash; if the predecessor has
// not been seen yet (entries moved), the check waits until it is.
func (v *verifier) link(e entry) {
	v.known[e.seq] = e.hash
	prev, ok := Hash{}, e.seq == 1
	if !ok {
		prev, ok = v.known[e.seq-1]
	}
	if ok {
		v.checkLink(prev, e)
	} else if len(v.pending) < verifyWindow {
		e.json = append([]byte(nil), e.json...)
		v.pending[e.seq] = e
	}
	if next, ok := v.pending[e.seq+1]; ok {
		delete(v.pending, e.seq+1)
		v.checkLink(e.hash, next)
	}
}

// forget drops the remembered hashes of records more than verifyWindow before seq.
func (v *verifier) forget(seq uint64) {
	if len(v.known) <= 2*verifyWindow {
		return
	}
	for s := range v.known {
		if s+verifyWindow < seq {
			delete(v.known, s)
		}
	}
}

func (v *verifier) checkLink(prev Hash, e entry) {
	if v.mac.chain(prev, e.seq, e.json) != e.hash {
		v.problem(Problem{Kind: ProblemModified, Seq: e.seq, EventID: eventIDOf(e.json), Detail: "record JSON does not match its chain hash"})
	}
}

// head checks the last batch and the stored head against the records walked.
func (v *verifier) head(tx meta.Tx) error {
	b, err := tx.Get(Table, keyHead)
	if errors.Is(err, meta.ErrNotFound) {
		v.check(0, false)
		if v.rep.Records > 0 {
			v.problem(Problem{Kind: ProblemHeadInvalid, Detail: "the chain head is missing"})
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read chain head: %w", err)
	}
	h, err := decodeHead(b)
	if err != nil {
		v.check(0, false)
		v.problem(Problem{Kind: ProblemHeadInvalid, Detail: err.Error()})
		return nil
	}
	v.check(h.seq+1, true)
	v.rep.HeadSeq, v.rep.HeadHash = h.seq, h.hash
	if !v.key.headMACValid(h) {
		v.problem(Problem{Kind: ProblemHeadInvalid, Seq: h.seq, Detail: "head MAC does not authenticate (head rewritten, or another chain key)"})
	}
	last := v.rep.LastSeq
	switch {
	case v.unknown: // the last batch is corrupt (reported): where the records end is unknown
	case last < h.seq:
		v.problem(Problem{Kind: ProblemTruncated, Seq: last + 1, LastSeq: h.seq, Detail: fmt.Sprintf("the head names record %d but the records end at %d", h.seq, last)})
	case last > h.seq:
		v.problem(Problem{Kind: ProblemUnanchored, Seq: h.seq + 1, LastSeq: last, Detail: fmt.Sprintf("records after the head (record %d)", h.seq)})
	}
	if got, ok := v.known[h.seq]; ok && got != h.hash {
		v.problem(Problem{Kind: ProblemHeadMismatch, Seq: h.seq, Detail: "the head's hash is not the chain hash of its record"})
	}
	return nil
}

// eventIDOf returns the eventID of record JSON, or "" if it cannot be read.
func eventIDOf(js []byte) string {
	var r struct {
		EventID string `json:"eventID"`
	}
	if json.Unmarshal(js, &r) != nil {
		return ""
	}
	return r.EventID
}
