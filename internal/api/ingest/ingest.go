// Package ingest serves seclake's own ingestion API (REST-JSON, signing name "seclake"): the registered
// locations whose objects are ingested into the lake (AddIngestLocation, ListIngestLocations,
// GetIngestLocation, RemoveIngestLocation) and the engine's progress (GetIngestStatus, ListIngestFailures,
// ListSetAsideRecords), the lake doctor (CheckDataLake) and re-encryption (StartReencryption, GetReencryption). AWS has no such API, so its botocore-format model ships with seclake (model/): with
// AWS_DATA_PATH pointing there, `aws seclake …` and boto3's client("seclake") speak it unchanged.
package ingest

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/ingest/location"
	"github.com/seclake/seclake/internal/lake"
)

// Name is the API's signing name and its model's service name.
const Name = "seclake"

// New returns the service over the registered locations and the ingestion engine's reports.
func New(locations *location.Service, lakes *lake.Service) *api.Service {
	h := &handler{locs: locations, lakes: lakes}
	return &api.Service{
		Name:        Name,
		EventSource: "seclake.amazonaws.com",
		Protocol:    awsproto.RESTJSON,
		Router: api.Routes(
			api.REST("AddIngestLocation", "POST /v1/ingest/locations", "seclake:AddIngestLocation", false, h.add),
			api.REST("ListIngestLocations", "GET /v1/ingest/locations", "seclake:ListIngestLocations", true, h.list),
			api.REST("GetIngestLocation", "GET /v1/ingest/locations/{locationId}", "seclake:GetIngestLocation", true, h.get),
			api.REST("RemoveIngestLocation", "DELETE /v1/ingest/locations/{locationId}", "seclake:RemoveIngestLocation", false, h.remove),
			api.REST("GetIngestStatus", "GET /v1/ingest/status", "seclake:GetIngestStatus", true, h.status),
			api.REST("ListIngestFailures", "GET /v1/ingest/failures", "seclake:ListIngestFailures", true, h.failures),
			api.REST("ListSetAsideRecords", "GET /v1/ingest/set-aside", "seclake:ListSetAsideRecords", true, h.setAside),
			api.REST("CheckDataLake", "GET /v1/lake/check", "seclake:CheckDataLake", true, h.checkDataLake),
			api.REST("StartReencryption", "POST /v1/lake/reencryption", "seclake:StartReencryption", false, h.startReencryption),
			api.REST("GetReencryption", "GET /v1/lake/reencryption", "seclake:GetReencryption", true, h.getReencryption),
		),
	}
}

type handler struct {
	locs  *location.Service
	lakes *lake.Service
}

// ingestLocation is a location on the wire.
type ingestLocation struct {
	LocationID  string   `json:"locationId"`
	LocationArn string   `json:"locationArn"`
	Bucket      string   `json:"bucket"`
	Prefix      string   `json:"prefix"`
	Source      string   `json:"source"`
	Region      string   `json:"region"`
	Remote      string   `json:"remote,omitempty"`
	CreatedAt   string   `json:"createdAt"`
	Backfill    backfill `json:"backfill"`
	Objects     objects  `json:"objects"`
}

type objects struct {
	Queued int64 `json:"queued"`
	Done   int64 `json:"done"`
	Failed int64 `json:"failed"`
}

type backfill struct {
	Listed   int64  `json:"listed"`
	Enqueued int64  `json:"enqueued"`
	Complete bool   `json:"complete"`
	Error    string `json:"error,omitempty"`
}

func wire(l *location.Location) ingestLocation {
	return ingestLocation{LocationID: l.ID, LocationArn: l.ARN(), Bucket: l.Bucket, Prefix: l.Prefix, Source: l.Source,
		Region: l.Region, Remote: l.Remote, CreatedAt: l.Created.UTC().Format(time.RFC3339),
		Backfill: backfill{Listed: l.Backfill.Listed, Enqueued: l.Backfill.Enqueued, Complete: l.Backfill.Complete,
			Error: l.Backfill.Error},
		Objects: objects{Queued: l.Objects.Queued, Done: l.Objects.Done, Failed: l.Objects.Failed}}
}

type addInput struct {
	Bucket      string `json:"bucket"`
	Prefix      string `json:"prefix,omitempty"`
	Source      string `json:"source,omitempty"`
	Region      string `json:"region,omitempty"`
	Remote      string `json:"remote,omitempty"`
	GrantAccess bool   `json:"grantAccess,omitempty"`
}

type addOutput struct {
	Location        ingestLocation `json:"location"`
	LakeCreated     bool           `json:"lakeCreated"`
	LakeBucket      string         `json:"lakeBucket"`
	PolicyStatement string         `json:"policyStatement,omitempty"`
}

func (h *handler) add(ctx context.Context, c *api.Call, in *addInput) (*addOutput, error) {
	out, err := h.locs.Add(ctx, c.Caller, location.AddInput{Bucket: in.Bucket, Prefix: in.Prefix, Source: in.Source,
		Region: in.Region, Remote: in.Remote, GrantAccess: in.GrantAccess})
	if err != nil {
		return nil, err
	}
	return &addOutput{Location: wire(&out.Location), LakeCreated: out.LakeCreated, LakeBucket: out.LakeBucket,
		PolicyStatement: out.PolicyStatement}, nil
}

type listInput struct{}

type listOutput struct {
	Locations []ingestLocation `json:"locations"`
}

func (h *handler) list(ctx context.Context, c *api.Call, _ *listInput) (*listOutput, error) {
	locs, err := h.locs.List(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := &listOutput{Locations: make([]ingestLocation, 0, len(locs))}
	for i := range locs {
		out.Locations = append(out.Locations, wire(&locs[i]))
	}
	return out, nil
}

type locationInput struct {
	LocationID string `json:"-" location:"uri" name:"locationId"`
}

type locationOutput struct {
	Location ingestLocation `json:"location"`
}

func (h *handler) get(ctx context.Context, c *api.Call, in *locationInput) (*locationOutput, error) {
	l, err := h.locs.Get(ctx, c.Caller, in.LocationID)
	if err != nil {
		return nil, err
	}
	return &locationOutput{Location: wire(l)}, nil
}

func (h *handler) remove(ctx context.Context, c *api.Call, in *locationInput) (*locationOutput, error) {
	l, err := h.locs.Remove(ctx, c.Caller, in.LocationID)
	if err != nil {
		return nil, err
	}
	return &locationOutput{Location: wire(l)}, nil
}
