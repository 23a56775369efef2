package athena

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/awsproto"
)

type queryExecutionContext struct {
	Database string `json:",omitempty"`
	Catalog  string `json:",omitempty"`
}

type startQueryExecutionIn struct {
	QueryString           string
	ClientRequestToken    string
	QueryExecutionContext *queryExecutionContext
	ResultConfiguration   *resultConfiguration
	WorkGroup             string
	ExecutionParameters   []string
}

type startQueryExecutionOut struct{ QueryExecutionId string }

func (h *handler) startQueryExecution(ctx context.Context, c *api.Call, in *startQueryExecutionIn) (*startQueryExecutionOut, error) {
	si := athena.StartInput{Query: in.QueryString, WorkGroup: in.WorkGroup, Token: in.ClientRequestToken, Result: in.ResultConfiguration.domain()}
	if qc := in.QueryExecutionContext; qc != nil {
		si.Database, si.Catalog = qc.Database, qc.Catalog
	}
	id, err := h.svc.StartQueryExecution(ctx, c.Caller, si)
	if err != nil {
		return nil, err
	}
	return &startQueryExecutionOut{QueryExecutionId: id}, nil
}

type athenaError struct {
	ErrorCategory, ErrorType int
	Retryable                bool
	ErrorMessage             string
}

type queryExecutionStatus struct {
	State              string
	StateChangeReason  string              `json:",omitempty"`
	SubmissionDateTime *awsproto.Timestamp `json:",omitempty"`
	CompletionDateTime *awsproto.Timestamp `json:",omitempty"`
	AthenaError        *athenaError        `json:",omitempty"`
}

type queryExecutionStatistics struct {
	EngineExecutionTimeInMillis, DataScannedInBytes, TotalExecutionTimeInMillis int64
	QueryQueueTimeInMillis, ServicePreProcessingTimeInMillis                    int64
	QueryPlanningTimeInMillis, ServiceProcessingTimeInMillis                    int64
	ResultReuseInformation                                                      struct{ ReusedPreviousResult bool }
}

type queryExecution struct {
	QueryExecutionId      string
	Query                 string
	StatementType         string
	ResultConfiguration   *resultConfiguration
	QueryExecutionContext queryExecutionContext
	Status                queryExecutionStatus
	Statistics            queryExecutionStatistics
	WorkGroup             string
	EngineVersion         *engineVersion
	SubstatementType      string `json:",omitempty"`
}

func executionOut(e *athena.Execution) queryExecution {
	out := queryExecution{QueryExecutionId: e.ID, Query: e.Query, StatementType: e.StatementType, ResultConfiguration: resultOut(e.Result),
		QueryExecutionContext: queryExecutionContext{Database: e.Database, Catalog: e.Catalog}, WorkGroup: e.WorkGroup, EngineVersion: version(""),
		Status: queryExecutionStatus{State: e.State, StateChangeReason: e.Reason, SubmissionDateTime: ts(e.Submitted), CompletionDateTime: ts(e.Completed)},
		Statistics: queryExecutionStatistics{EngineExecutionTimeInMillis: e.Stats.EngineMillis, DataScannedInBytes: e.Stats.ScannedBytes,
			TotalExecutionTimeInMillis: e.Stats.TotalMillis, QueryQueueTimeInMillis: e.Stats.QueueMillis, ServiceProcessingTimeInMillis: e.Stats.ProcessingMillis}}
	if e.StatementType == "DML" {
		out.SubstatementType = "SELECT"
	}
	if e.State == athena.StateSucceeded && e.Result.OutputLocation != "" {
		loc := e.Result.OutputLocation
		if loc[len(loc)-1] != '/' {
			loc += "/"
		}
		out.ResultConfiguration.OutputLocation = loc + e.ID + ".csv"
	}
	if ae := e.Error; ae != nil {
		out.Status.AthenaError = &athenaError{ErrorCategory: ae.Category, ErrorType: ae.Type, Retryable: ae.Retryable, ErrorMessage: ae.Message}
	}
	return out
}

type idIn struct{ QueryExecutionId string }

type getQueryExecutionOut struct{ QueryExecution queryExecution }

