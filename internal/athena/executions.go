package athena

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Query execution states.
const (
	StateQueued    = "QUEUED"
	StateRunning   = "RUNNING"
	StateSucceeded = "SUCCEEDED"
	StateFailed    = "FAILED"
	StateCancelled = "CANCELLED"
)

// DefaultCatalog is the catalog of queries that name none.
const DefaultCatalog = "AwsDataCatalog"

// QueryError is the AthenaError of a FAILED execution.
type QueryError struct {
	// Category is 1 (system), 2 (user) or 3 (other); Type Athena's error type number.
	Category, Type int
	Retryable      bool
	Message        string
}

// Athena's error types that seclake reports.
const (
	errTypeUser       = 1100 // the query is wrong: a syntax error, an unknown column or table
	errTypePermission = 1200 // the caller may not read the data or write the results
	errTypeSystem     = 1000 // seclake failed
)

// ColumnInfo is a result column as ResultSetMetadata describes it.
type ColumnInfo struct {
	Name, Type       string
	Precision, Scale int
	Nullable         string
	CaseSensitive    bool
}

// ExecStats are an execution's statistics, in milliseconds and bytes.
type ExecStats struct {
	EngineMillis, ScannedBytes, TotalMillis, QueueMillis, ProcessingMillis int64
	// Rows is how many result rows were written (the header not counted).
	Rows int64
}

// Execution is a query execution.
type Execution struct {
	ID, WorkGroup                 string
	Query                         string `json:"-"`
	StatementType                 string
	Catalog, Database             string
	Result                        ResultConfig
	State, Reason                 string
	Error                         *QueryError `json:",omitempty"`
	Submitted, Started, Completed time.Time
	Stats                         ExecStats
	Columns                       []ColumnInfo `json:",omitempty"`
}

// execution is an execution's record: whose it is, its SQL sealed, who asked (the queries run as them) and
// who runs it.
type execution struct {
	Execution
	Account, Region string
	Sealed          []byte
	Caller          *actor.Caller
	// Cutoff is the work group's BytesScannedCutoffPerQuery when the query was started (0: none).
	Cutoff int64 `json:",omitempty"`
	// Token is the ClientRequestToken that started it, dropped with it.
	Token string `json:",omitempty"`
	// Attempts counts the claims of the execution; Node is the worker of the current one.
	Attempts int
	Node     string `json:",omitempty"`
}

// claim is a running execution's lease.
type claim struct {
	Node    string
	Attempt int
	Until   time.Time
}

// StartInput is StartQueryExecution's input. Result holds the request's result configuration (zero fields
// take the work group's).
type StartInput struct {
	Query, WorkGroup, Catalog, Database, Token string
	Result                                     ResultConfig
}

func (e *execution) queueKey() string {
	return fmt.Sprintf("%020d\x00%s", e.Submitted.UnixNano(), e.ID)
}
func (e *execution) runKey() string { return key(e.Account, e.Region, e.WorkGroup, e.ID) }
func (e *execution) listKey() string {
	return key(e.Account, e.Region, e.WorkGroup, fmt.Sprintf("%020d", int64(1<<62)-e.Submitted.UnixNano()), e.ID)
}

// statementType classifies a query as Athena does: DDL, DML or UTILITY.
func statementType(sql string) string {
	f := strings.Fields(strings.TrimLeft(sql, "( \t\r\n"))
	if len(f) == 0 {
		return "DML"
	}
	switch strings.ToUpper(f[0]) {
	case "CREATE", "DROP", "ALTER", "MSCK":
		return "DDL"
	case "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "USE":
		return "UTILITY"
	}
	return "DML"
}

// effectiveResult is the result configuration of a query: the request's fields over the work group's, or,
// when the work group enforces its configuration, the work group's over the request's.
func effectiveResult(wg *WorkGroup, req ResultConfig) ResultConfig {
	if wg.Config.Enforce {
		return overlay(req, wg.Config.Result)
	}
	return overlay(wg.Config.Result, req)
}

