package stack

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/lakeformation"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/ram"
	"github.com/seclake/seclake/internal/table"
)

// Names of the Data Catalog's governance components.
const (
	NameRAM           = "ram"
	NameLakeFormation = "lakeformation"
)

// ramService is AWS RAM over the organization.
func (s *Stack) ram() component.Component {
	return component.Component{
		Name:  NameRAM,
		Needs: []string{NameStores, NameIAM},
		Start: func(context.Context) error {
			s.RAM = ram.New(ram.Config{Store: s.Meta, Authz: s.IAM, Orgs: orgs{s.IAM}, Clock: s.cfg.Clock, Rand: s.cfg.Rand,
				Region: s.cfg.Region})
			return nil
		},
	}
}

// lakeFormation is Lake Formation over the Data Catalog (which it also builds, and which consults its grants for
// readers of other accounts) and RAM.
func (s *Stack) lakeFormation() component.Component {
	return component.Component{
		Name:  NameLakeFormation,
		Needs: []string{NameStores, NameIAM, NameLake, NameRAM},
		Start: func(context.Context) error {
			s.Catalog = datacatalog.New(s.Lakes, s.Meta, s.IAM, s.cfg.Clock)
			s.LakeFormation = lakeformation.New(lakeformation.Config{Store: s.Meta, Authz: s.IAM, Catalog: lfCatalog{s.Catalog},
				Shares: lfShares{s.RAM}, Orgs: orgs{s.IAM}, Sessions: lfSessions{s.IAM, s.cfg.Clock}, Clock: s.cfg.Clock, Region: s.cfg.Region})
			s.Catalog.SetGrants(s.LakeFormation)
			return nil
		},
	}
}

// orgs answers RAM's and Lake Formation's questions about the organization.
type orgs struct{ iam *iam.Service }

func (o orgs) Management(ctx context.Context) (string, error) {
	m, err := o.iam.ManagementAccount(ctx)
	if err != nil || m == nil {
		return "", err
	}
	return m.ID, nil
}

func (o orgs) Path(ctx context.Context, account string) (string, string, error) {
	return o.iam.OrgPath(ctx, account)
}

// lfCatalog is the Data Catalog as Lake Formation reads it.
type lfCatalog struct{ cat *datacatalog.Service }

func (c lfCatalog) DatabaseExists(ctx context.Context, account, region, db string) (bool, error) {
	return c.cat.DatabaseExists(ctx, account, region, db)
}

func (c lfCatalog) Table(ctx context.Context, account, region, db, name string) (*lakeformation.TableDesc, error) {
	t, err := c.cat.Describe(ctx, account, region, db, name)
	if err != nil || t == nil {
		return nil, err
	}
	if tgt, ok := t.Target(); ok {
		catalog := tgt.CatalogID
		if catalog == "" {
			catalog = account
		}
		return &lakeformation.TableDesc{Target: &lakeformation.TableRef{Catalog: catalog, Region: tgt.Region, Database: tgt.Database,
			Table: tgt.Name}}, nil
	}
	return &lakeformation.TableDesc{Columns: t.ColumnNames()}, nil
}

// lfShares is RAM as Lake Formation uses it for grants across accounts.
type lfShares struct{ ram *ram.Service }

func (r lfShares) Share(ctx context.Context, owner, region, name, resource, principal string) (string, error) {
	sh, err := r.ram.Share(ctx, owner, region, name, resource, principal)
	if err != nil {
		return "", err
	}
	return sh.ARN, nil
}

func (r lfShares) Unshare(ctx context.Context, owner, region, name, principal string) error {
	return r.ram.Unshare(ctx, owner, region, name, principal)
}

func (r lfShares) Shared(ctx context.Context, owner, region, name, resource, account string) (bool, error) {
	return r.ram.Shared(ctx, owner, region, name, resource, account)
}

// lakeQueryAccess shares a lake's tables with LAKEFORMATION subscribers (lake.QueryAccess): Lake Formation grants
// SELECT and DESCRIBE on each subscribed source's table (created empty when no data arrived yet) and DESCRIBE on
// Security Lake's database to the subscriber's account, as Security Lake does, recorded as granted by it.
type lakeQueryAccess struct{ s *Stack }

