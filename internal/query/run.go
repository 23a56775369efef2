package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/awserr"
)

// Query runs req.SQL for req.Caller and returns its rows. Errors the user can act on (syntax, unknown tables or
// columns, access denied, the memory limit, a cancelled ctx) are *awserr.Error values worded as Athena words them.
func (e *Engine) Query(ctx context.Context, req Request) (Rows, error) {
	rows, err := e.query(ctx, req)
	if err != nil && ctx.Err() != nil {
		return nil, userError(CodeUserCancelled, req.SQL, unknownLoc, "Query was cancelled")
	}
	return rows, err
}

func (e *Engine) query(ctx context.Context, req Request) (Rows, error) {
	if req.Caller == nil {
		return nil, errors.New("query: a Request needs a Caller")
	}
	start := time.Now()
	memLimit := req.MemoryLimit
	if memLimit <= 0 {
		memLimit = e.cfg.MemoryLimit
	}
	p, err := e.parse(ctx, req.SQL)
	if err != nil {
		return nil, err
	}
	tables, err := e.resolve(ctx, req, p)
	if err != nil {
		return nil, err
	}
	files, stats, err := e.readTables(ctx, req.SQL, p, tables, memLimit)
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	catalogs, schemas := namespaces(tables)
	s, err := e.spares.take(ctx)
	if err == nil {
		err = s.lock(ctx, paths, memLimit, e.cfg.Threads, catalogs, schemas)
	}
	if err != nil {
		closeAll(files)
		return nil, err
	}
	next := 0
	for _, t := range tables {
		n := len(t.plan.Files)
		if err := s.createView(ctx, t, paths[next:next+n]); err != nil {
			s.Close()
			closeAll(files)
			return nil, err
		}
		next += n
	}
	rows, err := s.conn.QueryContext(ctx, req.SQL)
	if err != nil {
		s.Close()
		closeAll(files)
		return nil, fromDuckDB(err, req.SQL, p, memLimit)
	}
	r, err := newRows(rows, func() error {
		go func() { // the caller need not wait for DuckDB to free the query's memory
			s.Close()
			closeAll(files)
		}()
		return nil
	}, req.SQL, p, memLimit)
	if err != nil {
		return nil, err
	}
	r.stats, r.start = stats, start
	return r, nil
}

// readTables reads the data files of the tables' plans into memfds, as each table's reader.
func (e *Engine) readTables(ctx context.Context, sql string, p *parsed, tables []*resolved, memLimit int64) ([]*memFile, Stats, error) {
	var jobs []fetchJob
	var stats Stats
	for _, t := range tables {
		stats.FilesPruned += t.plan.Pruned
		needed := neededColumns(p, t)
		for _, f := range t.plan.Files {
			jobs = append(jobs, fetchJob{file: f, reader: t.reader, needed: needed})
		}
	}
	stats.FilesRead = len(jobs)
	files, read, err := e.fetch(ctx, jobs, e.cfg.Threads, memLimit)
	if errors.Is(err, errOverBudget) {
		return nil, stats, userError(CodeExceededMemoryLimit, sql, unknownLoc,
			"Query would read more of its data files than the per-query memory limit of %s holds: narrow it with a "+
				"WHERE on region, accountid, eventday or time_dt, or fewer columns, or ask for a higher limit", bytesText(memLimit))
	}
	stats.DataScannedBytes = read
	return files, stats, err
}

// neededColumns are the top-level columns of t that the statement may read, or nil for all of them.
func neededColumns(p *parsed, t *resolved) map[string]bool {
	if p.AllColumns || (t.access.Governed && t.access.RowFilter != "") {
		return nil
	}
	needed := map[string]bool{}
	for _, c := range t.plan.Columns {
		if p.Names[strings.ToLower(c.Name)] {
			needed[strings.ToLower(c.Name)] = true
		}
	}
	return needed
}

// parse serializes the statement with DuckDB's parser (json_serialize_sql) on the engine's parser database.
func (e *Engine) parse(ctx context.Context, query string) (*parsed, error) {
	if strings.TrimSpace(query) == "" {
		return nil, userError(CodeSyntaxError, query, unknownLoc, "the query is empty")
	}
	var out string
	if err := e.parser.QueryRowContext(ctx, "SELECT json_serialize_sql($1::VARCHAR)::VARCHAR", query).Scan(&out); err != nil {
		return nil, fmt.Errorf("query: parse: %w", err)
	}
	p, err := parseAST([]byte(out))
	var pe *parseError
	if errors.As(err, &pe) {
		return nil, userError(CodeSyntaxError, query, pe.Pos, "%s", pe.Msg)
	}
	if err != nil {
		return nil, err
	}
	if p.Refused != "" {
		return nil, userError(CodePermissionDenied, query, p.RefusedLoc,
			"Table function '%s' is disabled by configuration: a query reads the catalog's tables (and range, "+
				"generate_series or unnest)", p.Refused)
	}
	for k, preds := range p.Preds {
		p.Preds[k] = resolveFolds(preds, func(f *fold) (any, bool) { return e.evalFold(ctx, f) })
	}
	return p, nil
}

