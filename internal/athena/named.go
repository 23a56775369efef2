package athena

import (
	"context"
	"errors"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// NamedQuery is a saved query.
type NamedQuery struct {
	ID, Name, Description, Database, WorkGroup string
	Query                                      string `json:"-"`
}

// namedQuery is a named query's record: the account and region it belongs to, its SQL sealed.
type namedQuery struct {
	NamedQuery
	Account, Region string
	Sealed          []byte
}

// CreateNamedQuery saves a query in a work group (primary when none is named) and returns its ID; the same
// ClientRequestToken returns the same ID.
func (s *Service) CreateNamedQuery(ctx context.Context, c *actor.Caller, q NamedQuery, token string) (string, error) {
	if q.WorkGroup == "" {
		q.WorkGroup = PrimaryWorkGroup
	}
	if err := s.authorize(ctx, c, "athena:CreateNamedQuery", q.WorkGroup); err != nil {
		return "", err
	}
	switch {
	case q.Name == "" || len(q.Name) > 128:
		return "", invalid(codeInvalidInput, "Name must be 1 to 128 characters long.")
	case q.Database == "" || len(q.Database) > 255:
		return "", invalid(codeInvalidInput, "Database must be 1 to 255 characters long.")
	case q.Query == "" || len(q.Query) > 262144:
		return "", invalid(codeInvalidInput, "QueryString must be 1 to 262144 characters long.")
	case len(q.Description) > 1024:
		return "", invalid(codeInvalidInput, "Description must be at most 1024 characters long.")
	}
	if err := checkToken(token); err != nil {
		return "", err
	}
	id, err := s.newID()
	if err != nil {
		return "", err
	}
	q.ID = id
	sealed, err := s.sealSQL("named", id, q.Query)
	if err != nil {
		return "", err
	}
	region := s.region(c)
	rec := namedQuery{NamedQuery: q, Account: c.Account, Region: region, Sealed: sealed}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if prev, err := tokenID(tx, c.Account, region, "named", token); err != nil || prev != "" {
			id = prev
			return err
		}
		id = q.ID
		if _, err := s.loadWorkGroup(tx, c.Account, region, q.WorkGroup); err != nil {
			return err
		}
		if token != "" {
			if err := tx.Put(tableTokens, key(c.Account, region, "named", token), []byte(id)); err != nil {
				return err
			}
		}
		if err := tx.Put(tableNamedList, key(c.Account, region, q.WorkGroup, id), nil); err != nil {
			return err
		}
		return putJSON(tx, tableNamed, id, rec)
	})
	return id, err
}

// loadNamed reads a named query of the caller's account and region, or returns nil.
func (s *Service) loadNamed(ctx context.Context, c *actor.Caller, id string) (*namedQuery, error) {
	var rec *namedQuery
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		r := &namedQuery{}
		ok, err := getJSON(tx, tableNamed, id, r)
		if ok && r.Account == c.Account && r.Region == s.region(c) {
			rec = r
		}
		return err
	})
	if err != nil || rec == nil {
		return nil, err
	}
	if rec.Query, err = s.openSQL("named", rec.ID, rec.Sealed); err != nil {
		return nil, err
	}
	return rec, nil
}

// GetNamedQuery returns a named query.
func (s *Service) GetNamedQuery(ctx context.Context, c *actor.Caller, id string) (*NamedQuery, error) {
	rec, err := s.loadNamed(ctx, c, id)
	if err != nil {
		return nil, err
	}
	wg := PrimaryWorkGroup // an ID of no named query is authorized against primary, then not found
	if rec != nil {
		wg = rec.WorkGroup
	}
	if err := s.authorize(ctx, c, "athena:GetNamedQuery", wg); err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, invalid(codeNotFound, "NamedQuery %s was not found. Check the ID (ListNamedQueries lists them).", id)
	}
	return &rec.NamedQuery, nil
}

// BatchGetNamedQuery returns the named queries of ids that exist; the others are returned as unprocessed.
func (s *Service) BatchGetNamedQuery(ctx context.Context, c *actor.Caller, ids []string) ([]*NamedQuery, []Unprocessed, error) {
	return batchGet(ctx, s, c, "athena:BatchGetNamedQuery", "NamedQuery", ids, func(id string) (*NamedQuery, string, error) {
		q, err := s.loadNamed(ctx, c, id)
		if q == nil || err != nil {
			return nil, "", err
		}
		return &q.NamedQuery, q.WorkGroup, nil
	})
}

// Unprocessed is an ID a batch call did not return, and why.
type Unprocessed struct{ ID, Code, Message string }

// ListNamedQueries returns the IDs of the named queries of a work group (primary when none is named), after
// the token and at most limit of them, and the token of the next page.
func (s *Service) ListNamedQueries(ctx context.Context, c *actor.Caller, wg, token string, limit int) ([]string, string, error) {
	if wg == "" {
		wg = PrimaryWorkGroup
	}
	if err := s.authorize(ctx, c, "athena:ListNamedQueries", wg); err != nil {
		return nil, "", err
	}
	return s.listIDs(ctx, tableNamedList, key(c.Account, s.region(c), wg, ""), token, limit)
}

// DeleteNamedQuery deletes a named query.
func (s *Service) DeleteNamedQuery(ctx context.Context, c *actor.Caller, id string) error {
	rec, err := s.loadNamed(ctx, c, id)
	if err != nil {
		return err
	}
	wg := PrimaryWorkGroup
	if rec != nil {
		wg = rec.WorkGroup
	}
	if err := s.authorize(ctx, c, "athena:DeleteNamedQuery", wg); err != nil {
		return err
	}
	if rec == nil {
		return invalid(codeNotFound, "NamedQuery %s was not found.", id)
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		return errors.Join(deleteIfThere(tx, tableNamed, id), deleteIfThere(tx, tableNamedList, key(rec.Account, rec.Region, rec.WorkGroup, id)))
	})
}

// listIDs pages through the last key part of a list table's keys under prefix, limit (default 50, at most
// 50) at a time; the token is the last key returned.
func (s *Service) listIDs(ctx context.Context, table, prefix, token string, limit int) ([]string, string, error) {
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	start := prefix
	if token != "" {
		t, err := s.openToken(token)
		if err != nil || len(t) < len(prefix) || t[:len(prefix)] != prefix {
			return nil, "", invalid(codeInvalidInput, "NextToken is not valid: pass the NextToken of the previous page of this listing.")
		}
		start = t + "\x00"
	}
	var keys []string
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		keys = keys[:0]
		return tx.Scan(table, meta.Range{Prefix: prefix, Start: start, Limit: limit + 1}, func(k string, _ []byte) bool {
			keys = append(keys, k)
			return true
		})
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(keys) > limit {
		keys = keys[:limit]
		next = s.sealToken(keys[limit-1])
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = lastPart(k)
	}
	return ids, next, nil
}

func lastPart(k string) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == 0 {
			return k[i+1:]
		}
	}
	return k
}