// tables returns the lake's database and the tables of the given source prefixes.
func (a lakeQueryAccess) tables(ctx context.Context, account, region string, prefixes []string) (string, []string, error) {
	l, err := a.s.Lakes.Open(ctx, account, region)
	if err != nil {
		return "", nil, err
	}
	var db string
	var names []string
	for _, p := range prefixes {
		parts := strings.Split(strings.TrimSuffix(p, "/"), "/")
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "ext" { // a custom source's table, named as Security Lake names it
			names = append(names, "amazon_security_lake_table_"+underscored(region)+"_ext_"+underscored(parts[1])+"_"+underscored(parts[2]))
			continue
		}
		src, err := table.AWS(parts[1])
		if err != nil {
			return "", nil, err
		}
		src.Version = parts[2]
		t, err := l.Table(ctx, src)
		if err != nil {
			return "", nil, err
		}
		id := t.Identifier()
		db = id[0]
		names = append(names, t.Name())
	}
	if db == "" {
		db = lakeformation.SecurityLakeDatabasePrefix + underscored(region)
	}
	return db, names, nil
}

func underscored(s string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(s))
}

func (a lakeQueryAccess) grants(db, account, grantee string, names []string) []lakeformation.GrantInput {
	out := []lakeformation.GrantInput{{CatalogID: account, Principal: grantee, Permissions: []string{lakeformation.PermDescribe},
		Resource: lakeformation.Resource{Database: &lakeformation.DatabaseResource{CatalogID: account, Name: db}}}}
	for _, n := range names {
		out = append(out, lakeformation.GrantInput{CatalogID: account, Principal: grantee,
			Permissions: []string{lakeformation.PermSelect, lakeformation.PermDescribe},
			Resource:    lakeformation.Resource{Table: &lakeformation.TableResource{CatalogID: account, DatabaseName: db, Name: n}}})
	}
	return out
}

func (a lakeQueryAccess) Share(ctx context.Context, account, region, grantee string, prefixes []string) (string, string, error) {
	db, names, err := a.tables(ctx, account, region, prefixes)
	if err != nil {
		return "", "", err
	}
	share := ""
	for _, g := range a.grants(db, account, grantee, names) {
		arn, err := a.s.LakeFormation.GrantAs(ctx, lake.EventSource, region, g)
		if ae, ok := awserr.As(err); ok && ae.Code == "EntityNotFoundException" && g.Resource.Table != nil {
			continue // a custom source without its table yet
		}
		if err != nil {
			return "", "", err
		}
		share = arn
	}
	return share, lakeformation.ShareName(account, region, db), nil
}

func (a lakeQueryAccess) Unshare(ctx context.Context, account, region, grantee string, prefixes []string, whole bool) error {
	db, names, err := a.tables(ctx, account, region, prefixes)
	if err != nil {
		return err
	}
	gs := a.grants(db, account, grantee, names)
	revoke := gs[1:]
	if whole {
		revoke = append(revoke, gs[0]) // the tables, then the database
	}
	for _, g := range revoke {
		if err := a.s.LakeFormation.RevokeAs(ctx, lake.EventSource, region, g); err != nil {
			return err
		}
	}
	return nil
}

// lfGovernor is Lake Formation as the query engine's governor (query.Governor).
type lfGovernor struct{ lf *lakeformation.Service }

func (g lfGovernor) Access(ctx context.Context, c *actor.Caller, t query.TableRef) (query.Access, error) {
	a, err := g.lf.Access(ctx, c, lakeformation.TableRef(t))
	if err != nil {
		return query.Access{}, err
	}
	return query.Access(a), nil
}

// lfSessions gives sessions of an account's Lake Formation data access role (lakeformation.ReaderSessions),
// creating the service-linked role on first use as Lake Formation does when a location is registered with it.
type lfSessions struct {
	iam   *iam.Service
	clock clock.Clock
}

func (l lfSessions) ReaderSession(ctx context.Context, account, region string, src actor.Source) (*actor.Caller, error) {
	role := lakeformation.DataAccessRoleARN(account)
	c, err := l.iam.ServiceRoleSession(ctx, lakeformation.ServicePrincipal, role, "LakeFormationDataAccess", src)
	if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
		owner := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account},
			Region: region, Time: l.clock.Now(), SourceIP: lakeformation.EventSource, UserAgent: lakeformation.EventSource,
			InvokedBy: lakeformation.EventSource}
		if _, cerr := l.iam.CreateServiceLinkedRole(ctx, owner, lakeformation.ServicePrincipal, "", ""); cerr != nil {
			if ce, ok := awserr.As(cerr); !ok || ce.Code != "InvalidInput" { // InvalidInput: created meanwhile
				return nil, cerr
			}
		}
		c, err = l.iam.ServiceRoleSession(ctx, lakeformation.ServicePrincipal, role, "LakeFormationDataAccess", src)
	}
	if err != nil {
		return nil, err
	}
	c.Region, c.Time, c.Source = region, l.clock.Now(), src
	return c, nil
}