func (h *handler) getQueryExecution(ctx context.Context, c *api.Call, in *idIn) (*getQueryExecutionOut, error) {
	e, err := h.svc.GetQueryExecution(ctx, c.Caller, in.QueryExecutionId)
	if err != nil {
		return nil, err
	}
	return &getQueryExecutionOut{QueryExecution: executionOut(e)}, nil
}

type batchGetQueryExecutionIn struct{ QueryExecutionIds []string }

type unprocessedExecution struct {
	QueryExecutionId string
	unprocessed
}

type batchGetQueryExecutionOut struct {
	QueryExecutions              []queryExecution
	UnprocessedQueryExecutionIds []unprocessedExecution
}

func (h *handler) batchGetQueryExecution(ctx context.Context, c *api.Call, in *batchGetQueryExecutionIn) (*batchGetQueryExecutionOut, error) {
	found, missing, err := h.svc.BatchGetQueryExecution(ctx, c.Caller, in.QueryExecutionIds)
	if err != nil {
		return nil, err
	}
	out := &batchGetQueryExecutionOut{QueryExecutions: []queryExecution{}, UnprocessedQueryExecutionIds: []unprocessedExecution{}}
	for _, e := range found {
		out.QueryExecutions = append(out.QueryExecutions, executionOut(e))
	}
	for _, m := range missing {
		out.UnprocessedQueryExecutionIds = append(out.UnprocessedQueryExecutionIds, unprocessedExecution{QueryExecutionId: m.ID,
			unprocessed: unprocessed{ErrorCode: m.Code, ErrorMessage: m.Message}})
	}
	return out, nil
}

type listQueryExecutionsOut struct {
	QueryExecutionIds []string
	NextToken         string `json:",omitempty"`
}

func (h *handler) listQueryExecutions(ctx context.Context, c *api.Call, in *nextPage) (*listQueryExecutionsOut, error) {
	ids, next, err := h.svc.ListQueryExecutions(ctx, c.Caller, in.WorkGroup, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []string{}
	}
	return &listQueryExecutionsOut{QueryExecutionIds: ids, NextToken: next}, nil
}

func (h *handler) stopQueryExecution(ctx context.Context, c *api.Call, in *idIn) (*empty, error) {
	return &empty{}, h.svc.StopQueryExecution(ctx, c.Caller, in.QueryExecutionId)
}

type getQueryResultsIn struct {
	QueryExecutionId string
	NextToken        string
	MaxResults       int
	QueryResultType  string
}

type datum struct {
	VarCharValue *string `json:",omitempty"`
}

type row struct{ Data []datum }

type columnInfo struct {
	CatalogName, SchemaName, TableName, Name, Label, Type string
	Precision, Scale                                      int
	Nullable                                              string
	CaseSensitive                                         bool
}

type resultSet struct {
	Rows              []row
	ResultSetMetadata struct{ ColumnInfo []columnInfo }
}

type getQueryResultsOut struct {
	UpdateCount int64
	ResultSet   resultSet
	NextToken   string `json:",omitempty"`
}

func (h *handler) getQueryResults(ctx context.Context, c *api.Call, in *getQueryResultsIn) (*getQueryResultsOut, error) {
	page, err := h.svc.GetQueryResults(ctx, c.Caller, in.QueryExecutionId, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &getQueryResultsOut{NextToken: page.NextToken}
	out.ResultSet.Rows = make([]row, len(page.Rows))
	for i, r := range page.Rows {
		d := make([]datum, len(r))
		for j, v := range r {
			d[j].VarCharValue = v
		}
		out.ResultSet.Rows[i].Data = d
	}
	out.ResultSet.ResultSetMetadata.ColumnInfo = make([]columnInfo, len(page.Columns))
	for i, ci := range page.Columns {
		out.ResultSet.ResultSetMetadata.ColumnInfo[i] = columnInfo{CatalogName: "hive", Name: ci.Name, Label: ci.Name, Type: ci.Type,
			Precision: ci.Precision, Scale: ci.Scale, Nullable: ci.Nullable, CaseSensitive: ci.CaseSensitive}
	}
	return out, nil
}
