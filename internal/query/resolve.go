package query

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/table"
)

// defaultCatalog is the name Athena gives the Glue Data Catalog.
const defaultCatalog = "awsdatacatalog"

// resolved is a table reference once resolved: the Iceberg table it reads (the target of a resource link), what
// the caller may read of it, and its scan plan.
type resolved struct {
	ref    tableRef
	target TableRef
	access Access
	reader *actor.Caller
	plan   *table.Plan
}

// resolve resolves every table the statement names, as req.Caller, and plans its scan.
func (e *Engine) resolve(ctx context.Context, req Request, p *parsed) ([]*resolved, error) {
	out := make([]*resolved, 0, len(p.Refs))
	for _, ref := range p.Refs {
		r, err := e.resolveOne(ctx, req, ref, p.Preds[ref.key()])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (e *Engine) resolveOne(ctx context.Context, req Request, ref tableRef, preds []table.Predicate) (*resolved, error) {
	if ref.Catalog != "" && !strings.EqualFold(ref.Catalog, defaultCatalog) {
		return nil, userError(CodeCatalogNotFound, req.SQL, ref.Loc, "Catalog '%s' does not exist", strings.ToLower(ref.Catalog))
	}
	db := strings.ToLower(ref.Schema)
	if db == "" {
		db = strings.ToLower(req.Database)
	}
	if db == "" {
		return nil, userError(CodeSyntaxError, req.SQL, ref.Loc, "Schema must be specified when session schema is not set")
	}
	name := strings.ToLower(ref.Name)
	sc := datacatalog.Scope{Account: req.Catalog, Region: req.Region}
	if sc.Account == "" {
		sc.Account = req.Caller.Account
	}
	if sc.Region == "" {
		sc.Region = req.Caller.Region
	}
	t, err := e.cfg.Catalog.Table(ctx, req.Caller, sc, db, name)
	if err != nil {
		return nil, notFound(err, req.SQL, ref, db, name)
	}
	target := TableRef{Catalog: sc.Account, Region: sc.Region, Database: db, Table: name}
	if link, ok := targetTable(t.Input); ok {
		target = TableRef{Catalog: link.CatalogID, Region: link.Region, Database: strings.ToLower(link.DatabaseName),
			Table: strings.ToLower(link.Name)}
		if target.Catalog == "" {
			target.Catalog = sc.Account
		}
		if target.Region == "" {
			target.Region = sc.Region
		}
	}
	r := &resolved{ref: ref, target: target, reader: req.Caller}
	if g := e.governor(); g != nil {
		if r.access, err = g.Access(ctx, req.Caller, target); err != nil {
			return nil, err
		}
		if r.access.Governed && r.access.Reader != nil {
			r.reader = r.access.Reader
		}
	}
	tsc := datacatalog.Scope{Account: target.Catalog, Region: target.Region}
	if target != (TableRef{Catalog: sc.Account, Region: sc.Region, Database: db, Table: name}) {
		if t, err = e.cfg.Catalog.Table(ctx, r.reader, tsc, target.Database, target.Table); err != nil {
			return nil, notFound(err, req.SQL, ref, target.Database, target.Table)
		}
	}
	if t.Iceberg == nil {
		return nil, userError(CodeNotSupported, req.SQL, ref.Loc,
			"Table '%s.%s.%s' is not an Iceberg table of a data lake: only the lake's tables can be queried",
			defaultCatalog, target.Database, target.Table)
	}
	r.plan, err = e.plans.plan(ctx, e.cfg.Catalog, tsc, target.Database, target.Table, t.Iceberg.MetadataLocation, preds)
	if err != nil {
		return nil, notFound(err, req.SQL, ref, target.Database, target.Table)
	}
	return r, nil
}

// link is a resource link's TargetTable in its Glue TableInput.
type link struct {
	CatalogID    string `json:"CatalogId"`
	DatabaseName string `json:"DatabaseName"`
	Name         string `json:"Name"`
	Region       string `json:"Region"`
}

func targetTable(input json.RawMessage) (link, bool) {
	if len(input) == 0 {
		return link{}, false
	}
	var in struct {
		TargetTable *link `json:"TargetTable"`
	}
	if json.Unmarshal(input, &in) != nil || in.TargetTable == nil || in.TargetTable.Name == "" {
		return link{}, false
	}
	return *in.TargetTable, true
}

// notFound words Glue's EntityNotFoundException as Athena does; other errors (access denied) pass as they are.
func notFound(err error, sql string, ref tableRef, db, name string) error {
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != "EntityNotFoundException" {
		return err
	}
	if datacatalog.IsNoDatabase(err) {
		return userError(CodeSchemaNotFound, sql, ref.Loc, "Schema '%s' does not exist", db)
	}
	return userError(CodeTableNotFound, sql, ref.Loc, "Table '%s.%s.%s' does not exist", defaultCatalog, db, name)
}