// overlay returns base with the fields top sets.
func overlay(base, top ResultConfig) ResultConfig {
	if top.OutputLocation != "" {
		base.OutputLocation = top.OutputLocation
	}
	if top.Encryption != nil {
		base.Encryption = top.Encryption
	}
	if top.ExpectedBucketOwner != "" {
		base.ExpectedBucketOwner = top.ExpectedBucketOwner
	}
	if top.ACL != "" {
		base.ACL = top.ACL
	}
	return base
}

// StartQueryExecution queues a query in a work group (primary when none is named) and returns its ID; the
// same ClientRequestToken returns the same ID. A worker runs it as the caller.
func (s *Service) StartQueryExecution(ctx context.Context, c *actor.Caller, in StartInput) (string, error) {
	if in.WorkGroup == "" {
		in.WorkGroup = PrimaryWorkGroup
	}
	if err := s.authorize(ctx, c, "athena:StartQueryExecution", in.WorkGroup); err != nil {
		return "", err
	}
	if strings.TrimSpace(in.Query) == "" || len(in.Query) > 262144 {
		return "", invalid(codeInvalidInput, "QueryString must be 1 to 262144 characters long.")
	}
	if err := checkToken(in.Token); err != nil {
		return "", err
	}
	if err := checkResult(in.Result); err != nil {
		return "", err
	}
	if in.Catalog == "" {
		in.Catalog = DefaultCatalog
	}
	id, err := s.newID()
	if err != nil {
		return "", err
	}
	sealed, err := s.sealSQL("execution", id, in.Query)
	if err != nil {
		return "", err
	}
	region, now := s.region(c), s.cfg.Clock.Now()
	e := &execution{Execution: Execution{ID: id, WorkGroup: in.WorkGroup, StatementType: statementType(in.Query), Catalog: in.Catalog,
		Database: in.Database, State: StateQueued, Submitted: now}, Account: c.Account, Region: region, Sealed: sealed, Caller: c,
		Token: in.Token}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if prev, err := tokenID(tx, c.Account, region, "execution", in.Token); err != nil || prev != "" {
			id = prev
			return err
		}
		id = e.ID
		wg, err := s.loadWorkGroup(tx, c.Account, region, in.WorkGroup)
		if err != nil {
			return err
		}
		if wg.State == WorkGroupDisabled {
			return invalid(codeInvalidInput, "WorkGroup %s is disabled. Enable it with UpdateWorkGroup --state ENABLED, or use another work group.", wg.Name)
		}
		e.Result, e.Cutoff = effectiveResult(wg, in.Result), wg.Config.BytesScannedCutoff
		if e.Result.OutputLocation == "" {
			return invalid(codeInvalidInput, "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")
		}
		if in.Token != "" {
			if err := tx.Put(tableTokens, key(c.Account, region, "execution", in.Token), []byte(id)); err != nil {
				return err
			}
		}
		if err := tx.Put(tableQueue, e.queueKey(), nil); err != nil {
			return err
		}
		if err := tx.Put(tableExecList, e.listKey(), nil); err != nil {
			return err
		}
		return putJSON(tx, tableExecs, id, e)
	})
	if err != nil {
		return "", err
	}
	s.Kick()
	return id, nil
}

// loadExecution reads an execution of the caller's account and region, or returns nil.
func (s *Service) loadExecution(ctx context.Context, c *actor.Caller, id string) (*execution, error) {
	var e *execution
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		r := &execution{}
		ok, err := getJSON(tx, tableExecs, id, r)
		if ok && r.Account == c.Account && r.Region == s.region(c) {
			e = r
		}
		return err
	})
	if err != nil || e == nil {
		return nil, err
	}
	if e.Query, err = s.openSQL("execution", e.ID, e.Sealed); err != nil {
		return nil, err
	}
	return e, nil
}

// execution loads an execution and authorizes action on its work group; an ID of no execution is authorized
// against primary, then not found.
func (s *Service) execution(ctx context.Context, c *actor.Caller, action, id string) (*execution, error) {
	e, err := s.loadExecution(ctx, c, id)
	if err != nil {
		return nil, err
	}
	wg := PrimaryWorkGroup
	if e != nil {
		wg = e.WorkGroup
	}
	if err := s.authorize(ctx, c, action, wg); err != nil {
		return nil, err
	}
	if e == nil {
		return nil, invalid(codeNotFound, "QueryExecution %s was not found. Check the ID (ListQueryExecutions lists them).", id)
	}
	return e, nil
}

