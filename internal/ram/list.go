package ram

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Page is a page request: the token of the previous response and the largest page wanted (0: 500).
type Page struct {
	Token string
	Max   int
}

// paged returns the page of items p asks for and the next token.
func paged[T any](items []T, p Page) ([]T, string, error) {
	start := 0
	if p.Token != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.Token)
		n, aerr := strconv.Atoi(string(b))
		if err != nil || aerr != nil || n < 0 || n > len(items) {
			return nil, "", awsInvalidToken()
		}
		start = n
	}
	size := p.Max
	if size <= 0 || size > 500 {
		size = 500
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

func awsInvalidToken() error {
	return errParamCode("InvalidNextTokenException", "The nextToken is not valid: pass the nextToken of the previous response as it was.")
}

// SharesFilter narrows GetResourceShares.
type SharesFilter struct {
	Owner  string // SELF or OTHER-ACCOUNTS
	ARNs   []string
	Status string
	Name   string
}

// allShares returns every share (shares are few; the scan keeps the listing exact across owners).
func (s *Service) allShares(ctx context.Context) ([]*Share, error) {
	var out []*Share
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		out, err = meta.ScanJSON[Share](tx, tableShares, meta.Range{})
		return err
	})
	return out, err
}

// sharedWith reports whether sh is shared with account through an associated principal: the account, one of its
// users or roles, its organization or one of its organizational units.
func (s *Service) sharedWith(ctx context.Context, sh *Share, account string) (bool, error) {
	if sh.Status != StatusActive {
		return false, nil
	}
	var orgID, path string
	for _, p := range sh.Principals {
		if p.Status != StatusAssociated {
			continue
		}
		if principalAccount(p.Entity) == account {
			return true, nil
		}
		if _, ok := OrgOfPrincipal(p.Entity); ok && s.cfg.Orgs != nil {
			if orgID == "" {
				var err error
				if orgID, path, err = s.cfg.Orgs.Path(ctx, account); err != nil {
					return false, err
				}
			}
			if orgID != "" && inOrgUnit(p.Entity, orgID, path) {
				return true, nil
			}
		}
	}
	return false, nil
}

// inOrgUnit reports whether an account of organization orgID at path is under the organization or OU principal p.
func inOrgUnit(p, orgID, path string) bool {
	if strings.HasSuffix(p, ":organization/"+orgID) {
		return true
	}
	i := strings.LastIndex(p, "/")
	return strings.Contains(p, ":ou/"+orgID+"/") && strings.Contains("/"+path, "/"+p[i+1:]+"/")
}

// sharesFor authorizes action and returns the shares in the caller's region it owns (SELF) or that are shared
// with its account (OTHER-ACCOUNTS).
func (s *Service) sharesFor(ctx context.Context, c *actor.Caller, action, owner string) ([]*Share, error) {
	region := s.region(c)
	if err := s.check(ctx, c, action, "*"); err != nil {
		return nil, err
	}
	if owner != OwnerSelf && owner != OwnerOthers {
		return nil, errParam("resourceOwner must be SELF or OTHER-ACCOUNTS.")
	}
	all, err := s.allShares(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Share
	for _, sh := range all {
		ok, err := s.visible(ctx, sh, c.Account, region, owner)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sh)
		}
	}
	return out, nil
}

// GetResourceShares lists the shares the caller's account owns (SELF) or that are shared with it (OTHER-ACCOUNTS).
func (s *Service) GetResourceShares(ctx context.Context, c *actor.Caller, f SharesFilter, p Page) ([]Share, string, error) {
	shares, err := s.sharesFor(ctx, c, "ram:GetResourceShares", f.Owner)
	if err != nil {
		return nil, "", err
	}
	var out []Share
	for _, sh := range shares {
		if (len(f.ARNs) > 0 && !slices.Contains(f.ARNs, sh.ARN)) || (f.Name != "" && sh.Name != f.Name) ||
			(f.Status != "" && sh.Status != f.Status) {
			continue
		}
		out = append(out, *sh)
	}
	return paged(out, p)
}

// visible reports whether sh, in region, is the account's (SELF) or shared with it (OTHER-ACCOUNTS).
func (s *Service) visible(ctx context.Context, sh *Share, account, region, owner string) (bool, error) {
	if sh.Region != region {
		return false, nil
	}
	if owner == OwnerSelf {
		return sh.Owner == account, nil
	}
	if sh.Owner == account {
		return false, nil
	}
	return s.sharedWith(ctx, sh, account)
}

// AssociationsFilter narrows GetResourceShareAssociations.
type AssociationsFilter struct {
	Type      string // PRINCIPAL or RESOURCE
	ShareARNs []string
	Resource  string
	Principal string
	Status    string
}

// GetResourceShareAssociations lists the associations of the caller's shares.
func (s *Service) GetResourceShareAssociations(ctx context.Context, c *actor.Caller, f AssociationsFilter, p Page) ([]Association, string, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "ram:GetResourceShareAssociations", "*"); err != nil {
		return nil, "", err
	}
	if f.Type != TypePrincipal && f.Type != TypeResource {
		return nil, "", errParam("associationType must be PRINCIPAL or RESOURCE.")
	}
	all, err := s.allShares(ctx)
	if err != nil {
		return nil, "", err
	}
	var out []Association
	for _, sh := range all {
		if sh.Owner != c.Account || sh.Region != region || (len(f.ShareARNs) > 0 && !slices.Contains(f.ShareARNs, sh.ARN)) {
			continue
		}
		list := sh.Principals
		if f.Type == TypeResource {
			list = sh.Resources
		}
		for _, a := range list {
			if (f.Resource != "" && a.Entity != f.Resource) || (f.Principal != "" && a.Entity != f.Principal) ||
				(f.Status != "" && a.Status != f.Status) {
				continue
			}
			out = append(out, a)
		}
	}
	return paged(out, p)
}

// ResourcesFilter narrows ListResources.
type ResourcesFilter struct {
	Owner     string
	Principal string
	Type      string
	ARNs      []string
	ShareARNs []string
}

// ListResources lists the resources the caller's account shares (SELF) or that are shared with it.
func (s *Service) ListResources(ctx context.Context, c *actor.Caller, f ResourcesFilter, p Page) ([]Association, string, error) {
	shares, err := s.sharesFor(ctx, c, "ram:ListResources", f.Owner)
	if err != nil {
		return nil, "", err
	}
	var out []Association
	for _, sh := range shares {
		if (len(f.ShareARNs) > 0 && !slices.Contains(f.ShareARNs, sh.ARN)) ||
			(f.Principal != "" && find(sh.Principals, f.Principal) == nil) {
			continue
		}
		for _, a := range sh.Resources {
			if a.Status != StatusAssociated || (len(f.ARNs) > 0 && !slices.Contains(f.ARNs, a.Entity)) ||
				(f.Type != "" && !strings.EqualFold(ResourceType(a.Entity), f.Type)) {
				continue
			}
			out = append(out, a)
		}
	}
	return paged(out, p)
}

// ResourceType is RAM's type of a resource ARN ("glue:Table", "glue:Database", "glue:Catalog").
func ResourceType(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	kind, _, _ := strings.Cut(parts[5], "/")
	if kind == "" {
		return parts[2]
	}
	return parts[2] + ":" + strings.ToUpper(kind[:1]) + kind[1:]
}
