package trail

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Gunzip decompresses a log or digest file, for the tests of package trail_test.
var Gunzip = gunzip

// LeaseTrail makes node hold the delivery lease of the trail account/region/name until until, as another
// node delivering it would.
func (s *Service) LeaseTrail(ctx context.Context, account, region, name, node string, until time.Time) error {
	return s.updateStatus(ctx, trailKey(account, region, name), func(_ meta.Tx, _ *Trail, st *status) error {
		st.Lease, st.LeaseUntil = node, until
		return nil
	})
}
