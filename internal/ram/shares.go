package ram

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// ShareInput is CreateResourceShare's request.
type ShareInput struct {
	Name          string
	Resources     []string
	Principals    []string
	AllowExternal *bool
	Tags          []Tag
}

// CreateResourceShare creates a share of the caller's resources with principals.
func (s *Service) CreateResourceShare(ctx context.Context, c *actor.Caller, in ShareInput) (*Share, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "ram:CreateResourceShare", "arn:aws:ram:"+region+":"+c.Account+":resource-share/*"); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, errParam("The request is missing the required parameter name.")
	}
	allow := in.AllowExternal == nil || *in.AllowExternal
	return s.create(ctx, c.Account, region, in.Name, allow, in.Tags, in.Resources, in.Principals)
}

func (s *Service) create(ctx context.Context, owner, region, name string, allowExternal bool, tags []Tag, resources, principals []string) (*Share, error) {
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now().UTC()
	sh := &Share{ARN: ShareARN(region, owner, id), Name: name, Owner: owner, Region: region, AllowExternal: allowExternal,
		Status: StatusActive, Tags: tags, Created: now, Updated: now}
	if err := s.associate(ctx, sh, resources, principals); err != nil {
		return nil, err
	}
	return sh, nil
}

// resolved is a principal of a share as RAM associates it.
type resolved struct {
	entity, status, receiver string
	external                 bool
}

// orgSharing reports whether the management account enabled sharing with the organization.
func (s *Service) orgSharing(ctx context.Context) (bool, error) {
	var on bool
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		v, err := tx.Get(tableSettings, "org")
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		on = err == nil && string(v) == "enabled"
		return err
	})
	return on, err
}

