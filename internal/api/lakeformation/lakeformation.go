// Package lakeformation serves AWS Lake Formation's API (REST-JSON, lakeformation 2017-03-31): data lake
// settings, permissions, data cells filters and registered locations, over the lakeformation domain service.
package lakeformation

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	lf "github.com/seclake/seclake/internal/lakeformation"
)

// New returns the Lake Formation service.
func New(svc *lf.Service) *api.Service {
	h := &handler{svc: svc}
	return &api.Service{
		Name:        "lakeformation",
		EventSource: lf.EventSource,
		Protocol:    awsproto.RESTJSON,
		Router: api.Routes(
			api.REST("GetDataLakeSettings", "POST /GetDataLakeSettings", "lakeformation:GetDataLakeSettings", true, h.getSettings),
			api.REST("PutDataLakeSettings", "POST /PutDataLakeSettings", "lakeformation:PutDataLakeSettings", false, h.putSettings),
			api.REST("GrantPermissions", "POST /GrantPermissions", "lakeformation:GrantPermissions", false, h.grant),
			api.REST("RevokePermissions", "POST /RevokePermissions", "lakeformation:RevokePermissions", false, h.revoke),
			api.REST("BatchGrantPermissions", "POST /BatchGrantPermissions", "lakeformation:BatchGrantPermissions", false, h.batchGrant),
			api.REST("BatchRevokePermissions", "POST /BatchRevokePermissions", "lakeformation:BatchRevokePermissions", false, h.batchRevoke),
			api.REST("ListPermissions", "POST /ListPermissions", "lakeformation:ListPermissions", true, h.listPermissions),
			api.REST("CreateDataCellsFilter", "POST /CreateDataCellsFilter", "lakeformation:CreateDataCellsFilter", false, h.createFilter),
			api.REST("GetDataCellsFilter", "POST /GetDataCellsFilter", "lakeformation:GetDataCellsFilter", true, h.getFilter),
			api.REST("UpdateDataCellsFilter", "POST /UpdateDataCellsFilter", "lakeformation:UpdateDataCellsFilter", false, h.updateFilter),
			api.REST("DeleteDataCellsFilter", "POST /DeleteDataCellsFilter", "lakeformation:DeleteDataCellsFilter", false, h.deleteFilter),
			api.REST("ListDataCellsFilter", "POST /ListDataCellsFilter", "lakeformation:ListDataCellsFilter", true, h.listFilters),
			api.REST("RegisterResource", "POST /RegisterResource", "lakeformation:RegisterResource", false, h.registerResource),
			api.REST("DeregisterResource", "POST /DeregisterResource", "lakeformation:DeregisterResource", false, h.deregisterResource),
			api.REST("ListResources", "POST /ListResources", "lakeformation:ListResources", true, h.listResources),
		),
	}
}

type handler struct{ svc *lf.Service }

type empty struct{}

type catalogIn struct {
	CatalogID string `json:"CatalogId"`
}

type settingsOut struct {
	DataLakeSettings lf.Settings `json:"DataLakeSettings"`
}

func (h *handler) getSettings(ctx context.Context, c *api.Call, in *catalogIn) (*settingsOut, error) {
	st, err := h.svc.GetDataLakeSettings(ctx, c.Caller, in.CatalogID)
	if err != nil {
		return nil, err
	}
	return &settingsOut{DataLakeSettings: st}, nil
}

type putSettingsIn struct {
	CatalogID        string       `json:"CatalogId"`
	DataLakeSettings *lf.Settings `json:"DataLakeSettings"`
}

func (h *handler) putSettings(ctx context.Context, c *api.Call, in *putSettingsIn) (*empty, error) {
	if in.DataLakeSettings == nil {
		return nil, errInvalid("DataLakeSettings is required.")
	}
	return &empty{}, h.svc.PutDataLakeSettings(ctx, c.Caller, in.CatalogID, *in.DataLakeSettings)
}

// grantIn is GrantPermissionsRequest, RevokePermissionsRequest and a BatchPermissionsRequestEntry.
type grantIn struct {
	ID                         string        `json:"Id,omitempty"`
	CatalogID                  string        `json:"CatalogId,omitempty"`
	Principal                  *lf.Principal `json:"Principal,omitempty"`
	Resource                   *lf.Resource  `json:"Resource,omitempty"`
	Permissions                []string      `json:"Permissions"`
	PermissionsWithGrantOption []string      `json:"PermissionsWithGrantOption,omitempty"`
}

func (in *grantIn) input() (lf.GrantInput, error) {
	if in.Principal == nil || in.Resource == nil {
		return lf.GrantInput{}, errInvalid("Principal and Resource are required.")
	}
	return lf.GrantInput{CatalogID: in.CatalogID, Principal: in.Principal.ID, Resource: *in.Resource,
		Permissions: in.Permissions, Grantable: in.PermissionsWithGrantOption}, nil
}

