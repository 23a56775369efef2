package lakeformation

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	lf "github.com/seclake/seclake/internal/lakeformation"
)

func errInvalid(format string, args ...any) error {
	return awserr.New("InvalidInputException", awserr.StatusBadRequest, format, args...)
}

type tableDataIn struct {
	TableData *lf.DataCellsFilter `json:"TableData"`
}

func (h *handler) createFilter(ctx context.Context, c *api.Call, in *tableDataIn) (*empty, error) {
	if in.TableData == nil {
		return nil, errInvalid("TableData is required.")
	}
	return &empty{}, h.svc.CreateDataCellsFilter(ctx, c.Caller, *in.TableData)
}

func (h *handler) updateFilter(ctx context.Context, c *api.Call, in *tableDataIn) (*empty, error) {
	if in.TableData == nil {
		return nil, errInvalid("TableData is required.")
	}
	return &empty{}, h.svc.UpdateDataCellsFilter(ctx, c.Caller, *in.TableData)
}

type filterIn struct {
	TableCatalogID string `json:"TableCatalogId"`
	DatabaseName   string `json:"DatabaseName"`
	TableName      string `json:"TableName"`
	Name           string `json:"Name"`
}

func (in *filterIn) ref() lf.FilterRef {
	return lf.FilterRef{Catalog: in.TableCatalogID, Database: in.DatabaseName, Table: in.TableName, Name: in.Name}
}

type filterOut struct {
	DataCellsFilter *lf.DataCellsFilter `json:"DataCellsFilter"`
}

func (h *handler) getFilter(ctx context.Context, c *api.Call, in *filterIn) (*filterOut, error) {
	f, err := h.svc.GetDataCellsFilter(ctx, c.Caller, in.ref())
	if err != nil {
		return nil, err
	}
	return &filterOut{DataCellsFilter: f}, nil
}

func (h *handler) deleteFilter(ctx context.Context, c *api.Call, in *filterIn) (*empty, error) {
	return &empty{}, h.svc.DeleteDataCellsFilter(ctx, c.Caller, in.ref())
}

type listFiltersIn struct {
	Table      *lf.TableResource `json:"Table"`
	NextToken  string            `json:"NextToken"`
	MaxResults int               `json:"MaxResults"`
}

type listFiltersOut struct {
	DataCellsFilters []lf.DataCellsFilter `json:"DataCellsFilters"`
	NextToken        string               `json:"NextToken,omitempty"`
}

func (h *handler) listFilters(ctx context.Context, c *api.Call, in *listFiltersIn) (*listFiltersOut, error) {
	fs, next, err := h.svc.ListDataCellsFilter(ctx, c.Caller, in.Table, lf.Page{Token: in.NextToken, Max: in.MaxResults})
	if err != nil {
		return nil, err
	}
	return &listFiltersOut{DataCellsFilters: fs, NextToken: next}, nil
}

type registerIn struct {
	ResourceArn          string `json:"ResourceArn"`
	UseServiceLinkedRole *bool  `json:"UseServiceLinkedRole"`
	RoleArn              string `json:"RoleArn"`
	WithFederation       *bool  `json:"WithFederation"`
	HybridAccessEnabled  *bool  `json:"HybridAccessEnabled"`
}

func (h *handler) registerResource(ctx context.Context, c *api.Call, in *registerIn) (*empty, error) {
	return &empty{}, h.svc.RegisterResource(ctx, c.Caller, lf.Registered{ResourceArn: in.ResourceArn, RoleArn: in.RoleArn,
		UseServiceLinkedRole: in.UseServiceLinkedRole != nil && *in.UseServiceLinkedRole, WithFederation: in.WithFederation,
		HybridAccessEnabled: in.HybridAccessEnabled})
}

type deregisterIn struct {
	ResourceArn string `json:"ResourceArn"`
}

func (h *handler) deregisterResource(ctx context.Context, c *api.Call, in *deregisterIn) (*empty, error) {
	return &empty{}, h.svc.DeregisterResource(ctx, c.Caller, in.ResourceArn)
}

type listResourcesIn struct {
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type resourceInfo struct {
	ResourceArn         string     `json:"ResourceArn"`
	RoleArn             string     `json:"RoleArn,omitempty"`
	LastModified        *time.Time `json:"LastModified,omitempty"`
	WithFederation      *bool      `json:"WithFederation,omitempty"`
	HybridAccessEnabled *bool      `json:"HybridAccessEnabled,omitempty"`
}

type listResourcesOut struct {
	ResourceInfoList []resourceInfo `json:"ResourceInfoList"`
	NextToken        string         `json:"NextToken,omitempty"`
}

func (h *handler) listResources(ctx context.Context, c *api.Call, in *listResourcesIn) (*listResourcesOut, error) {
	rs, next, err := h.svc.ListResources(ctx, c.Caller, lf.Page{Token: in.NextToken, Max: in.MaxResults})
	if err != nil {
		return nil, err
	}
	out := &listResourcesOut{ResourceInfoList: []resourceInfo{}, NextToken: next}
	for _, r := range rs {
		mod := r.LastModified
		out.ResourceInfoList = append(out.ResourceInfoList, resourceInfo{ResourceArn: r.ResourceArn, RoleArn: r.RoleArn,
			LastModified: &mod, WithFederation: r.WithFederation, HybridAccessEnabled: r.HybridAccessEnabled})
	}
	return out, nil
}