// resolve decides how each principal joins a share of owner's: within the organization with sharing enabled it
// is associated at once; an account outside it (or any account while sharing is off) is invited.
func (s *Service) resolve(ctx context.Context, owner string, allowExternal bool, principals []string) ([]resolved, error) {
	if len(principals) == 0 {
		return nil, nil
	}
	sharing, err := s.orgSharing(ctx)
	if err != nil {
		return nil, err
	}
	ownerOrg := ""
	if s.cfg.Orgs != nil {
		if ownerOrg, _, err = s.cfg.Orgs.Path(ctx, owner); err != nil {
			return nil, err
		}
	}
	var out []resolved
	for _, p := range principals {
		r, err := s.resolveOne(ctx, owner, ownerOrg, sharing, allowExternal, p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) resolveOne(ctx context.Context, owner, ownerOrg string, sharing, allowExternal bool, p string) (resolved, error) {
	if org, ok := OrgOfPrincipal(p); ok {
		if !sharing || org != ownerOrg {
			return resolved{}, errNotPermitted("Unable to share with %s: sharing with AWS Organizations is not enabled for your organization; "+
				"the management account enables it with aws ram enable-sharing-with-aws-organization.", p)
		}
		return resolved{entity: p, status: StatusAssociated}, nil
	}
	acct := principalAccount(p)
	if acct == "" {
		return resolved{}, errMalformed(p)
	}
	if acct == owner {
		return resolved{}, errParam("The principal %s is in the share's own account %s: share with other accounts only.", p, owner)
	}
	if sharing && ownerOrg != "" && s.cfg.Orgs != nil {
		org, _, err := s.cfg.Orgs.Path(ctx, acct)
		if err != nil {
			return resolved{}, err
		}
		if org == ownerOrg {
			return resolved{entity: p, status: StatusAssociated, receiver: acct}, nil
		}
	}
	if !allowExternal {
		return resolved{}, errNotPermitted("The resource share does not allow external principals, and %s is outside your organization "+
			"(or sharing with AWS Organizations is not enabled).", p)
	}
	return resolved{entity: p, status: StatusAssociating, receiver: acct, external: true}, nil
}

// OrgOfPrincipal returns the organization an organization or OU ARN names.
func OrgOfPrincipal(p string) (string, bool) {
	const prefix = "arn:aws:organizations::"
	if !strings.HasPrefix(p, prefix) {
		return "", false
	}
	rest := p[strings.Index(p[len(prefix):], ":")+len(prefix)+1:]
	switch {
	case strings.HasPrefix(rest, "organization/"):
		return strings.TrimPrefix(rest, "organization/"), true
	case strings.HasPrefix(rest, "ou/"):
		org, _, _ := strings.Cut(strings.TrimPrefix(rest, "ou/"), "/")
		return org, true
	}
	return "", false
}

// principalAccount is the account an account ID or an IAM user or role ARN names ("" for anything else).
func principalAccount(p string) string {
	if actor.ValidAccountID(p) {
		return p
	}
	if rest, ok := strings.CutPrefix(p, "arn:aws:iam::"); ok {
		acct, res, _ := strings.Cut(rest, ":")
		if actor.ValidAccountID(acct) && (strings.HasPrefix(res, "role/") || strings.HasPrefix(res, "user/")) {
			return acct
		}
	}
	return ""
}

// validResource checks that arn names a resource of owner that RAM can share (Glue catalogs, databases, tables).
func validResource(owner, arn string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] == "" || parts[5] == "" {
		return errMalformed(arn)
	}
	if parts[4] != owner {
		return errUnknown("The resource %s is not in your account %s: a share holds its owner's resources only.", arn, owner)
	}
	return nil
}

// associate adds resources and principals to sh (a new share when it has no record yet), inviting the accounts
// that must accept, in one transaction.
func (s *Service) associate(ctx context.Context, sh *Share, resources, principals []string) error {
	for _, r := range resources {
		if err := validResource(sh.Owner, r); err != nil {
			return err
		}
	}
	res, err := s.resolve(ctx, sh.Owner, sh.AllowExternal, principals)
	if err != nil {
		return err
	}
	key, err := shareKey(sh.ARN)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var cur Share
		found, err := meta.GetJSON(tx, tableShares, key, &cur)
		if err != nil {
			return err
		}
		if found {
			if cur.Status != StatusActive {
				return errUnknown("The resource share %s is %s.", sh.ARN, cur.Status)
			}
			*sh = cur
		}
		now := s.cfg.Clock.Now().UTC()
		for _, r := range resources {
			sh.Resources = upsert(sh.Resources, Association{ShareARN: sh.ARN, ShareName: sh.Name, Entity: r, Type: TypeResource,
				Status: StatusAssociated, Created: now, Updated: now})
		}
		for _, r := range res {
			if r.status == StatusAssociating {
				if prev := find(sh.Principals, r.entity); prev != nil && prev.Status == StatusAssociated {
					continue // already accepted
				}
				if err := s.invite(tx, sh, r.receiver, now); err != nil {
					return err
				}
			}
			sh.Principals = upsert(sh.Principals, Association{ShareARN: sh.ARN, ShareName: sh.Name, Entity: r.entity, Type: TypePrincipal,
				Status: r.status, External: r.external, Created: now, Updated: now})
		}
		sh.Updated = now
		return meta.PutJSON(tx, tableShares, key, sh)
	})
}

func find(as []Association, entity string) *Association {
	for i := range as {
		if as[i].Entity == entity {
			return &as[i]
		}
	}
	return nil
}

// upsert adds a, or brings an association of the same entity that had left back.
func upsert(as []Association, a Association) []Association {
	if prev := find(as, a.Entity); prev != nil {
		if prev.Status != StatusAssociated || a.Status == StatusAssociated {
			prev.Status, prev.Updated, prev.External = a.Status, a.Updated, a.External
		}
		return as
	}
	return append(as, a)
}

