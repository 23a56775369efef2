package lake

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// QueryAccess shares a lake's tables with LAKEFORMATION subscribers: Lake Formation grants SELECT and DESCRIBE on
// the tables of the subscribed sources (their lake prefixes, "aws/CLOUD_TRAIL_MGMT/2.0/") to the subscriber's
// account, carried to it by an AWS RAM share whose ARN and name it returns.
type QueryAccess interface {
	Share(ctx context.Context, account, region, grantee string, prefixes []string) (shareARN, shareName string, err error)
	// Unshare revokes the grants on the given sources' tables, and with whole the database's too (the subscriber
	// leaves).
	Unshare(ctx context.Context, account, region, grantee string, prefixes []string, whole bool) error
}

// granteeAccount is the account a subscriber identity's principal names (an account ID or an IAM ARN).
func granteeAccount(principal string) string {
	if actor.ValidAccountID(principal) {
		return principal
	}
	parts := strings.SplitN(principal, ":", 6)
	if len(parts) == 6 && actor.ValidAccountID(parts[4]) {
		return parts[4]
	}
	return principal
}

// shareTables grants a LAKEFORMATION subscriber its sources' tables, recording the share on sub.
func (s *Service) shareTables(ctx context.Context, sub *Subscriber) error {
	if s.cfg.QueryAccess == nil || !hasAccess(sub, AccessLakeFormation) {
		return nil
	}
	arn, name, err := s.cfg.QueryAccess.Share(ctx, sub.Account, sub.Region, granteeAccount(sub.Identity.Principal), prefixes(sub.Sources))
	if err != nil {
		return asLake(err, "share the tables through Lake Formation")
	}
	sub.ResourceShareARN, sub.ResourceShareName = arn, name
	return nil
}

// unshareTables revokes what a LAKEFORMATION subscriber was granted on the given sources (whole: all it was granted).
func (s *Service) unshareTables(ctx context.Context, sub *Subscriber, srcs []SourceRef, whole bool) error {
	if s.cfg.QueryAccess == nil || !hasAccess(sub, AccessLakeFormation) || len(srcs) == 0 {
		return nil
	}
	err := s.cfg.QueryAccess.Unshare(ctx, sub.Account, sub.Region, granteeAccount(sub.Identity.Principal), prefixes(srcs), whole)
	return asLake(err, "revoke the subscriber's Lake Formation grants")
}

func hasAccess(sub *Subscriber, access string) bool {
	for _, a := range sub.AccessTypes {
		if a == access {
			return true
		}
	}
	return false
}

// dropped are the sources of before that after no longer has.
func dropped(before, after []SourceRef) []SourceRef {
	keep := map[string]bool{}
	for _, p := range prefixes(after) {
		keep[p] = true
	}
	var out []SourceRef
	for _, src := range before {
		if ps := prefixes([]SourceRef{src}); len(ps) == 1 && !keep[ps[0]] {
			out = append(out, src)
		}
	}
	return out
}

// regrant follows an update of a LAKEFORMATION subscriber: the sources now subscribed are granted first (so the
// share never empties and needs no new invitation), then dropped sources are revoked; a new identity takes all
// the old one had.
func (s *Service) regrant(ctx context.Context, before, after *Subscriber) error {
	if s.cfg.QueryAccess == nil || !hasAccess(after, AccessLakeFormation) {
		return nil
	}
	if err := s.shareTables(ctx, after); err != nil {
		return err
	}
	if granteeAccount(before.Identity.Principal) != granteeAccount(after.Identity.Principal) {
		return s.unshareTables(ctx, before, before.Sources, true)
	}
	return s.unshareTables(ctx, before, dropped(before.Sources, after.Sources), false)
}
