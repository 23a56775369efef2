package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/meta"
)

// SendEntry is one message to send.
type SendEntry struct {
	// ID is the batch entry's ID (empty for SendMessage).
	ID   string
	Body string
	// Delay overrides the queue's DelaySeconds when set (standard queues only).
	Delay  *int
	Attrs  map[string]Attribute
	System map[string]Attribute
	// GroupID and DedupID are the FIFO queue's MessageGroupId and MessageDeduplicationId.
	GroupID, DedupID string
}

// SendResult is the outcome of one entry: the message's ID and digests, or Err.
type SendResult struct {
	ID                string
	MessageID         string
	MD5Body, MD5Attrs string
	MD5System         string
	SequenceNumber    string
	Err               *awserr.Error
}

// dedupWindow is how long FIFO queues remember deduplication IDs and receive attempts.
const dedupWindow = 5 * time.Minute

var entryIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// checkBatch validates the IDs of a batch request's entries.
func checkBatch(ids []string, single bool) error {
	if single {
		return nil
	}
	if len(ids) == 0 {
		return errEmptyBatch()
	}
	if len(ids) > MaxBatch {
		return errTooManyEntries(len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !entryIDRE.MatchString(id) {
			return errBatchEntryID(id)
		}
		if seen[id] {
			return errIDsNotDistinct(id)
		}
		seen[id] = true
	}
	return nil
}

// Send sends messages to a queue as c: SendMessage (one entry, single) and SendMessageBatch. A batch's
// entries fail one by one (SendResult.Err); a failure of the whole request is the error.
func (s *Service) Send(ctx context.Context, c *actor.Caller, ref Ref, entries []SendEntry, single bool) ([]SendResult, error) {
	q, err := s.open(ctx, c, ref, "sqs:SendMessage")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(entries))
	total := 0
	for i, e := range entries {
		ids[i] = e.ID
		total += len(e.Body)
		for n, a := range e.Attrs {
			total += a.size(n)
		}
	}
	if err := checkBatch(ids, single); err != nil {
		return nil, err
	}
	if !single && total > q.MaximumSize {
		return nil, errBatchTooLong(total, q.MaximumSize)
	}
	return s.sendTo(ctx, c, q, entries, "")
}

// SendAs sends one message as the service principal c (events.amazonaws.com, s3.amazonaws.com; c.Source
// is the rule or bucket): the queue policy decides, and an SSE-KMS queue's key policy must let c generate
// data keys. It is the domain API of EventBridge targets and S3 notifications.
func (s *Service) SendAs(ctx context.Context, c *actor.Caller, queueARN string, e SendEntry) (SendResult, error) {
	ref, err := refOfARN(queueARN)
	if err != nil {
		return SendResult{}, err
	}
	res, err := s.Send(ctx, c, ref, []SendEntry{e}, true)
	if err != nil {
		return SendResult{}, err
	}
	if res[0].Err != nil {
		return res[0], res[0].Err
	}
	return res[0], nil
}

// QueueExists reports whether the queue of an ARN exists: a lookup of the services that deliver to queues (S3
// tells a missing queue from a refusing one when it checks a notification configuration), not an SQS call.
func (s *Service) QueueExists(ctx context.Context, queueARN string) (bool, error) {
	ref, err := refOfARN(queueARN)
	if err != nil {
		return false, err
	}
	var q *Queue
	err = s.store.View(ctx, func(tx meta.Tx) error {
		q, err = load(tx, ref.Account, ref.Name)
		return err
	})
	return q != nil, err
}

func refOfARN(arn string) (Ref, error) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" {
		return Ref{}, errInvalidParameter("%q is not a queue ARN (arn:aws:sqs:<region>:<account>:<name>).", clip(arn, 200))
	}
	return Ref{Account: p[4], Name: p[5], URL: arn}, nil
}

// prepared is an entry ready to store.
type prepared struct {
	res *SendResult
	msg *message
	e   *SendEntry
}

