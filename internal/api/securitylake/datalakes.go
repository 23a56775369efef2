package securitylake

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/lake"
)

// dataLakeResource is the DataLakeResource shape.
type dataLakeResource struct {
	CreateStatus lake.DataLakeStatus `json:"createStatus,omitempty"`
	DataLakeArn  string              `json:"dataLakeArn"`
	Encryption   *lake.Encryption    `json:"encryptionConfiguration,omitempty"`
	Lifecycle    *lake.Lifecycle     `json:"lifecycleConfiguration,omitempty"`
	Region       string              `json:"region"`
	Replication  *lake.Replication   `json:"replicationConfiguration,omitempty"`
	S3BucketArn  string              `json:"s3BucketArn,omitempty"`
	UpdateStatus *lake.UpdateStatus  `json:"updateStatus,omitempty"`
}

func dataLakes(dls []lake.DataLake) []dataLakeResource {
	out := make([]dataLakeResource, 0, len(dls))
	for _, d := range dls {
		out = append(out, dataLakeResource{CreateStatus: d.CreateStatus, DataLakeArn: d.ARN, Encryption: d.Encryption, Lifecycle: d.Lifecycle,
			Region: d.Region, Replication: d.Replication, S3BucketArn: d.BucketARN, UpdateStatus: d.UpdateStatus})
	}
	return out
}

type createDataLakeIn struct {
	Configurations []lake.Configuration `json:"configurations"`
	MetaStoreRole  string               `json:"metaStoreManagerRoleArn"`
	Tags           []lake.Tag           `json:"tags"`
}

type dataLakesOut struct {
	DataLakes []dataLakeResource `json:"dataLakes"`
}

func (h *handler) createDataLake(ctx context.Context, c *api.Call, in *createDataLakeIn) (*dataLakesOut, error) {
	dls, err := h.svc.CreateDataLake(ctx, c.Caller, lake.CreateDataLakeInput{Configurations: in.Configurations, MetaStoreRole: in.MetaStoreRole, Tags: in.Tags})
	if err != nil {
		return nil, err
	}
	return &dataLakesOut{DataLakes: dataLakes(dls)}, nil
}

type updateDataLakeIn struct {
	Configurations []lake.Configuration `json:"configurations"`
	MetaStoreRole  string               `json:"metaStoreManagerRoleArn"`
}

func (h *handler) updateDataLake(ctx context.Context, c *api.Call, in *updateDataLakeIn) (*dataLakesOut, error) {
	dls, err := h.svc.UpdateDataLake(ctx, c.Caller, c.Caller.RequestID, in.Configurations, in.MetaStoreRole)
	if err != nil {
		return nil, err
	}
	return &dataLakesOut{DataLakes: dataLakes(dls)}, nil
}

type regionsIn struct {
	Regions []string `json:"regions"`
}

func (h *handler) deleteDataLake(ctx context.Context, c *api.Call, in *regionsIn) (*empty, error) {
	return &empty{}, h.svc.DeleteDataLake(ctx, c.Caller, in.Regions)
}

type listDataLakesIn struct {
	Regions []string `json:"-" location:"querystring" name:"regions"`
}

func (h *handler) listDataLakes(ctx context.Context, c *api.Call, in *listDataLakesIn) (*dataLakesOut, error) {
	dls, err := h.svc.ListDataLakes(ctx, c.Caller, in.Regions)
	if err != nil {
		return nil, err
	}
	return &dataLakesOut{DataLakes: dataLakes(dls)}, nil
}
