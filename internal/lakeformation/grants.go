package lakeformation

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// Grant is a principal's permissions on a resource: PrincipalResourcePermissions.
type Grant struct {
	Principal   Principal `json:"Principal"`
	Resource    Resource  `json:"Resource"`
	Permissions []string  `json:"Permissions"`
	// Grantable are the permissions held with the grant option (PermissionsWithGrantOption).
	Grantable []string  `json:"PermissionsWithGrantOption"`
	Updated   time.Time `json:"LastUpdated"`
	UpdatedBy string    `json:"LastUpdatedBy"`
	// ShareARN is the RAM share that carries a grant to another account, organization or OU.
	ShareARN string `json:"ShareArn,omitempty"`
}

// GrantInput is a GrantPermissions or RevokePermissions request (and a batch entry).
type GrantInput struct {
	CatalogID   string
	Principal   string
	Resource    Resource
	Permissions []string
	Grantable   []string
}

func grantKey(catalog, region string, t target, principal string) string {
	return catalog + "/" + region + "/" + t.key() + "\x00" + principal
}

// prepare checks a grant or revoke and that c may make it, returning the resource's target and the region.
func (s *Service) prepare(ctx context.Context, c *actor.Caller, in *GrantInput) (target, string, error) {
	region := s.region(c)
	t, err := s.validGrant(ctx, region, catalogOf(c, in.CatalogID), in)
	if err != nil {
		return t, "", err
	}
	if c.Account != t.catalog && !inAccount(in.Principal, c.Account) {
		// A recipient account passes on what it was granted within itself only, as on AWS: never to another
		// account (a share of the owner's table the owner did not make) nor to, or from, the owner's principals.
		return t, "", errDenied("Insufficient Lake Formation permission(s): %s may grant or revoke permissions on %s of "+
			"catalog %s only for principals of its own account %s, not %s.", c.Who(), t.describe(), t.catalog, c.Account, in.Principal)
	}
	return t, region, s.mayGrant(ctx, c, region, t, in.Permissions)
}

// inAccount reports whether principal p is account or an IAM principal of it.
func inAccount(p, account string) bool {
	k := principalKind(p)
	return (k == "account" || k == "iam") && principalAccount(p) == account
}

// validGrant checks a grant or revoke: the principal, the permissions for the resource, and that it exists.
func (s *Service) validGrant(ctx context.Context, region, catalog string, in *GrantInput) (target, error) {
	t, err := resolve(&in.Resource, catalog)
	if err != nil {
		return t, err
	}
	kind := principalKind(in.Principal)
	if kind == "" {
		return t, errInvalid("Invalid principal %q: give an IAM user or role ARN, an account ID, an organization or OU ARN, or IAM_ALLOWED_PRINCIPALS.", in.Principal)
	}
	if len(in.Permissions) == 0 {
		return t, errInvalid("Permissions must name at least one permission.")
	}
	if err := validPermissions(in.Permissions, t.kind); err != nil {
		return t, err
	}
	for _, p := range in.Grantable {
		if !slices.Contains(in.Permissions, p) {
			return t, errInvalid("PermissionsWithGrantOption must be a subset of Permissions: %s is not in Permissions.", p)
		}
	}
	if external(in.Principal, t.catalog) && (t.kind == "catalog" || t.kind == "location") {
		return t, errInvalid("Permissions on a %s cannot be granted to another account: grant on databases and tables.", t.kind)
	}
	return t, s.exists(ctx, region, t, &in.Resource)
}

// mayGrant checks that c may grant (or revoke) perms on t: a data lake administrator of the catalog may, and so
// may a holder of each permission with the grant option on t or a resource that covers it.
func (s *Service) mayGrant(ctx context.Context, c *actor.Caller, region string, t target, perms []string) error {
	admin, err := s.isAdmin(ctx, c, t.catalog, region)
	if err != nil || admin {
		return err
	}
	held, err := s.heldBy(ctx, c, t.catalog, region, t.db, func(g target) bool {
		switch t.kind {
		case "database":
			return g.kind == "database" && g.db == t.db
		case "table", "columns", "filter":
			return (g.kind == "table" && (g.wildcard || g.table == t.table) || g.kind == t.kind && g.key() == t.key()) && g.db == t.db
		}
		return g.kind == t.kind && g.key() == t.key()
	})
	if err != nil {
		return err
	}
	for _, p := range perms {
		if !slices.ContainsFunc(held, func(g *Grant) bool {
			return slices.Contains(g.Grantable, p) || slices.Contains(g.Grantable, PermAll)
		}) {
			return errDenied("Insufficient Lake Formation permission(s): %s holds no %s with the grant option on %s; "+
				"a data lake administrator of %s (aws lakeformation put-data-lake-settings) may grant it.", c.Who(), p, t.describe(), t.catalog)
		}
	}
	return nil
}

