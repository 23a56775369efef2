package iam

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

const (
	tableRoles = "iam.roles" // <account>/<lower(name)> → Role
	tableIDs   = "iam.ids"   // <unique ID> → idRef (users and roles)
)

// Session duration limits of roles, in seconds (IAM API CreateRole MaxSessionDuration).
const (
	DefaultMaxSessionDuration = 3600
	MaxMaxSessionDuration     = 43200
)

// Role is an IAM role.
type Role struct {
	Account     string    `json:"account"`
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	ID          string    `json:"id"`
	Created     time.Time `json:"created"`
	TrustPolicy string    `json:"trust"`
	Description string    `json:"description,omitempty"`
	// MaxSessionDuration is the longest session AssumeRole may grant, in seconds.
	MaxSessionDuration int `json:"maxSession"`
	// Boundary is the ARN of the role's permissions boundary, or "".
	Boundary string      `json:"boundary,omitempty"`
	Tags     []actor.Tag `json:"tags,omitempty"`
	// Service is the service principal a service-linked role belongs to; empty for other roles.
	Service string `json:"service,omitempty"`
}

// ARN returns the role's ARN.
func (r *Role) ARN() string { return "arn:aws:iam::" + r.Account + ":role" + r.Path + r.Name }

// idRef is what a unique ID names.
type idRef struct {
	Account string     `json:"account"`
	Kind    EntityKind `json:"kind"`
	Name    string     `json:"name"`
}

func entityKey(account, name string) string { return account + "/" + strings.ToLower(name) }

func noSuchRole(name string) error {
	return noSuchEntity("The role with name %s cannot be found.", name)
}

// CreateRoleInput is what CreateRole needs.
type CreateRoleInput struct {
	Name        string
	Path        string
	TrustPolicy string
	Description string
	// MaxSessionDuration in seconds; 0 means the default, one hour.
	MaxSessionDuration int
	// Boundary is the ARN of a managed policy to use as the permissions boundary, or "".
	Boundary string
	Tags     []actor.Tag
}

func (in *CreateRoleInput) validate() error {
	if err := validateName(in.Name, "roleName", 64); err != nil {
		return err
	}
	path, err := normalizePath(in.Path)
	if err != nil {
		return err
	}
	if strings.HasPrefix(path, serviceLinkedPath) {
		return invalidInput("Path prefix '%s' can only be used for AWS Service linked Roles", serviceLinkedPath)
	}
	in.Path = path
	if err := validateDescription(in.Description, "description"); err != nil {
		return err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = DefaultMaxSessionDuration
	}
	if err := validateMaxSession(in.MaxSessionDuration); err != nil {
		return err
	}
	return validateTags(in.Tags, "tags")
}

func validateMaxSession(d int) error {
	if d < DefaultMaxSessionDuration || d > MaxMaxSessionDuration {
		return constraint(itoa(d), "maxSessionDuration", "must have value less than or equal to 43200 and greater than or equal to 3600")
	}
	return nil
}

// CreateRole creates a role in the caller's account.
func (s *Service) CreateRole(ctx context.Context, c *actor.Caller, in CreateRoleInput) (*Role, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	id, err := s.newID("AROA")
	if err != nil {
		return nil, err
	}
	r := &Role{Account: c.Account, Name: in.Name, Path: in.Path, ID: id, Created: s.now(), TrustPolicy: in.TrustPolicy,
		Description: in.Description, MaxSessionDuration: in.MaxSessionDuration, Boundary: in.Boundary, Tags: in.Tags}
	err = s.change(ctx, func(tx meta.Tx) error {
		pc := requestTagContext(in.Tags)
		if in.Boundary != "" {
			pc.Set("iam:PermissionsBoundary", in.Boundary)
		}
		if err := s.authorizeCtx(ctx, tx, c, "iam:CreateRole", r.ARN(), pc); err != nil {
			return err
		}
		if err := s.checkTrust(tx, in.TrustPolicy); err != nil {
			return err
		}
		return s.insertRole(tx, r)
	})
	if err != nil {
		return nil, wrapDomain(err, "create role "+in.Name)
	}
	return r, nil
}

// insertRole stores a new role, its unique ID and its boundary's use.
func (s *Service) insertRole(tx meta.Tx, r *Role) error {
	if r.Boundary != "" {
		if _, err := s.attachable(tx, r.Account, r.Boundary); err != nil {
			return err
		}
		if err := tx.Put(tablePolicyRefs, policyRefKey(r.Account, r.Boundary, refBoundaryRole, r.Name), nil); err != nil {
			return err
		}
	}
	if err := insertJSON(tx, tableRoles, entityKey(r.Account, r.Name), r); err != nil {
		if errors.Is(err, meta.ErrExists) {
			return entityExists("Role with name %s already exists.", r.Name)
		}
		return err
	}
	return insertJSON(tx, tableIDs, r.ID, idRef{Account: r.Account, Kind: KindRole, Name: r.Name})
}

// checkTrust validates a trust policy: its grammar, its size, and that the principals it names exist.
func (s *Service) checkTrust(tx meta.Tx, doc string) error {
	if !policy.RoleTrust.Fits([]byte(doc)) {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", policy.RoleTrust.Max())
	}
	p, err := s.policies.parse(doc, policy.Trust)
	if err != nil {
		return malformed(err)
	}
	for _, pr := range p.Principals() {
		ok, err := s.principalExists(tx, pr)
		if err != nil {
			return err
		}
		if !ok {
			return malformedPrincipal(pr)
		}
	}
	return nil
}