// evalFold evaluates an expression without columns on the parser database (no file access, locked), for planning.
func (e *Engine) evalFold(ctx context.Context, f *fold) (any, bool) {
	stmt, err := json.Marshal(map[string]any{"error": false, "statements": []any{map[string]any{"node": map[string]any{
		"type": "SELECT_NODE", "modifiers": []any{}, "cte_map": map[string]any{"map": []any{}},
		"select_list": []any{f.node}, "from_table": map[string]any{"type": "EMPTY", "alias": "", "sample": nil},
		"where_clause": nil, "group_expressions": []any{}, "group_sets": []any{},
		"aggregate_handling": "STANDARD_HANDLING", "having": nil, "sample": nil, "qualify": nil},
		"named_param_map": []any{}}}})
	if err != nil {
		return nil, false
	}
	var sqlText string
	if err := e.parser.QueryRowContext(ctx, "SELECT json_deserialize_sql($1::JSON)", string(stmt)).Scan(&sqlText); err != nil {
		return nil, false
	}
	var v any
	if err := e.parser.QueryRowContext(ctx, sqlText).Scan(&v); err != nil {
		return nil, false
	}
	switch x := v.(type) {
	case time.Time, string, int64, bool:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	}
	return nil, false
}

// namespaces are the catalogs to attach and the schemas to create for the views of the tables, as written.
func namespaces(tables []*resolved) (catalogs, schemas []string) {
	seenC, seenS := map[string]bool{}, map[string]bool{}
	for _, t := range tables {
		cat, sch := viewNamespace(t.ref)
		if cat != "memory" && !seenC[cat] {
			seenC[cat] = true
			catalogs = append(catalogs, cat)
		}
		q := quoteIdent(cat) + "." + quoteIdent(sch)
		if sch != "main" && !seenS[q] {
			seenS[q] = true
			schemas = append(schemas, q)
		}
	}
	return catalogs, schemas
}

// viewNamespace is where the view of a reference goes so that the name as written finds it.
func viewNamespace(r tableRef) (catalog, schema string) {
	catalog, schema = strings.ToLower(r.Catalog), strings.ToLower(r.Schema)
	if catalog == "" {
		catalog = "memory"
	}
	if schema == "" {
		schema = "main"
	}
	return catalog, schema
}

// createView defines the reference's view over the data files at paths: the table's columns (those the caller
// may read, when governed), and only the rows its row filter passes.
func (s *session) createView(ctx context.Context, t *resolved, paths []string) error {
	cat, sch := viewNamespace(t.ref)
	name := quoteIdent(cat) + "." + quoteIdent(sch) + "." + quoteIdent(strings.ToLower(t.ref.Name))
	allowed := map[string]bool{}
	for _, c := range t.access.Columns {
		allowed[strings.ToLower(c)] = true
	}
	var cols []string
	for _, c := range t.plan.Columns {
		if t.access.Governed && t.access.Columns != nil && !allowed[strings.ToLower(c.Name)] {
			continue
		}
		if len(paths) == 0 {
			cols = append(cols, "CAST(NULL AS "+hiveToDuck(c.Type)+") AS "+quoteIdent(c.Name))
			continue
		}
		cols = append(cols, quoteIdent(c.Name))
	}
	if len(cols) == 0 {
		return awserr.New(CodePermissionDenied, awserr.StatusForbidden,
			"no column of table '%s.%s.%s' may be read", defaultCatalog, t.target.Database, t.target.Table)
	}
	var from string
	if len(paths) == 0 {
		from = " WHERE false"
	} else {
		quoted := make([]string, len(paths))
		for i, p := range paths {
			quoted[i] = quoteString(p)
		}
		from = " FROM read_parquet([" + strings.Join(quoted, ", ") + "])"
		if t.plan.Evolved { // files of older schemas lack columns: match by name, NULL where absent
			from = " FROM read_parquet([" + strings.Join(quoted, ", ") + "], union_by_name = true)"
		}
	}
	q := "CREATE VIEW " + name + " AS SELECT " + strings.Join(cols, ", ") + from
	if t.access.Governed && t.access.RowFilter != "" && len(paths) > 0 {
		// The filter sees every column of the table, including those the caller may not read.
		q = "CREATE VIEW " + name + " AS SELECT " + strings.Join(cols, ", ") + " FROM (SELECT *" + from +
			") WHERE (" + t.access.RowFilter + ")"
	}
	if _, err := s.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("query: define the view of %s.%s: %w", t.target.Database, t.target.Table, err)
	}
	return nil
}
