package queue

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/meta"
)

// ReceiveRequest asks for messages.
type ReceiveRequest struct {
	// Max is MaxNumberOfMessages (1–10; 0 means 1).
	Max int
	// Visibility and Wait override the queue's VisibilityTimeout and ReceiveMessageWaitTimeSeconds.
	Visibility, Wait *int
	// AttrNames are the message attributes to return ("All", ".*", "name", "prefix.*"); SystemNames the
	// system attributes ("All", "SenderId", …).
	AttrNames, SystemNames []string
	// AttemptID is a FIFO queue's ReceiveRequestAttemptId.
	AttemptID string
}

// Received is a received message.
type Received struct {
	MessageID, ReceiptHandle string
	Body                     string
	MD5Body, MD5Attrs        string
	Attrs                    map[string]Attribute
	System                   map[string]string
}

// Receive receives messages from a queue, waiting up to the wait time for one to arrive.
func (s *Service) Receive(ctx context.Context, c *actor.Caller, ref Ref, req ReceiveRequest) ([]Received, error) {
	q, err := s.open(ctx, c, ref, "sqs:ReceiveMessage")
	if err != nil {
		return nil, err
	}
	if req.Max == 0 {
		req.Max = 1
	}
	if req.Max < 1 || req.Max > MaxBatch {
		return nil, errInvalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", req.Max)
	}
	vis := q.Visibility
	if req.Visibility != nil {
		if vis = *req.Visibility; vis < 0 || vis > maxVisibility {
			return nil, errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= %d.", vis, maxVisibility)
		}
	}
	wait := q.WaitSeconds
	if req.Wait != nil {
		if wait = *req.Wait; wait < 0 || wait > maxWait {
			return nil, errInvalidParameter("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", wait)
		}
	}
	if req.AttemptID != "" && !q.FIFO {
		req.AttemptID = "" // standard queues ignore it
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		woken := s.notify.wait(q.ID)
		msgs, err := s.take(ctx, q, req, vis)
		if err != nil || len(msgs) > 0 || !time.Now().Before(deadline) {
			if err != nil {
				return nil, err
			}
			out, err := s.deliver(ctx, c, q, msgs, req)
			if err != nil {
				s.release(ctx, q, msgs) // a receiver that cannot open them does not hide them from others
			}
			return out, err
		}
		t := time.NewTimer(min(s.cfg.PollInterval, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-woken:
		case <-t.C:
		}
		t.Stop()
	}
}

// taken is a message taken for a receive, with its new receipt.
type taken struct {
	m      *message
	handle string
}

// take makes up to req.Max receivable messages in flight for vis seconds, in one transaction.
func (s *Service) take(ctx context.Context, q *Queue, req ReceiveRequest, vis int) ([]taken, error) {
	var out []taken
	var moved bool
	err := s.write(ctx, func(tx meta.Tx) error {
		out, moved = nil, false
		now := s.clock.Now()
		if req.AttemptID != "" {
			if prev, ok, err := s.attempt(tx, q, req.AttemptID, now); err != nil || ok {
				out = prev
				return err
			}
		}
		var cands []*message
		var err error
		if q.FIFO {
			cands, err = s.fifoCandidates(tx, q, req.Max, now)
		} else {
			cands, err = s.candidates(tx, q, req.Max, now)
		}
		if err != nil {
			return err
		}
		dlq, max, err := s.deadLetter(tx, q)
		if err != nil {
			return err
		}
		for _, m := range cands {
			if dlq != nil && m.Recvs >= max {
				if err := s.moveToDLQ(tx, q, dlq, m, now); err != nil {
					return err
				}
				moved = true
				continue
			}
			h, err := s.markInFlight(tx, q, m, now, vis)
			if err != nil {
				return err
			}
			out = append(out, taken{m: m, handle: h})
		}
		if req.AttemptID != "" && len(out) > 0 {
			return s.saveAttempt(tx, q, req.AttemptID, out, now)
		}
		return nil
	})
	if moved {
		s.wakeByARN(ctx, q)
	}
	return out, err
}

// candidates returns the receivable messages of a standard queue, oldest visibility first, deleting the
// expired ones it meets.
func (s *Service) candidates(tx meta.Tx, q *Queue, max int, now time.Time) ([]*message, error) {
	var seqs, expiredIdx []string
	var idx []string
	err := tx.Scan(tableMsgs, meta.Range{Prefix: indexPrefix(q.ID), End: indexDue(q.ID, now.UnixMilli()), Limit: max + 20}, func(k string, _ []byte) bool {
		idx = append(idx, k)
		seqs = append(seqs, seqOfIndex(k))
		return true
	})
	if err != nil {
		return nil, err
	}
	var out []*message
	for i, seq := range seqs {
		if len(out) == max {
			break
		}
		m, err := getMessage(tx, q.ID, seq)
		if err != nil {
			return nil, err
		}
		if m == nil || q.expired(m, now) {
			expiredIdx = append(expiredIdx, idx[i])
			if m != nil {
				if err := tx.Delete(tableMsgs, recordKey(q.ID, seq)); err != nil {
					return nil, err
				}
			}
			continue
		}
		out = append(out, m)
	}
	for _, k := range expiredIdx {
		if err := tx.Delete(tableMsgs, k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fifoCandidates returns the receivable messages of a FIFO queue: in order, from message groups that have no
// message in flight.
func (s *Service) fifoCandidates(tx meta.Tx, q *Queue, max int, now time.Time) ([]*message, error) {
	blocked := map[string]bool{}
	var out, expired []*message
	nowMs := now.UnixMilli()
	var ferr error
	err := tx.Scan(tableMsgs, meta.Range{Prefix: recordPrefix(q.ID)}, func(_ string, v []byte) bool {
		m := new(message)
		if ferr = json.Unmarshal(v, m); ferr != nil {
			return false
		}
		switch {
		case q.expired(m, now):
			expired = append(expired, m)
		case m.VisibleAt > nowMs:
			blocked[m.Group] = true
		case !blocked[m.Group]:
			out = append(out, m)
		}
		return len(out) < max
	})
	if err == nil {
		err = ferr
	}
	for _, m := range expired {
		if err == nil {
			err = tx.Delete(tableMsgs, recordKey(q.ID, m.Seq))
		}
	}
	return out, err
}

func (q *Queue) expired(m *message, now time.Time) bool {
	return now.UnixMilli()-m.Sent >= int64(q.Retention)*1000
}

func getMessage(tx meta.Tx, qid, seq string) (*message, error) {
	v, err := tx.Get(tableMsgs, recordKey(qid, seq))
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := new(message)
	return m, json.Unmarshal(v, m)
}

func putMessage(tx meta.Tx, qid string, m *message) error {
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Put(tableMsgs, recordKey(qid, m.Seq), v)
}

// setVisible moves m's visibility to at (Unix ms) in state st, in the record and (standard queues) the index.
func setVisible(tx meta.Tx, q *Queue, m *message, at int64, st byte) error {
	if !q.FIFO {
		if err := tx.Delete(tableMsgs, indexKey(q.ID, m.VisibleAt, m.Seq)); err != nil && !isNotFound(err) {
			return err
		}
		if err := tx.Put(tableMsgs, indexKey(q.ID, at, m.Seq), []byte{st}); err != nil {
			return err
		}
	}
	m.VisibleAt = at
	return putMessage(tx, q.ID, m)
}

// markInFlight gives m a new receipt, hides it for vis seconds and returns its receipt handle.
func (s *Service) markInFlight(tx meta.Tx, q *Queue, m *message, now time.Time, vis int) (string, error) {
	r, err := receiptNonce(s.cfg.Rand)
	if err != nil {
		return "", err
	}
	m.Receipt = r
	m.Recvs++
	if m.FirstRecv == 0 {
		m.FirstRecv = now.UnixMilli()
	}
	if err := setVisible(tx, q, m, now.Add(time.Duration(vis)*time.Second).UnixMilli(), stateInFlight); err != nil {
		return "", err
	}
	return handle{qid: q.ID, seq: m.Seq, receipt: r}.encode(), nil
}

func receiptNonce(r io.Reader) (string, error) {
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// release makes taken messages visible again, those still under the receipts they were taken with.
func (s *Service) release(ctx context.Context, q *Queue, msgs []taken) {
	err := s.write(context.WithoutCancel(ctx), func(tx meta.Tx) error {
		now := s.clock.Now().UnixMilli()
		for _, t := range msgs {
			m, err := getMessage(tx, q.ID, t.m.Seq)
			if err != nil {
				return err
			}
			if m == nil || m.Receipt != t.m.Receipt {
				continue
			}
			if err := setVisible(tx, q, m, now, stateInFlight); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.cfg.Logger.Warn("release messages after a failed receive", "queue", q.ARN(), "err", err)
		return
	}
	s.notify.wake(q.ID)
}

// deliver opens the taken messages for c: the bodies, the attributes asked for and their digests.
func (s *Service) deliver(ctx context.Context, c *actor.Caller, q *Queue, msgs []taken, req ReceiveRequest) ([]Received, error) {
	out := make([]Received, 0, len(msgs))
	for _, t := range msgs {
		m := t.m
		key, err := s.openKey(ctx, c, q, m)
		if err != nil {
			return nil, err
		}
		p, err := openPayload(key, m.Sealed, m.ID)
		if err != nil {
			return nil, err
		}
		r := Received{MessageID: m.ID, ReceiptHandle: t.handle, Body: p.Body, MD5Body: MD5OfBody(p.Body)}
		r.Attrs = pickAttrs(p.Attrs, req.AttrNames)
		r.MD5Attrs = MD5OfAttributes(r.Attrs)
		r.System = systemAttrs(q, m, p, req.SystemNames)
		out = append(out, r)
	}
	return out, nil
}

// openKey returns the key m is sealed with, for the receiver c: an SSE-KMS message's data key is decrypted
// as c through SQS (answered from memory for the queue's reuse period, per principal).
func (s *Service) openKey(ctx context.Context, c *actor.Caller, q *Queue, m *message) ([]byte, error) {
	if m.KeyARN == "" {
		return s.sseKey, nil
	}
	if s.cfg.Keys == nil {
		return nil, sqsError("KmsNotFound", "KMS.NotFoundException", "This seclake has no KMS for the key %s.", m.KeyARN)
	}
	return s.cfg.Keys.OpenKey(ctx, c, envelope.OpenRequest{Wrapped: m.Wrapped, KeyARN: m.KeyARN,
		Context: map[string]string{"aws:sqs:arn": m.Context}, ReuseFor: time.Duration(q.kmsReuse()) * time.Second})
}

// pickAttrs returns the attributes that names select ("All", ".*", a name, "prefix.*").
func pickAttrs(attrs map[string]Attribute, names []string) map[string]Attribute {
	if len(attrs) == 0 || len(names) == 0 {
		return nil
	}
	out := map[string]Attribute{}
	for n, a := range attrs {
		for _, w := range names {
			if w == "All" || w == ".*" || w == n || strings.HasSuffix(w, ".*") && strings.HasPrefix(n, strings.TrimSuffix(w, "*")) {
				out[n] = a
				break
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// systemAttrs returns the system attributes names select.
func systemAttrs(q *Queue, m *message, p *payload, names []string) map[string]string {
	if len(names) == 0 {
		return nil
	}
	all := map[string]string{
		"SenderId":                         m.Sender,
		"SentTimestamp":                    strconv.FormatInt(m.Sent, 10),
		"ApproximateReceiveCount":          strconv.Itoa(m.Recvs),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstRecv, 10),
	}
	if q.FIFO {
		all["SequenceNumber"] = seqNumber(m.SeqNum)
		all["MessageDeduplicationId"] = m.Dedup
		all["MessageGroupId"] = m.Group
	}
	if t, ok := p.System["AWSTraceHeader"]; ok {
		all["AWSTraceHeader"] = t.StringValue
	}
	if m.Source != "" {
		all["DeadLetterQueueSourceArn"] = m.Source
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out
}

// count returns the Approximate* counters of q.
func (s *Service) count(ctx context.Context, q *Queue) (Counts, error) {
	var c Counts
	now := s.clock.Now()
	nowMs := now.UnixMilli()
	err := s.store.View(ctx, func(tx meta.Tx) error {
		c = Counts{}
		if q.FIFO {
			return tx.Scan(tableMsgs, meta.Range{Prefix: recordPrefix(q.ID)}, func(_ string, v []byte) bool {
				var m message
				if json.Unmarshal(v, &m) != nil || q.expired(&m, now) {
					return true
				}
				c.add(m.VisibleAt > nowMs, m.Recvs > 0)
				return true
			})
		}
		return tx.Scan(tableMsgs, meta.Range{Prefix: indexPrefix(q.ID)}, func(k string, v []byte) bool {
			c.add(visibleOfIndex(q.ID, k) > nowMs, len(v) == 1 && v[0] == stateInFlight)
			return true
		})
	})
	return c, err
}

func (c *Counts) add(hidden, received bool) {
	switch {
	case !hidden:
		c.Visible++
	case received:
		c.NotVisible++
	default:
		c.Delayed++
	}
}
