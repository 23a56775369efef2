package athena

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/athena"
)

type namedQuery struct {
	Name         string
	Description  string `json:",omitempty"`
	Database     string
	QueryString  string
	NamedQueryId string `json:",omitempty"`
	WorkGroup    string `json:",omitempty"`
}

func namedOut(q *athena.NamedQuery) namedQuery {
	return namedQuery{Name: q.Name, Description: q.Description, Database: q.Database, QueryString: q.Query, NamedQueryId: q.ID, WorkGroup: q.WorkGroup}
}

type createNamedQueryIn struct {
	namedQuery
	ClientRequestToken string
}

type createNamedQueryOut struct{ NamedQueryId string }

func (h *handler) createNamedQuery(ctx context.Context, c *api.Call, in *createNamedQueryIn) (*createNamedQueryOut, error) {
	id, err := h.svc.CreateNamedQuery(ctx, c.Caller, athena.NamedQuery{Name: in.Name, Description: in.Description, Database: in.Database,
		Query: in.QueryString, WorkGroup: in.WorkGroup}, in.ClientRequestToken)
	if err != nil {
		return nil, err
	}
	return &createNamedQueryOut{NamedQueryId: id}, nil
}

type namedIDIn struct{ NamedQueryId string }

type getNamedQueryOut struct{ NamedQuery namedQuery }

func (h *handler) getNamedQuery(ctx context.Context, c *api.Call, in *namedIDIn) (*getNamedQueryOut, error) {
	q, err := h.svc.GetNamedQuery(ctx, c.Caller, in.NamedQueryId)
	if err != nil {
		return nil, err
	}
	return &getNamedQueryOut{NamedQuery: namedOut(q)}, nil
}

type batchGetNamedQueryIn struct{ NamedQueryIds []string }

type unprocessedNamed struct {
	NamedQueryId string
	unprocessed
}

type batchGetNamedQueryOut struct {
	NamedQueries             []namedQuery
	UnprocessedNamedQueryIds []unprocessedNamed
}

func (h *handler) batchGetNamedQuery(ctx context.Context, c *api.Call, in *batchGetNamedQueryIn) (*batchGetNamedQueryOut, error) {
	found, missing, err := h.svc.BatchGetNamedQuery(ctx, c.Caller, in.NamedQueryIds)
	if err != nil {
		return nil, err
	}
	out := &batchGetNamedQueryOut{NamedQueries: []namedQuery{}, UnprocessedNamedQueryIds: []unprocessedNamed{}}
	for _, q := range found {
		out.NamedQueries = append(out.NamedQueries, namedOut(q))
	}
	for _, m := range missing {
		out.UnprocessedNamedQueryIds = append(out.UnprocessedNamedQueryIds, unprocessedNamed{NamedQueryId: m.ID,
			unprocessed: unprocessed{ErrorCode: m.Code, ErrorMessage: m.Message}})
	}
	return out, nil
}

type listNamedQueriesOut struct {
	NamedQueryIds []string
	NextToken     string `json:",omitempty"`
}

func (h *handler) listNamedQueries(ctx context.Context, c *api.Call, in *nextPage) (*listNamedQueriesOut, error) {
	ids, next, err := h.svc.ListNamedQueries(ctx, c.Caller, in.WorkGroup, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []string{}
	}
	return &listNamedQueriesOut{NamedQueryIds: ids, NextToken: next}, nil
}

func (h *handler) deleteNamedQuery(ctx context.Context, c *api.Call, in *namedIDIn) (*empty, error) {
	return &empty{}, h.svc.DeleteNamedQuery(ctx, c.Caller, in.NamedQueryId)
}