// describe names a resource in messages.
func (t target) describe() string {
	switch t.kind {
	case "catalog":
		return "catalog " + t.catalog
	case "database":
		return "database " + t.db
	case "filter":
		return "data cells filter " + t.filter + " of " + t.db + "." + t.table
	case "location":
		return "location " + t.table
	}
	if t.wildcard {
		return "all tables of " + t.db
	}
	return t.db + "." + t.table
}

// GrantPermissions grants a principal permissions on a resource. A grant to another account, organization or OU
// is shared through RAM and takes effect once the share is associated with the grantee.
func (s *Service) GrantPermissions(ctx context.Context, c *actor.Caller, in GrantInput) error {
	if err := s.check(ctx, c, "lakeformation:GrantPermissions"); err != nil {
		return err
	}
	return s.grant(ctx, c, in)
}

func (s *Service) grant(ctx context.Context, c *actor.Caller, in GrantInput) error {
	t, region, err := s.prepare(ctx, c, &in)
	if err != nil {
		return err
	}
	return s.put(ctx, c.Who(), region, t, in)
}

// put records a grant, sharing it through RAM first when the principal is outside the catalog's account.
func (s *Service) put(ctx context.Context, by, region string, t target, in GrantInput) error {
	share := ""
	if external(in.Principal, t.catalog) {
		if s.cfg.Shares == nil {
			return errInvalid("Cross-account grants need AWS RAM, which this server does not run.")
		}
		var err error
		share, err = s.cfg.Shares.Share(ctx, t.catalog, region, ShareName(t.catalog, region, t.db), t.shareResource(region), in.Principal)
		if err != nil {
			return err
		}
	}
	key := grantKey(t.catalog, region, t, in.Principal)
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var g Grant
		if _, err := meta.GetJSON(tx, tableGrants, key, &g); err != nil {
			return err
		}
		g.Principal = Principal{ID: in.Principal}
		g.Resource = filled(in.Resource, t)
		g.Permissions = union(g.Permissions, in.Permissions)
		g.Grantable = union(g.Grantable, in.Grantable)
		g.Updated, g.UpdatedBy = s.cfg.Clock.Now().UTC(), by
		if share != "" {
			g.ShareARN = share
		}
		return meta.PutJSON(tx, tableGrants, key, &g)
	})
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// RevokePermissions revokes a principal's permissions on a resource (and the grant option on them).
func (s *Service) RevokePermissions(ctx context.Context, c *actor.Caller, in GrantInput) error {
	if err := s.check(ctx, c, "lakeformation:RevokePermissions"); err != nil {
		return err
	}
	return s.revoke(ctx, c, in)
}

func (s *Service) revoke(ctx context.Context, c *actor.Caller, in GrantInput) error {
	t, region, err := s.prepare(ctx, c, &in)
	if err != nil {
		return err
	}
	return s.remove(ctx, c.Who(), region, t, in)
}

// remove takes permissions off a grant, deleting it (and ending its RAM share) when none remain.
func (s *Service) remove(ctx context.Context, by, region string, t target, in GrantInput) error {
	key := grantKey(t.catalog, region, t, in.Principal)
	gone := false
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var g Grant
		found, err := meta.GetJSON(tx, tableGrants, key, &g)
		if err != nil {
			return err
		}
		if !found || !slices.ContainsFunc(in.Permissions, func(p string) bool { return slices.Contains(g.Permissions, p) }) {
			return errInvalid("No permissions revoked. Grantee %s has no %v permission on %s.", in.Principal, in.Permissions, t.describe())
		}
		drop := func(p string) bool { return slices.Contains(in.Permissions, p) || slices.Contains(in.Grantable, p) }
		g.Permissions = slices.DeleteFunc(g.Permissions, func(p string) bool { return slices.Contains(in.Permissions, p) })
		g.Grantable = slices.DeleteFunc(g.Grantable, drop)
		if len(g.Permissions) == 0 {
			gone = true
			return tx.Delete(tableGrants, key)
		}
		g.Updated, g.UpdatedBy = s.cfg.Clock.Now().UTC(), by
		return meta.PutJSON(tx, tableGrants, key, &g)
	})
	if err != nil || !gone || !external(in.Principal, t.catalog) || s.cfg.Shares == nil {
		return err
	}
	return s.unshareIfLast(ctx, region, t, in.Principal)
}

