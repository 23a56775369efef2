package table

import (
	"context"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
)

// sessionTTL is how long a lake keeps a session of its resource-management role before asking IAM again (the
// session itself lasts an hour): a role deleted or created meanwhile is seen within it.
const sessionTTL = 5 * time.Minute

// sessionCache keeps a lake's session of its resource-management role, so that each object read or write does
// not assume the role again. An account without the role is asked again on every use (it is created once,
// by CreateDataLake, and the lake must act as it from then on).
type sessionCache struct {
	mu    sync.Mutex
	c     *actor.Caller
	until time.Time
}

// get returns a copy of the session for a request at now, or nil when there is none (no Sessions, no role, or
// IAM refused: the lake then acts as its service principal).
func (sc *sessionCache) get(ctx context.Context, cfg Config, src actor.Source, now time.Time) *actor.Caller {
	if cfg.Sessions == nil {
		return nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.c == nil || !now.Before(sc.until) {
		c, err := cfg.Sessions.ResourceManagementSession(ctx, cfg.Account, cfg.Region, src)
		if err != nil || c == nil {
			sc.c = nil
			return nil
		}
		sc.c, sc.until = c, now.Add(sessionTTL)
	}
	out := *sc.c
	out.Time, out.Region, out.Source = now, cfg.Region, src
	return &out
}
