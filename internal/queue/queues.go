package queue

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func validName(name string) bool {
	base := strings.TrimSuffix(name, ".fifo")
	return len(name) <= 80 && nameRE.MatchString(base)
}

// CreateQueue creates the queue name in c's account, or returns it when it exists with the same attributes.
func (s *Service) CreateQueue(ctx context.Context, c *actor.Caller, name string, attrs, tags map[string]string) (*Queue, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "sqs:CreateQueue", ARN(region, c.Account, name), c.Account, nil); err != nil {
		return nil, err
	}
	if !validName(name) {
		return nil, errInvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (a FIFO queue's name ends with .fifo): %q.", clip(name, 100))
	}
	if len(tags) > 0 {
		if err := s.check(ctx, c, "sqs:TagQueue", ARN(region, c.Account, name), c.Account, nil); err != nil {
			return nil, err
		}
	}
	now := s.clock.Now()
	q := newQueue(c.Account, name, region, now.Unix())
	if attrs[AttrFifoQueue] == "" && q.FIFO {
		return nil, errInvalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix; set the attribute FifoQueue to true to create one.")
	}
	// FifoQueue first: the FIFO-only attributes depend on it.
	if v, ok := attrs[AttrFifoQueue]; ok {
		if err := q.set(AttrFifoQueue, v, true); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(attrs) {
		if k != AttrFifoQueue {
			if err := q.set(k, attrs[k], true); err != nil {
				return nil, err
			}
		}
	}
	if err := s.checkRedrive(ctx, c, q); err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		q.Tags = maps.Clone(tags)
	}
	id, err := randomID(s.cfg.Rand)
	if err != nil {
		return nil, err
	}
	q.ID = id
	var out *Queue
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		old, err := load(tx, c.Account, name)
		if err != nil {
			return err
		}
		if old != nil {
			if !sameSettings(old, q) {
				return sqsError("QueueNameExists", "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s): %s.", name)
			}
			out = old
			return nil
		}
		out = q
		return save(tx, q)
	})
	return out, err
}

// sameSettings reports whether two queues have the same attributes (CreateQueue's idempotence).
func sameSettings(a, b *Queue) bool {
	x, y := *a, *b
	for _, q := range []*Queue{&x, &y} {
		q.ID, q.Created, q.Modified, q.PurgedAt, q.Tags = "", 0, 0, 0, nil
	}
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(bx) == string(by)
}

func randomID(r io.Reader) (string, error) {
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// GetQueue returns the queue name of account (c's own when empty): GetQueueUrl.
func (s *Service) GetQueue(ctx context.Context, c *actor.Caller, name, account string) (*Queue, error) {
	if account == "" {
		account = c.Account
	}
	return s.open(ctx, c, Ref{Account: account, Name: name, URL: name}, "sqs:GetQueueUrl")
}

// QueueList is a page of ListQueues.
type QueueList struct {
	Queues []*Queue
	Next   string
}

// ListQueues lists c's queues whose names start with prefix, at most max (0: 1000) from the token next.
func (s *Service) ListQueues(ctx context.Context, c *actor.Caller, prefix string, max int, next string) (*QueueList, error) {
	if err := s.check(ctx, c, "sqs:ListQueues", ARN(s.region(c), c.Account, ""), c.Account, nil); err != nil {
		return nil, err
	}
	if max < 0 || max > 1000 {
		return nil, errInvalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", max)
	}
	paged := max > 0
	if max == 0 {
		max = 1000
	}
	out := &QueueList{}
	base := queueKey(c.Account, "")
	start := base + prefix
	if next != "" {
		start = base + next + "\x00"
	}
	err := s.store.View(ctx, func(tx meta.Tx) error {
		return scanQueues(tx, meta.Range{Prefix: base + prefix, Start: start, Limit: max + 1}, func(q *Queue) bool {
			if len(out.Queues) == max {
				if paged {
					out.Next = out.Queues[max-1].Name
				}
				return false
			}
			out.Queues = append(out.Queues, q)
			return true
		})
	})
	return out, err
}

func scanQueues(tx meta.Tx, r meta.Range, fn func(*Queue) bool) error {
	var ferr error
	err := tx.Scan(tableQueues, r, func(_ string, v []byte) bool {
		var q Queue
		if ferr = json.Unmarshal(v, &q); ferr != nil {
			return false
		}
		return fn(&q)
	})
	if err == nil {
		err = ferr
	}
	return err
}

// DeleteQueue deletes a queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, c *actor.Caller, ref Ref) error {
	q, err := s.open(ctx, c, ref, "sqs:DeleteQueue")
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		cur, err := load(tx, q.Account, q.Name)
		if err != nil || cur == nil || cur.ID != q.ID {
			return err
		}
		if err := tx.Delete(tableQueues, queueKey(q.Account, q.Name)); err != nil {
			return err
		}
		if _, err := deleteAll(tx, tableMsgs, q.ID+"\x00"); err != nil {
			return err
		}
		if _, err := deleteAll(tx, tableDedup, q.ID+"\x00"); err != nil {
			return err
		}
		if err := tx.Delete(tableSeq, q.ID); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
	s.notify.wake(q.ID)
	return err
}