func (s *Service) sendTo(ctx context.Context, c *actor.Caller, q *Queue, entries []SendEntry, source string) ([]SendResult, error) {
	now := s.clock.Now()
	out := make([]SendResult, len(entries))
	var ready []prepared
	var key *sealKey
	for i := range entries {
		e := &entries[i]
		out[i].ID = e.ID
		if err := q.validate(e); err != nil {
			out[i].Err = err
			continue
		}
		if key == nil {
			var err error
			if key, err = s.sendKey(ctx, c, q); err != nil {
				return nil, err
			}
		}
		id, err := newMessageID(s.cfg.Rand)
		if err != nil {
			return nil, err
		}
		m := &message{ID: id, Sent: now.UnixMilli(), Sender: senderID(c), Group: e.GroupID, Source: source}
		delay := q.DelaySeconds
		if e.Delay != nil {
			delay = *e.Delay
		}
		m.VisibleAt = now.Add(time.Duration(delay) * time.Second).UnixMilli()
		if q.FIFO {
			m.Dedup = e.DedupID
			if m.Dedup == "" {
				sum := sha256.Sum256([]byte(e.Body))
				m.Dedup = hex.EncodeToString(sum[:])
			}
		}
		m.KeyARN, m.Wrapped, m.Context = key.arn, key.wrapped, key.context
		if m.Sealed, err = sealPayload(key.plain, &payload{Body: e.Body, Attrs: e.Attrs, System: e.System}, m.ID, s.cfg.Rand); err != nil {
			return nil, err
		}
		out[i].MessageID = id
		out[i].MD5Body = MD5OfBody(e.Body)
		out[i].MD5Attrs = MD5OfAttributes(e.Attrs)
		out[i].MD5System = MD5OfAttributes(e.System)
		ready = append(ready, prepared{res: &out[i], msg: m, e: e})
	}
	if len(ready) == 0 {
		return out, nil
	}
	if err := s.write(ctx, func(tx meta.Tx) error { return s.insert(tx, q, ready, now) }); err != nil {
		return nil, err
	}
	s.notify.wake(q.ID)
	return out, nil
}

// insert stores prepared messages in one transaction. FIFO queues number them and drop duplicates.
func (s *Service) insert(tx meta.Tx, q *Queue, ready []prepared, now time.Time) error {
	for _, p := range ready {
		m := p.msg
		if q.FIFO {
			dup, err := s.dedup(tx, q, p, now)
			if err != nil {
				return err
			}
			if dup {
				continue
			}
		} else {
			m.Seq = standardSeq(now, m.ID)
			if err := tx.Put(tableMsgs, indexKey(q.ID, m.VisibleAt, m.Seq), []byte{stateWaiting}); err != nil {
				return err
			}
		}
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := tx.Insert(tableMsgs, recordKey(q.ID, m.Seq), v); err != nil {
			return err
		}
	}
	return nil
}

// dedup numbers a FIFO message, or reports it a duplicate of one sent within the window (whose ID and
// sequence number it then reports).
func (s *Service) dedup(tx meta.Tx, q *Queue, p prepared, now time.Time) (bool, error) {
	m := p.msg
	dkey := q.ID + "\x00d\x00" + m.Dedup
	if q.DedupScope == "messageGroup" {
		dkey = q.ID + "\x00d\x00" + m.Group + "\x00" + m.Dedup
	}
	type dedupRecord struct {
		Until  int64  `json:"until"`
		ID     string `json:"id"`
		SeqNum uint64 `json:"seq"`
	}
	if v, err := tx.Get(tableDedup, dkey); err == nil {
		var d dedupRecord
		if json.Unmarshal(v, &d) == nil && d.Until > now.UnixMilli() {
			p.res.MessageID, p.res.SequenceNumber = d.ID, seqNumber(d.SeqNum)
			return true, nil
		}
	} else if !isNotFound(err) {
		return false, err
	}
	var last uint64
	if v, err := tx.Get(tableSeq, q.ID); err == nil {
		last, _ = strconv.ParseUint(string(v), 10, 64)
	} else if !isNotFound(err) {
		return false, err
	}
	last++
	if err := tx.Put(tableSeq, q.ID, []byte(strconv.FormatUint(last, 10))); err != nil {
		return false, err
	}
	m.SeqNum, m.Seq = last, hex16(last)
	p.res.SequenceNumber = seqNumber(last)
	v, _ := json.Marshal(dedupRecord{Until: now.Add(dedupWindow).UnixMilli(), ID: m.ID, SeqNum: last})
	return false, tx.Put(tableDedup, dkey, v)
}

func seqNumber(n uint64) string { return fmt.Sprintf("%020d", n) }

