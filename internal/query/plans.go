package query

import (
	"context"
	"fmt"
	"sync"

	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/table"
)

// planCacheSize bounds the plans kept.
const planCacheSize = 512

// plans keeps scan plans by what determines them: the table's metadata file (immutable: a commit writes a new
// one) and the predicates. The caller's glue:GetTable is decided before a plan is looked up, and its data file
// reads after, on every query; the plan itself is the lake's metadata, read as the lake's service principal.
type plans struct {
	mu sync.Mutex
	m  map[string]*table.Plan
}

// plan returns the plan of table db.name of sc at metadata location loc for preds, from the cache or cat.
func (c *plans) plan(ctx context.Context, cat Catalog, sc datacatalog.Scope, db, name, loc string,
	preds []table.Predicate) (*table.Plan, error) {
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s\x00%#v", sc.Account, sc.Region, db, name, loc, preds)
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok && loc != "" {
		return p, nil
	}
	p, err := cat.Plan(ctx, sc, db, name, preds)
	if err != nil || loc == "" {
		return p, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= planCacheSize {
		c.m = map[string]*table.Plan{}
	}
	c.m[key] = p
	return p, nil
}
