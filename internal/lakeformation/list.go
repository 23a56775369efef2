package lakeformation

import (
	"context"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// PermissionsFilter narrows ListPermissions.
type PermissionsFilter struct {
	CatalogID    string
	Principal    string
	ResourceType string // CATALOG, DATABASE, TABLE, DATA_LOCATION
	Resource     *Resource
}

// ListPermissions lists the grants of a catalog: all of them to its data lake administrators, the caller's own
// to others (for a caller of another account, those its account holds through RAM).
func (s *Service) ListPermissions(ctx context.Context, c *actor.Caller, f PermissionsFilter, p Page) ([]Grant, string, error) {
	if err := s.check(ctx, c, "lakeformation:ListPermissions"); err != nil {
		return nil, "", err
	}
	region, catalog := s.region(c), catalogOf(c, f.CatalogID)
	var want func(target) bool = func(target) bool { return true }
	if f.Resource != nil {
		rt, err := resolve(f.Resource, catalog)
		if err != nil {
			return nil, "", err
		}
		catalog = rt.catalog
		want = func(t target) bool {
			switch rt.kind {
			case "database":
				return t.kind == "database" && t.db == rt.db
			case "table", "columns":
				return t.kind != "database" && t.kind != "catalog" && t.db == rt.db && (rt.wildcard || t.table == rt.table || t.wildcard)
			}
			return t.key() == rt.key()
		}
	}
	if f.ResourceType != "" {
		inner := want
		want = func(t target) bool { return inner(t) && ofType(t, f.ResourceType) }
	}
	admin, err := s.isAdmin(ctx, c, catalog, region)
	if err != nil {
		return nil, "", err
	}
	var out []Grant
	if admin {
		err = s.scan(ctx, catalog, region, func(g *Grant, t target) {
			if want(t) {
				out = append(out, *g)
			}
		})
	} else {
		var held []*Grant
		held, err = s.heldBy(ctx, c, catalog, region, "", want)
		for _, g := range held {
			out = append(out, *g)
		}
	}
	if err != nil {
		return nil, "", err
	}
	if f.Principal != "" {
		kept := out[:0]
		for _, g := range out {
			if g.Principal.ID == f.Principal {
				kept = append(kept, g)
			}
		}
		out = kept
	}
	return pageOf(out, p)
}

func ofType(t target, typ string) bool {
	switch typ {
	case "CATALOG":
		return t.kind == "catalog"
	case "DATABASE":
		return t.kind == "database"
	case "TABLE":
		return t.kind == "table" || t.kind == "columns" || t.kind == "filter"
	case "DATA_LOCATION":
		return t.kind == "location"
	}
	return false
}

// Registered is a location registered with Lake Formation.
type Registered struct {
	ResourceArn          string    `json:"ResourceArn"`
	RoleArn              string    `json:"RoleArn,omitempty"`
	LastModified         time.Time `json:"LastModified"`
	WithFederation       *bool     `json:"WithFederation,omitempty"`
	HybridAccessEnabled  *bool     `json:"HybridAccessEnabled,omitempty"`
	UseServiceLinkedRole bool      `json:"-"`
}

// RegisterResource registers an Amazon S3 location with Lake Formation (with the service-linked role, or a role).
func (s *Service) RegisterResource(ctx context.Context, c *actor.Caller, r Registered) error {
	if err := s.check(ctx, c, "lakeformation:RegisterResource"); err != nil {
		return err
	}
	if !strings.HasPrefix(r.ResourceArn, "arn:aws:s3:::") || len(r.ResourceArn) == len("arn:aws:s3:::") {
		return errInvalid("ResourceArn %q is not an Amazon S3 location ARN (arn:aws:s3:::bucket[/prefix]).", r.ResourceArn)
	}
	if r.UseServiceLinkedRole || r.RoleArn == "" {
		r.RoleArn = "arn:aws:iam::" + c.Account + ":role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"
	}
	r.LastModified = s.cfg.Clock.Now().UTC()
	key := c.Account + "/" + s.region(c) + "/" + r.ResourceArn
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if found, err := meta.GetJSON(tx, tableResources, key, &Registered{}); err != nil || found {
			if err == nil {
				err = errExists("Resource %s is already registered.", r.ResourceArn)
			}
			return err
		}
		return meta.PutJSON(tx, tableResources, key, &r)
	})
}

// DeregisterResource deregisters a location.
func (s *Service) DeregisterResource(ctx context.Context, c *actor.Caller, arn string) error {
	if err := s.check(ctx, c, "lakeformation:DeregisterResource"); err != nil {
		return err
	}
	key := c.Account + "/" + s.region(c) + "/" + arn
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		found, err := meta.GetJSON(tx, tableResources, key, &Registered{})
		if err != nil {
			return err
		}
		if !found {
			return errNotFound("Resource %s is not registered.", arn)
		}
		return tx.Delete(tableResources, key)
	})
}

// ListResources lists the caller's registered locations.
func (s *Service) ListResources(ctx context.Context, c *actor.Caller, p Page) ([]Registered, string, error) {
	if err := s.check(ctx, c, "lakeformation:ListResources"); err != nil {
		return nil, "", err
	}
	var out []Registered
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		rs, err := meta.ScanJSON[Registered](tx, tableResources, meta.Range{Prefix: c.Account + "/" + s.region(c) + "/"})
		for _, r := range rs {
			out = append(out, *r)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return pageOf(out, p)
}