// PurgeQueue deletes every message of a queue; one purge per 60 seconds.
func (s *Service) PurgeQueue(ctx context.Context, c *actor.Caller, ref Ref) error {
	q, err := s.open(ctx, c, ref, "sqs:PurgeQueue")
	if err != nil {
		return err
	}
	now := s.clock.Now().UnixMilli()
	return s.store.Update(ctx, func(tx meta.Tx) error {
		cur, err := load(tx, q.Account, q.Name)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoQueue(ref.URL)
		}
		if cur.PurgedAt != 0 && now-cur.PurgedAt < 60000 {
			return sqsError("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress",
				"Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.Name)
		}
		cur.PurgedAt = now
		if err := save(tx, cur); err != nil {
			return err
		}
		_, err = deleteAll(tx, tableMsgs, cur.ID+"\x00")
		return err
	})
}

// GetAttributes returns the named attributes of a queue.
func (s *Service) GetAttributes(ctx context.Context, c *actor.Caller, ref Ref, names []string) (map[string]string, error) {
	q, err := s.open(ctx, c, ref, "sqs:GetQueueAttributes")
	if err != nil {
		return nil, err
	}
	var counts Counts
	if wantsCounts(names) {
		if counts, err = s.count(ctx, q); err != nil {
			return nil, err
		}
	}
	return q.attributes(names, counts)
}

func wantsCounts(names []string) bool {
	for _, n := range names {
		if n == AttrAll || strings.HasPrefix(n, "ApproximateNumberOfMessages") {
			return true
		}
	}
	return false
}

// SetAttributes changes a queue's attributes.
func (s *Service) SetAttributes(ctx context.Context, c *actor.Caller, ref Ref, attrs map[string]string) error {
	q, err := s.open(ctx, c, ref, "sqs:SetQueueAttributes")
	if err != nil {
		return err
	}
	return s.update(ctx, q, func(cur *Queue) error {
		for _, k := range sortedKeys(attrs) {
			if err := cur.set(k, attrs[k], false); err != nil {
				return err
			}
		}
		if attrs[AttrRedrivePolicy] != "" {
			if err := s.checkRedrive(ctx, c, cur); err != nil {
				return err
			}
		}
		cur.Modified = s.clock.Now().Unix()
		return nil
	})
}

// update changes the stored queue q with fn in one transaction.
func (s *Service) update(ctx context.Context, q *Queue, fn func(cur *Queue) error) error {
	return s.store.Update(ctx, func(tx meta.Tx) error {
		cur, err := load(tx, q.Account, q.Name)
		if err != nil {
			return err
		}
		if cur == nil || cur.ID != q.ID {
			return errNoQueue(q.Name)
		}
		if err := fn(cur); err != nil {
			return err
		}
		return save(tx, cur)
	})
}

// Tag adds tags to a queue.
func (s *Service) Tag(ctx context.Context, c *actor.Caller, ref Ref, tags map[string]string) error {
	q, err := s.open(ctx, c, ref, "sqs:TagQueue")
	if err != nil {
		return err
	}
	return s.update(ctx, q, func(cur *Queue) error {
		if cur.Tags == nil {
			cur.Tags = map[string]string{}
		}
		maps.Copy(cur.Tags, tags)
		if len(cur.Tags) > 50 {
			return errInvalidParameter("Too many tags added for queue %s: a queue has at most 50 tags.", q.Name)
		}
		return nil
	})
}

// Untag removes tags from a queue.
func (s *Service) Untag(ctx context.Context, c *actor.Caller, ref Ref, keys []string) error {
	q, err := s.open(ctx, c, ref, "sqs:UntagQueue")
	if err != nil {
		return err
	}
	return s.update(ctx, q, func(cur *Queue) error {
		for _, k := range keys {
			delete(cur.Tags, k)
		}
		return nil
	})
}

// Tags returns a queue's tags.
func (s *Service) Tags(ctx context.Context, c *actor.Caller, ref Ref) (map[string]string, error) {
	q, err := s.open(ctx, c, ref, "sqs:ListQueueTags")
	if err != nil {
		return nil, err
	}
	return q.Tags, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