// validate checks an entry against the queue's rules and limits.
func (q *Queue) validate(e *SendEntry) *awserr.Error {
	if !utf8.ValidString(e.Body) || !validBody(e.Body) {
		return sqsError("InvalidMessageContents", "InvalidMessageContents", "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.")
	}
	if e.Body == "" {
		return errMissing("MessageBody")
	}
	size := len(e.Body)
	if len(e.Attrs) > 10 {
		return errInvalidParameter("Number of message attributes [%d] exceeds the allowed maximum [10].", len(e.Attrs))
	}
	for n, a := range e.Attrs {
		if err := validAttr(n, a); err != nil {
			return err
		}
		size += a.size(n)
	}
	for n, a := range e.System {
		if n != "AWSTraceHeader" || a.DataType != "String" {
			return errInvalidParameter("Message system attribute name %q is invalid: only AWSTraceHeader, of type String, may be sent.", clip(n, 100))
		}
	}
	if size > q.MaximumSize {
		return errInvalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.MaximumSize)
	}
	if e.Delay != nil && (*e.Delay < 0 || *e.Delay > maxDelay) {
		return errInvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= %d.", *e.Delay, maxDelay)
	}
	if !q.FIFO {
		if e.GroupID != "" || e.DedupID != "" {
			return errInvalidParameter("The request include parameter that is not valid for this queue type: MessageGroupId and MessageDeduplicationId are for FIFO queues.")
		}
		return nil
	}
	if e.Delay != nil && *e.Delay != 0 {
		return errInvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *e.Delay)
	}
	if e.GroupID == "" {
		return errMissing("MessageGroupId")
	}
	if e.DedupID == "" && !q.ContentDedup {
		return errInvalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly.")
	}
	if len(e.GroupID) > 128 || len(e.DedupID) > 128 {
		return errInvalidParameter("MessageGroupId and MessageDeduplicationId are at most 128 characters.")
	}
	return nil
}

var attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

func validAttr(n string, a Attribute) *awserr.Error {
	if !attrNameRE.MatchString(n) || strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".") || strings.Contains(n, "..") ||
		strings.HasPrefix(strings.ToLower(n), "aws.") || strings.HasPrefix(strings.ToLower(n), "amazon.") {
		return errInvalidParameter("Message attribute name '%s' is invalid.", clip(n, 100))
	}
	base, _, _ := strings.Cut(a.DataType, ".")
	switch base {
	case "String", "Number":
		if a.StringValue == "" {
			return errInvalidParameter("Message attribute '%s' must contain a non-empty value of type '%s'.", n, base)
		}
		if base == "Number" {
			if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
				return errInvalidParameter("Can't cast the value of message (user) attribute '%s' to a number.", n)
			}
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return errInvalidParameter("Message attribute '%s' must contain a non-empty value of type 'Binary'.", n)
		}
	default:
		return errInvalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", n)
	}
	return nil
}

// senderID is the SenderId system attribute: the principal's ID (AIDA… for users, AROA…:session for roles),
// the account for root, the service's name for a service principal.
func senderID(c *actor.Caller) string {
	switch {
	case c.Type == actor.TypeService:
		return c.Service
	case c.ID != "":
		return c.ID
	}
	return c.Account
}

func newMessageID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// sealKey is the key messages are sealed with: SSE-SQS's, or a KMS data key.
type sealKey struct {
	plain        []byte
	arn, context string
	wrapped      []byte
}

// sendKey returns the key to seal q's messages with for the sender c: a KMS data key of an SSE-KMS queue,
// generated as c through SQS (reused for the queue's reuse period, per principal), or SSE-SQS's key.
func (s *Service) sendKey(ctx context.Context, c *actor.Caller, q *Queue) (*sealKey, error) {
	if q.KMSKey == "" {
		return &sealKey{plain: s.sseKey}, nil
	}
	if s.cfg.Keys == nil {
		return nil, sqsError("KmsNotFound", "KMS.NotFoundException", "This seclake has no KMS for the queue's key %s.", q.KMSKey)
	}
	arn := q.ARN()
	dk, err := s.cfg.Keys.NewKey(ctx, c, envelope.KeyRequest{KeyID: q.KMSKey, Context: map[string]string{"aws:sqs:arn": arn},
		ReuseFor: time.Duration(q.kmsReuse()) * time.Second, Scope: arn})
	if err != nil {
		return nil, err
	}
	return &sealKey{plain: dk.Plaintext, arn: dk.KeyARN, wrapped: dk.Wrapped, context: arn}, nil
}

// stateWaiting and stateInFlight are the states of standard queues' visibility index entries.
const (
	stateWaiting  = 'w'
	stateInFlight = 'i'
)