// invite records a pending invitation of receiver to sh, unless one is pending already.
func (s *Service) invite(tx meta.Tx, sh *Share, receiver string, now time.Time) error {
	invs, err := meta.ScanJSON[Invitation](tx, tableInvitations, meta.Range{Prefix: receiver + "/"})
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.ShareARN == sh.ARN && inv.Status == InvitationPending {
			return nil
		}
	}
	id, err := s.newID()
	if err != nil {
		return err
	}
	inv := Invitation{ARN: "arn:aws:ram:" + sh.Region + ":" + sh.Owner + ":resource-share-invitation/" + id, ShareARN: sh.ARN,
		ShareName: sh.Name, Sender: sh.Owner, Receiver: receiver, Status: InvitationPending, Time: now}
	return meta.PutJSON(tx, tableInvitations, receiver+"/"+id, &inv)
}

// ownShare loads a share of c's account for action.
func (s *Service) ownShare(ctx context.Context, c *actor.Caller, action, arn string) (*Share, string, error) {
	if err := s.check(ctx, c, action, arn); err != nil {
		return nil, "", err
	}
	key, err := shareKey(arn)
	if err != nil {
		return nil, "", err
	}
	var sh Share
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		found, err := meta.GetJSON(tx, tableShares, key, &sh)
		if err == nil && (!found || sh.Owner != c.Account) {
			err = errUnknown("The resource share %s does not exist in your account.", arn)
		}
		return err
	})
	return &sh, key, err
}

// AssociateResourceShare adds resources and principals to a share of the caller's.
func (s *Service) AssociateResourceShare(ctx context.Context, c *actor.Caller, arn string, resources, principals []string) ([]Association, error) {
	sh, _, err := s.ownShare(ctx, c, "ram:AssociateResourceShare", arn)
	if err != nil {
		return nil, err
	}
	if err := s.associate(ctx, sh, resources, principals); err != nil {
		return nil, err
	}
	return pick(sh, resources, principals), nil
}

// pick returns the associations of sh with the given entities.
func pick(sh *Share, resources, principals []string) []Association {
	var out []Association
	for _, a := range append(append([]Association(nil), sh.Resources...), sh.Principals...) {
		if slices.Contains(resources, a.Entity) || slices.Contains(principals, a.Entity) {
			out = append(out, a)
		}
	}
	return out
}

// DisassociateResourceShare removes resources and principals from a share of the caller's.
func (s *Service) DisassociateResourceShare(ctx context.Context, c *actor.Caller, arn string, resources, principals []string) ([]Association, error) {
	_, key, err := s.ownShare(ctx, c, "ram:DisassociateResourceShare", arn)
	if err != nil {
		return nil, err
	}
	var sh Share
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if _, err := meta.GetJSON(tx, tableShares, key, &sh); err != nil {
			return err
		}
		now := s.cfg.Clock.Now().UTC()
		for _, list := range []*[]Association{&sh.Resources, &sh.Principals} {
			for i := range *list {
				a := &(*list)[i]
				if slices.Contains(resources, a.Entity) || slices.Contains(principals, a.Entity) {
					a.Status, a.Updated = StatusDisassociated, now
				}
			}
		}
		sh.Updated = now
		return meta.PutJSON(tx, tableShares, key, &sh)
	})
	if err != nil {
		return nil, err
	}
	return pick(&sh, resources, principals), nil
}

// DeleteResourceShare deletes a share of the caller's: its associations end and its pending invitations go.
func (s *Service) DeleteResourceShare(ctx context.Context, c *actor.Caller, arn string) error {
	_, key, err := s.ownShare(ctx, c, "ram:DeleteResourceShare", arn)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var sh Share
		if _, err := meta.GetJSON(tx, tableShares, key, &sh); err != nil {
			return err
		}
		now := s.cfg.Clock.Now().UTC()
		sh.Status, sh.Updated = StatusDeleted, now
		for i := range sh.Principals {
			sh.Principals[i].Status, sh.Principals[i].Updated = StatusDisassociated, now
		}
		for i := range sh.Resources {
			sh.Resources[i].Status, sh.Resources[i].Updated = StatusDisassociated, now
		}
		return meta.PutJSON(tx, tableShares, key, &sh)
	})
}