// unshareIfLast ends the principal's share of the database once no grant on it to the principal remains.
func (s *Service) unshareIfLast(ctx context.Context, region string, t target, principal string) error {
	left := false
	err := s.scanDB(ctx, t.catalog, region, t.db, func(g *Grant, gt target) {
		if g.Principal.ID == principal && gt.db == t.db {
			left = true
		}
	})
	if err != nil || left {
		return err
	}
	return s.cfg.Shares.Unshare(ctx, t.catalog, region, ShareName(t.catalog, region, t.db), principal)
}

// scan calls fn with each grant of a catalog in region and its target.
func (s *Service) scan(ctx context.Context, catalog, region string, fn func(*Grant, target)) error {
	return s.scanRange(ctx, catalog, catalog+"/"+region+"/", fn)
}

// scanDB calls fn with each grant on database db of a catalog in region or on its tables.
func (s *Service) scanDB(ctx context.Context, catalog, region, db string, fn func(*Grant, target)) error {
	return s.scanRange(ctx, catalog, dbPrefix(catalog, region, db), fn)
}

func (s *Service) scanRange(ctx context.Context, catalog, prefix string, fn func(*Grant, target)) error {
	return s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		gs, err := meta.ScanJSON[Grant](tx, tableGrants, meta.Range{Prefix: prefix})
		for _, g := range gs {
			t, rerr := resolve(&g.Resource, catalog)
			if rerr == nil {
				fn(g, t)
			}
		}
		return err
	})
}

// GrantAs grants as a service acting for the catalog's account (Security Lake sharing its tables with a
// LAKEFORMATION subscriber), without the caller checks of GrantPermissions. It returns the RAM share that carries
// a grant to another account ("" within the account).
func (s *Service) GrantAs(ctx context.Context, by, region string, in GrantInput) (string, error) {
	t, err := s.validGrant(ctx, region, in.CatalogID, &in)
	if err != nil {
		return "", err
	}
	if err := s.put(ctx, by, region, t, in); err != nil {
		return "", err
	}
	var share string
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var g Grant
		_, err := meta.GetJSON(tx, tableGrants, grantKey(t.catalog, region, t, in.Principal), &g)
		share = g.ShareARN
		return err
	})
	return share, err
}

// RevokeAs revokes as a service acting for the catalog's account; a grant already gone is no error.
func (s *Service) RevokeAs(ctx context.Context, by, region string, in GrantInput) error {
	t, err := s.validGrant(ctx, region, in.CatalogID, &in)
	if err != nil {
		if ae, ok := awserr.As(err); ok && ae.Code == "EntityNotFoundException" {
			return nil
		}
		return err
	}
	err = s.remove(ctx, by, region, t, in)
	if ae, ok := awserr.As(err); ok && strings.HasPrefix(ae.Message, "No permissions revoked") {
		return nil
	}
	return err
}

// BatchEntry is an entry of a batch grant or revoke.
type BatchEntry struct {
	ID string
	GrantInput
}

// BatchFailure is an entry that failed, with Lake Formation's error code and message.
type BatchFailure struct {
	Entry   BatchEntry
	Code    string
	Message string
}

// BatchGrantPermissions grants each entry; the failures are returned, the others stand.
func (s *Service) BatchGrantPermissions(ctx context.Context, c *actor.Caller, catalogID string, entries []BatchEntry) ([]BatchFailure, error) {
	if err := s.check(ctx, c, "lakeformation:BatchGrantPermissions"); err != nil {
		return nil, err
	}
	return s.batch(ctx, c, catalogID, entries, s.grant)
}

// BatchRevokePermissions revokes each entry; the failures are returned, the others stand.
func (s *Service) BatchRevokePermissions(ctx context.Context, c *actor.Caller, catalogID string, entries []BatchEntry) ([]BatchFailure, error) {
	if err := s.check(ctx, c, "lakeformation:BatchRevokePermissions"); err != nil {
		return nil, err
	}
	return s.batch(ctx, c, catalogID, entries, s.revoke)
}

func (s *Service) batch(ctx context.Context, c *actor.Caller, catalogID string, entries []BatchEntry,
	fn func(context.Context, *actor.Caller, GrantInput) error) ([]BatchFailure, error) {
	if len(entries) > 20 {
		return nil, errInvalid("Entries must hold at most 20 entries; it holds %d.", len(entries))
	}
	failures := []BatchFailure{}
	for _, e := range entries {
		in := e.GrantInput
		if in.CatalogID == "" {
			in.CatalogID = catalogID
		}
		err := fn(ctx, c, in)
		if err == nil {
			continue
		}
		ae, ok := awserr.As(err)
		if !ok {
			return nil, err
		}
		code, msg := ae.Code, ae.Message
		failures = append(failures, BatchFailure{Entry: e, Code: code, Message: msg})
	}
	return failures, nil
}