func (h *handler) grant(ctx context.Context, c *api.Call, in *grantIn) (*empty, error) {
	g, err := in.input()
	if err != nil {
		return nil, err
	}
	return &empty{}, h.svc.GrantPermissions(ctx, c.Caller, g)
}

func (h *handler) revoke(ctx context.Context, c *api.Call, in *grantIn) (*empty, error) {
	g, err := in.input()
	if err != nil {
		return nil, err
	}
	return &empty{}, h.svc.RevokePermissions(ctx, c.Caller, g)
}

type batchIn struct {
	CatalogID string    `json:"CatalogId"`
	Entries   []grantIn `json:"Entries"`
}

type errorDetail struct {
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type batchFailure struct {
	RequestEntry grantIn     `json:"RequestEntry"`
	Error        errorDetail `json:"Error"`
}

type batchOut struct {
	Failures []batchFailure `json:"Failures"`
}

func (h *handler) batchGrant(ctx context.Context, c *api.Call, in *batchIn) (*batchOut, error) {
	return h.batch(ctx, c, in, h.svc.BatchGrantPermissions)
}

func (h *handler) batchRevoke(ctx context.Context, c *api.Call, in *batchIn) (*batchOut, error) {
	return h.batch(ctx, c, in, h.svc.BatchRevokePermissions)
}

func (h *handler) batch(ctx context.Context, c *api.Call, in *batchIn,
	fn func(context.Context, *actor.Caller, string, []lf.BatchEntry) ([]lf.BatchFailure, error)) (*batchOut, error) {
	var entries []lf.BatchEntry
	byID := map[string]grantIn{}
	out := &batchOut{Failures: []batchFailure{}}
	for _, e := range in.Entries {
		g, err := e.input()
		if err != nil {
			out.Failures = append(out.Failures, batchFailure{RequestEntry: e, Error: errorDetail{ErrorCode: "InvalidInputException", ErrorMessage: err.Error()}})
			continue
		}
		byID[e.ID] = e
		entries = append(entries, lf.BatchEntry{ID: e.ID, GrantInput: g})
	}
	failures, err := fn(ctx, c.Caller, in.CatalogID, entries) // authorizes first, whatever the entries
	if err != nil {
		return nil, err
	}
	if len(in.Entries) == 0 {
		return nil, errInvalid("Entries must hold between 1 and 20 entries; it holds none.")
	}
	for _, f := range failures {
		out.Failures = append(out.Failures, batchFailure{RequestEntry: byID[f.Entry.ID], Error: errorDetail{ErrorCode: f.Code, ErrorMessage: f.Message}})
	}
	return out, nil
}

type listPermissionsIn struct {
	CatalogID    string        `json:"CatalogId"`
	Principal    *lf.Principal `json:"Principal"`
	ResourceType string        `json:"ResourceType"`
	Resource     *lf.Resource  `json:"Resource"`
	NextToken    string        `json:"NextToken"`
	MaxResults   int           `json:"MaxResults"`
}

type principalResourcePermissions struct {
	Principal                  lf.Principal       `json:"Principal"`
	Resource                   lf.Resource        `json:"Resource"`
	Permissions                []string           `json:"Permissions"`
	PermissionsWithGrantOption []string           `json:"PermissionsWithGrantOption"`
	AdditionalDetails          *additionalDetails `json:"AdditionalDetails,omitempty"`
	LastUpdated                *time.Time         `json:"LastUpdated,omitempty"`
	LastUpdatedBy              string             `json:"LastUpdatedBy,omitempty"`
}

type additionalDetails struct {
	ResourceShare []string `json:"ResourceShare"`
}

type listPermissionsOut struct {
	PrincipalResourcePermissions []principalResourcePermissions `json:"PrincipalResourcePermissions"`
	NextToken                    string                         `json:"NextToken,omitempty"`
}

func (h *handler) listPermissions(ctx context.Context, c *api.Call, in *listPermissionsIn) (*listPermissionsOut, error) {
	f := lf.PermissionsFilter{CatalogID: in.CatalogID, ResourceType: in.ResourceType, Resource: in.Resource}
	if in.Principal != nil {
		f.Principal = in.Principal.ID
	}
	gs, next, err := h.svc.ListPermissions(ctx, c.Caller, f, lf.Page{Token: in.NextToken, Max: in.MaxResults})
	if err != nil {
		return nil, err
	}
	out := &listPermissionsOut{PrincipalResourcePermissions: []principalResourcePermissions{}, NextToken: next}
	for _, g := range gs {
		updated := g.Updated
		p := principalResourcePermissions{Principal: g.Principal, Resource: g.Resource, Permissions: g.Permissions,
			PermissionsWithGrantOption: g.Grantable, LastUpdated: &updated, LastUpdatedBy: g.UpdatedBy}
		if g.ShareARN != "" {
			p.AdditionalDetails = &additionalDetails{ResourceShare: []string{g.ShareARN}}
		}
		out.PrincipalResourcePermissions = append(out.PrincipalResourcePermissions, p)
	}
	return out, nil
}