// GetQueryExecution returns an execution.
func (s *Service) GetQueryExecution(ctx context.Context, c *actor.Caller, id string) (*Execution, error) {
	e, err := s.execution(ctx, c, "athena:GetQueryExecution", id)
	if err != nil {
		return nil, err
	}
	return &e.Execution, nil
}

// BatchGetQueryExecution returns the executions of ids that exist; the others are returned as unprocessed.
func (s *Service) BatchGetQueryExecution(ctx context.Context, c *actor.Caller, ids []string) ([]*Execution, []Unprocessed, error) {
	return batchGet(ctx, s, c, "athena:BatchGetQueryExecution", "QueryExecution", ids, func(id string) (*Execution, string, error) {
		e, err := s.loadExecution(ctx, c, id)
		if e == nil || err != nil {
			return nil, "", err
		}
		return &e.Execution, e.WorkGroup, nil
	})
}

// batchGet loads each of ids (load returns nil for an ID of nothing), authorizing action once per work group
// (primary for the IDs of nothing), and returns what it found and the IDs it did not.
func batchGet[T any](ctx context.Context, s *Service, c *actor.Caller, action, what string, ids []string,
	load func(id string) (*T, string, error)) ([]*T, []Unprocessed, error) {
	if len(ids) == 0 || len(ids) > 50 {
		if err := s.authorize(ctx, c, action, PrimaryWorkGroup); err != nil {
			return nil, nil, err
		}
		return nil, nil, invalid(codeInvalidInput, "%sIds must name 1 to 50 items.", what)
	}
	var out []*T
	var missing []Unprocessed
	checked := map[string]bool{}
	for _, id := range ids {
		v, wg, err := load(id)
		if err != nil {
			return nil, nil, err
		}
		if v == nil {
			wg = PrimaryWorkGroup
		}
		if !checked[wg] {
			if err := s.authorize(ctx, c, action, wg); err != nil {
				return nil, nil, err
			}
			checked[wg] = true
		}
		if v == nil {
			missing = append(missing, Unprocessed{ID: id, Code: codeNotFound, Message: what + " " + id + " was not found."})
			continue
		}
		out = append(out, v)
	}
	return out, missing, nil
}

// ListQueryExecutions returns the IDs of a work group's executions (primary when none is named), newest
// first, a page at a time.
func (s *Service) ListQueryExecutions(ctx context.Context, c *actor.Caller, wg, token string, limit int) ([]string, string, error) {
	if wg == "" {
		wg = PrimaryWorkGroup
	}
	if err := s.authorize(ctx, c, "athena:ListQueryExecutions", wg); err != nil {
		return nil, "", err
	}
	return s.listIDs(ctx, tableExecList, key(c.Account, s.region(c), wg, ""), token, limit)
}

// StopQueryExecution cancels a queued or running execution; a running one's engine is interrupted. Stopping
// a finished execution changes nothing.
func (s *Service) StopQueryExecution(ctx context.Context, c *actor.Caller, id string) error {
	if _, err := s.execution(ctx, c, "athena:StopQueryExecution", id); err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		e := &execution{}
		if _, err := getJSON(tx, tableExecs, id, e); err != nil {
			return err
		}
		switch e.State {
		case StateQueued:
			if err := deleteIfThere(tx, tableQueue, e.queueKey()); err != nil {
				return err
			}
		case StateRunning:
			if err := deleteIfThere(tx, tableRunning, e.runKey()); err != nil {
				return err
			}
		default:
			return nil
		}
		e.State, e.Reason, e.Completed = StateCancelled, "Query cancelled by user", now
		e.Stats.TotalMillis = now.Sub(e.Submitted).Milliseconds()
		return putJSON(tx, tableExecs, id, e)
	})
	if err != nil {
		return err
	}
	s.interrupt(id)
	s.Kick()
	return nil
}

// interrupt cancels the execution id if this node runs it.
func (s *Service) interrupt(id string) {
	s.mu.Lock()
	cancel := s.running[id]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
