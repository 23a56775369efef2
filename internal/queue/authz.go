package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Ref names a queue as a request does: by its URL (http://<host>/<account>/<name>).
type Ref struct {
	Account, Name string
	// URL is the URL as given, for messages.
	URL string
}

// ParseURL returns the queue a queue URL names. The host is not checked: a URL copied from another endpoint
// of the same server works.
func ParseURL(raw string) (Ref, error) {
	if raw == "" {
		return Ref{}, errMissing("QueueUrl")
	}
	path := raw
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		path = u.Path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 2 || !actor.ValidAccountID(parts[0]) || parts[1] == "" {
		return Ref{}, sqsError("InvalidAddress", "InvalidAddress",
			"The address %s is not valid for this endpoint: a queue URL is http://<host>/<account>/<queue name>.", clip(raw, 200))
	}
	return Ref{Account: parts[0], Name: parts[1], URL: raw}, nil
}

// region returns the region of c's request.
func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

// load returns the queue ref names, or nil.
func load(tx meta.Tx, account, name string) (*Queue, error) {
	v, err := tx.Get(tableQueues, queueKey(account, name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var q Queue
	if err := json.Unmarshal(v, &q); err != nil {
		return nil, fmt.Errorf("queue %s/%s: %w", account, name, err)
	}
	return &q, nil
}

func save(tx meta.Tx, q *Queue) error {
	v, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return tx.Put(tableQueues, queueKey(q.Account, q.Name), v)
}

// open loads the queue ref names and authorizes action on it for c. A queue that does not exist is reported
// only to callers that the action would be allowed for by their own policies; others are refused.
func (s *Service) open(ctx context.Context, c *actor.Caller, ref Ref, action string) (*Queue, error) {
	var q *Queue
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		q, err = load(tx, ref.Account, ref.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if q == nil {
		if err := s.check(ctx, c, action, ARN(s.region(c), ref.Account, ref.Name), ref.Account, nil); err != nil {
			return nil, err
		}
		return nil, errNoQueue(ref.URL)
	}
	return q, s.authorize(ctx, c, q, action)
}

// authorize decides action on q for c with c's policies and the queue policy.
func (s *Service) authorize(ctx context.Context, c *actor.Caller, q *Queue, action string) error {
	pol, err := s.queuePolicy(q)
	if err != nil {
		return err
	}
	return s.check(ctx, c, action, q.ARN(), q.Account, pol)
}

func (s *Service) check(ctx context.Context, c *actor.Caller, action, resource, owner string, pol *policy.Policy) error {
	err := actor.Check(ctx, s.authz, c, actor.Request{Action: action, Resource: resource, ResourceAccount: owner, ResourcePolicy: pol}, refusal)
	var d *actor.Denial
	if errors.As(err, &d) {
		return denied(d)
	}
	return err
}

// queuePolicy returns q's parsed policy, or nil.
func (s *Service) queuePolicy(q *Queue) (*policy.Policy, error) {
	if q.Policy == "" {
		return nil, nil
	}
	if p, ok := s.policies.Load(q.Policy); ok {
		return p.(*policy.Policy), nil
	}
	p, err := policy.Parse([]byte(q.Policy), policy.Resource)
	if err != nil {
		return nil, fmt.Errorf("stored policy of %s: %w", q, err)
	}
	p.Name = "queue policy of " + q.Name
	s.policies.Store(q.Policy, p)
	return p, nil
}
