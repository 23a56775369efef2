// Package lakeformation is AWS Lake Formation for seclake's Data Catalog: data lake settings (administrators,
// default permissions), permissions on catalogs, databases, tables, columns and data cells filters granted to IAM
// users and roles, accounts, organizations and organizational units, and the decision of what a principal may
// read of a table (Access: the query engine's governor) or see of it (Describable: the Glue API across accounts).
//
// Grants are records of the catalog's account and region (table lf.grants, key
// <catalog>/<region>/<resource key>\x00<principal>); data cells filters lf.filters; settings lf.settings;
// registered locations lf.resources. A grant to another account, organization or OU is carried out through an
// AWS RAM share of the database's resources (LakeFormation-V3-…) and takes effect once the share is associated
// with the grantee (accepted, or automatically within the organization).
package lakeformation

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

// EventSource is Lake Formation's eventSource on the audit trail.
const EventSource = "lakeformation.amazonaws.com"

// ServicePrincipal is Lake Formation's service principal: it reads a governed table's files for the principals
// it granted (the Reader of Access).
const ServicePrincipal = "lakeformation.amazonaws.com"

// IAMAllowedPrincipals is the principal whose grant leaves a table to IAM alone.
const IAMAllowedPrincipals = "IAM_ALLOWED_PRINCIPALS"

const (
	tableGrants    = "lf.grants"
	tableFilters   = "lf.filters"
	tableSettings  = "lf.settings"
	tableResources = "lf.resources"
)

// Catalog is what Lake Formation needs of the Data Catalog: whether a database exists, and a table's columns
// (or the target of a resource link), without authorization (Lake Formation decides itself).
type Catalog interface {
	DatabaseExists(ctx context.Context, account, region, db string) (bool, error)
	// Table describes a table; nil when it does not exist.
	Table(ctx context.Context, account, region, db, name string) (*TableDesc, error)
}

// TableDesc is a table as Lake Formation sees it: its top-level columns in order, or the table a resource link
// points to.
type TableDesc struct {
	Columns []string
	Target  *TableRef
}

// Shares is what Lake Formation needs of AWS RAM for grants across accounts.
type Shares interface {
	// Share adds resource and principal to owner's share called name (created when missing) and returns its ARN.
	Share(ctx context.Context, owner, region, name, resource, principal string) (string, error)
	// Unshare ends principal's association with the share.
	Unshare(ctx context.Context, owner, region, name, principal string) error
	// Shared reports whether the share holds resource and is associated with account.
	Shared(ctx context.Context, owner, region, name, resource, account string) (bool, error)
}

// Organization says where an account sits in the organization.
type Organization interface {
	// Path is the organization of account and its path "o-…/r-…/ou-…/" ("", "" outside any).
	Path(ctx context.Context, account string) (orgID, path string, err error)
}

// ReaderSessions gives sessions of an account's Lake Formation service-linked role
// (AWSServiceRoleForLakeFormationDataAccess, created when missing), assumed by Lake Formation for src: the Reader
// of the tables it governs.
type ReaderSessions interface {
	ReaderSession(ctx context.Context, account, region string, src actor.Source) (*actor.Caller, error)
}

// DataAccessRoleARN is the ARN of an account's Lake Formation service-linked role.
func DataAccessRoleARN(account string) string {
	return "arn:aws:iam::" + account + ":role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"
}

// Config configures Lake Formation.
type Config struct {
	Store   meta.Store
	Authz   actor.Authorizer
	Catalog Catalog
	Shares  Shares
	Orgs    Organization
	// Sessions, when set, gives the Reader of governed tables (else Lake Formation's service principal acting for
	// the table's account).
	Sessions ReaderSessions
	Clock    clock.Clock
	Region   string
}

// Service is Lake Formation.
type Service struct{ cfg Config }

// New returns Lake Formation over cfg.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return &Service{cfg: cfg}
}

// Lake Formation's errors.
func errInvalid(format string, args ...any) error {
	return awserr.New("InvalidInputException", awserr.StatusBadRequest, format, args...)
}

func errNotFound(format string, args ...any) error {
	return awserr.New("EntityNotFoundException", awserr.StatusBadRequest, format, args...)
}

func errExists(format string, args ...any) error {
	return awserr.New("AlreadyExistsException", awserr.StatusBadRequest, format, args...)
}

func errDenied(format string, args ...any) error {
	return awserr.New("AccessDeniedException", awserr.StatusForbidden, format, args...)
}

var refusal = actor.Refusal{Code: "AccessDeniedException", Status: awserr.StatusForbidden}

// check authorizes c's IAM permission for action (Lake Formation's actions take no resource: "*").
func (s *Service) check(ctx context.Context, c *actor.Caller, action string) error {
	return actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: "*"}, refusal)
}

func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

// catalogOf is the catalog a request names, or the caller's.
func catalogOf(c *actor.Caller, id string) string {
	if id == "" {
		return c.Account
	}
	return id
}

// principalARN is the ARN Lake Formation knows c by: a user's ARN, a role session's role, the root user's.
func principalARN(c *actor.Caller) string {
	if c.Session != nil && c.Session.RoleARN != "" {
		return c.Session.RoleARN
	}
	return c.ARN
}

// ShareName is the name of the RAM share that carries cross-account grants on a database's resources.
func ShareName(catalog, region, db string) string {
	sum := sha256.Sum256([]byte(catalog + "/" + region + "/" + db))
	return "LakeFormation-V3-" + base32.StdEncoding.EncodeToString(sum[:])[:10]
}

// glueARN is a Glue resource's ARN.
func glueARN(region, account, resource string) string {
	return "arn:aws:glue:" + region + ":" + account + ":" + resource
}

// principalKind classifies a DataLakePrincipalIdentifier: "iam" (a user or role ARN), "account", "org", "ou",
// "allowed" (IAM_ALLOWED_PRINCIPALS), or "" when Lake Formation takes no such principal.
func principalKind(p string) string {
	switch {
	case p == IAMAllowedPrincipals:
		return "allowed"
	case actor.ValidAccountID(p):
		return "account"
	case strings.HasPrefix(p, "arn:aws:iam::"):
		rest := strings.TrimPrefix(p, "arn:aws:iam::")
		acct, res, _ := strings.Cut(rest, ":")
		if actor.ValidAccountID(acct) && (strings.HasPrefix(res, "user/") || strings.HasPrefix(res, "role/")) {
			return "iam"
		}
	case strings.HasPrefix(p, "arn:aws:organizations::"):
		rest := p[strings.LastIndex(p, ":")+1:]
		switch {
		case strings.HasPrefix(rest, "organization/o-"):
			return "org"
		case strings.HasPrefix(rest, "ou/o-"):
			return "ou"
		}
	}
	return ""
}

// principalAccount is the account of an account or IAM principal ("" for the others).
func principalAccount(p string) string {
	switch principalKind(p) {
	case "account":
		return p
	case "iam":
		acct, _, _ := strings.Cut(strings.TrimPrefix(p, "arn:aws:iam::"), ":")
		return acct
	}
	return ""
}

// external reports whether principal p lies outside catalog's account (a grant to it is shared through RAM).
func external(p, catalog string) bool {
	switch principalKind(p) {
	case "org", "ou":
		return true
	case "account", "iam":
		return principalAccount(p) != catalog
	}
	return false
}