// malformedPrincipal is IAM's error for a policy that names a principal that does not exist.
func malformedPrincipal(p policy.Principal) error {
	kind, val := "AWS", p.ARN
	switch {
	case p.Type == policy.Service:
		kind, val = "Service", p.Service
	case p.Type == policy.WebIdentity:
		kind, val = "Federated", p.Provider
	case val == "":
		val = p.ID
	}
	return awserr.New("MalformedPolicyDocument", awserr.StatusBadRequest, `Invalid principal in policy: "%s":"%s"`, kind, val)
}

// GetRole returns a role of the caller's account.
func (s *Service) GetRole(ctx context.Context, c *actor.Caller, name string) (*Role, error) {
	var r *Role
	err := s.store.View(ctx, func(tx meta.Tx) error {
		e, err := s.loadAuthorized(ctx, tx, c, KindRole, name, "iam:GetRole", policy.Context{})
		r = e.role
		return err
	})
	return r, wrapDomain(err, "get role "+name)
}

func getRole(tx meta.Tx, account, name string) (*Role, error) {
	var r Role
	found, err := getJSON(tx, tableRoles, entityKey(account, name), &r)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchRole(name)
	}
	return &r, nil
}

func putRole(tx meta.Tx, r *Role) error {
	return putJSON(tx, tableRoles, entityKey(r.Account, r.Name), r)
}

// ListInput pages through a listing: items whose path starts with PathPrefix, after Marker (the next item's
// name, as the previous page returned it), at most MaxItems (default 100, at most 1000).
type ListInput struct {
	PathPrefix string
	Marker     string
	MaxItems   int
}

func (in ListInput) max() int {
	if in.MaxItems <= 0 || in.MaxItems > 1000 {
		return 100
	}
	return in.MaxItems
}

// ListRoles returns the roles of the caller's account in name order, a page at a time, and the marker of the
// next page ("" at the end).
func (s *Service) ListRoles(ctx context.Context, c *actor.Caller, in ListInput) ([]*Role, string, error) {
	var roles []*Role
	var next string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:ListRoles", "arn:aws:iam::"+c.Account+":role/"); err != nil {
			return err
		}
		var err error
		roles, next, err = listPage[Role](tx, tableRoles, c.Account, in, func(r *Role) (string, string) { return r.Name, r.Path })
		return err
	})
	return roles, next, wrapDomain(err, "list roles")
}

// listPage scans an entity table of one account for a page of a listing.
func listPage[T any](tx meta.Tx, table, account string, in ListInput, nameAndPath func(*T) (string, string)) ([]*T, string, error) {
	max := in.max()
	prefix := account + "/"
	start := ""
	if in.Marker != "" {
		start = entityKey(account, in.Marker)
	}
	var out []*T
	var next string
	var derr error
	err := tx.Scan(table, meta.Range{Prefix: prefix, Start: start}, func(_ string, v []byte) bool {
		item := new(T)
		if derr = json.Unmarshal(v, item); derr != nil {
			return false
		}
		name, path := nameAndPath(item)
		if in.PathPrefix != "" && !strings.HasPrefix(path, in.PathPrefix) {
			return true
		}
		if len(out) == max {
			next = name
			return false
		}
		out = append(out, item)
		return true
	})
	return out, next, errors.Join(err, derr)
}

// DeleteRole deletes a role that has no policies left. Service-linked roles are deleted with
// DeleteServiceLinkedRole.
func (s *Service) DeleteRole(ctx context.Context, c *actor.Caller, name string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, KindRole, name, "iam:DeleteRole", policy.Context{})
		if err != nil {
			return err
		}
		r := e.role
		return deleteRole(tx, r)
	})
	return wrapDomain(err, "delete role "+name)
}

// deleteRole removes a role without policies, with its ID and boundary reference.
func deleteRole(tx meta.Tx, r *Role) error {
	e := entity{kind: KindRole, role: r}
	if err := checkNoPolicies(tx, e); err != nil {
		return err
	}
	if r.Boundary != "" {
		if err := deleteIfPresent(tx, tablePolicyRefs, policyRefKey(r.Account, r.Boundary, refBoundaryRole, r.Name)); err != nil {
			return err
		}
	}
	if err := deleteIfPresent(tx, tableIDs, r.ID); err != nil {
		return err
	}
	return tx.Delete(tableRoles, entityKey(r.Account, r.Name))
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c *actor.Caller, name, doc string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, KindRole, name, "iam:UpdateAssumeRolePolicy", policy.Context{})
		if err != nil {
			return err
		}
		r := e.role
		if err := s.checkTrust(tx, doc); err != nil {
			return err
		}
		r.TrustPolicy = doc
		return putRole(tx, r)
	})
	return wrapDomain(err, "update trust policy of role "+name)
}

// UpdateRoleInput changes a role's description and maximum session duration; nil fields stay as they are.
type UpdateRoleInput struct {
	Description        *string
	MaxSessionDuration *int
}

// UpdateRole changes a role's description or maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, c *actor.Caller, name string, in UpdateRoleInput) error {
	if in.Description != nil {
		if err := validateDescription(*in.Description, "description"); err != nil {
			return err
		}
	}
	if in.MaxSessionDuration != nil {
		if err := validateMaxSession(*in.MaxSessionDuration); err != nil {
			return err
		}
	}
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, KindRole, name, "iam:UpdateRole", policy.Context{})
		if err != nil {
			return err
		}
		r := e.role
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		return putRole(tx, r)
	})
	return wrapDomain(err, "update role "+name)
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

func deleteIfPresent(tx meta.Tx, table, key string) error {
	if err := tx.Delete(table, key); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return err
	}
	return nil
}
