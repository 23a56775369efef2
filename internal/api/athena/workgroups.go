package athena

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/awsproto"
)

type tag struct{ Key, Value string }

type workGroupConfiguration struct {
	ResultConfiguration             *resultConfiguration `json:",omitempty"`
	EnforceWorkGroupConfiguration   *bool                `json:",omitempty"`
	PublishCloudWatchMetricsEnabled *bool                `json:",omitempty"`
	BytesScannedCutoffPerQuery      *int64               `json:",omitempty"`
	RequesterPaysEnabled            *bool                `json:",omitempty"`
	EngineVersion                   *engineVersion       `json:",omitempty"`
	AdditionalConfiguration         string               `json:",omitempty"`
	ExecutionRole                   string               `json:",omitempty"`
}

func boolOf(b *bool) bool { return b != nil && *b }

func (w *workGroupConfiguration) domain() athena.WorkGroupConfig {
	if w == nil {
		return athena.WorkGroupConfig{PublishMetrics: true}
	}
	out := athena.WorkGroupConfig{Result: w.ResultConfiguration.domain(), Enforce: w.EnforceWorkGroupConfiguration == nil || *w.EnforceWorkGroupConfiguration,
		PublishMetrics: w.PublishCloudWatchMetricsEnabled == nil || *w.PublishCloudWatchMetricsEnabled, RequesterPays: boolOf(w.RequesterPaysEnabled),
		AdditionalConfig: w.AdditionalConfiguration, ExecutionRole: w.ExecutionRole}
	if w.BytesScannedCutoffPerQuery != nil {
		out.BytesScannedCutoff = *w.BytesScannedCutoffPerQuery
	}
	if w.EngineVersion != nil {
		out.EngineVersion = w.EngineVersion.SelectedEngineVersion
	}
	return out
}

type createWorkGroupIn struct {
	Name          string
	Configuration *workGroupConfiguration
	Description   string
	Tags          []tag
}

func (h *handler) createWorkGroup(ctx context.Context, c *api.Call, in *createWorkGroupIn) (*empty, error) {
	wg := athena.WorkGroup{Name: in.Name, Description: in.Description, Config: in.Configuration.domain()}
	for _, t := range in.Tags {
		wg.Tags = append(wg.Tags, athena.Tag{Key: t.Key, Value: t.Value})
	}
	return &empty{}, h.svc.CreateWorkGroup(ctx, c.Caller, wg)
}

type workGroupIn struct {
	WorkGroup             string
	RecursiveDeleteOption *bool
}

type workGroupOut struct {
	Name          string
	State         string
	Configuration workGroupConfiguration
	Description   string              `json:",omitempty"`
	CreationTime  *awsproto.Timestamp `json:",omitempty"`
}

func workGroupOf(wg *athena.WorkGroup) workGroupOut {
	cfg := wg.Config
	out := workGroupOut{Name: wg.Name, State: wg.State, Description: wg.Description, CreationTime: ts(wg.Created),
		Configuration: workGroupConfiguration{ResultConfiguration: resultOut(cfg.Result), EnforceWorkGroupConfiguration: &cfg.Enforce,
			PublishCloudWatchMetricsEnabled: &cfg.PublishMetrics, RequesterPaysEnabled: &cfg.RequesterPays, EngineVersion: version(cfg.EngineVersion),
			AdditionalConfiguration: cfg.AdditionalConfig, ExecutionRole: cfg.ExecutionRole}}
	if cfg.BytesScannedCutoff > 0 {
		out.Configuration.BytesScannedCutoffPerQuery = &cfg.BytesScannedCutoff
	}
	return out
}

type getWorkGroupOut struct{ WorkGroup workGroupOut }

func (h *handler) getWorkGroup(ctx context.Context, c *api.Call, in *workGroupIn) (*getWorkGroupOut, error) {
	wg, err := h.svc.GetWorkGroup(ctx, c.Caller, in.WorkGroup)
	if err != nil {
		return nil, err
	}
	return &getWorkGroupOut{WorkGroup: workGroupOf(wg)}, nil
}

type workGroupSummary struct {
	Name, State   string
	Description   string `json:",omitempty"`
	CreationTime  *awsproto.Timestamp
	EngineVersion *engineVersion
}

type listWorkGroupsOut struct {
	WorkGroups []workGroupSummary
	NextToken  string `json:",omitempty"`
}

func (h *handler) listWorkGroups(ctx context.Context, c *api.Call, in *nextPage) (*listWorkGroupsOut, error) {
	wgs, err := h.svc.ListWorkGroups(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := &listWorkGroupsOut{WorkGroups: []workGroupSummary{}}
	for _, wg := range wgs {
		out.WorkGroups = append(out.WorkGroups, workGroupSummary{Name: wg.Name, State: wg.State, Description: wg.Description,
			CreationTime: ts(wg.Created), EngineVersion: version(wg.Config.EngineVersion)})
	}
	return out, nil
}

type resultConfigurationUpdates struct {
	OutputLocation                *string
	RemoveOutputLocation          bool
	EncryptionConfiguration       *encryptionConfiguration
	RemoveEncryptionConfiguration bool
	ExpectedBucketOwner           *string
	RemoveExpectedBucketOwner     bool
	AclConfiguration              *aclConfiguration
	RemoveAclConfiguration        bool
}

type configurationUpdates struct {
	EnforceWorkGroupConfiguration    *bool
	ResultConfigurationUpdates       *resultConfigurationUpdates
	PublishCloudWatchMetricsEnabled  *bool
	BytesScannedCutoffPerQuery       *int64
	RemoveBytesScannedCutoffPerQuery bool
	RequesterPaysEnabled             *bool
	EngineVersion                    *engineVersion
}

type updateWorkGroupIn struct {
	WorkGroup            string
	Description, State   *string
	ConfigurationUpdates *configurationUpdates
}

func (h *handler) updateWorkGroup(ctx context.Context, c *api.Call, in *updateWorkGroupIn) (*empty, error) {
	u := athena.WorkGroupUpdate{Description: in.Description, State: in.State}
	if cu := in.ConfigurationUpdates; cu != nil {
		u.Enforce, u.PublishMetrics, u.RequesterPays = cu.EnforceWorkGroupConfiguration, cu.PublishCloudWatchMetricsEnabled, cu.RequesterPaysEnabled
		u.BytesScannedCutoff, u.RemoveCutoff = cu.BytesScannedCutoffPerQuery, cu.RemoveBytesScannedCutoffPerQuery
		if cu.EngineVersion != nil {
			u.EngineVersion = &cu.EngineVersion.SelectedEngineVersion
		}
		if r := cu.ResultConfigurationUpdates; r != nil {
			u.OutputLocation, u.RemoveOutput = r.OutputLocation, r.RemoveOutputLocation
			u.Encryption, u.RemoveEncryption = encryptionIn(r.EncryptionConfiguration), r.RemoveEncryptionConfiguration
			u.ExpectedBucketOwner, u.RemoveBucketOwner = r.ExpectedBucketOwner, r.RemoveExpectedBucketOwner
			if r.AclConfiguration != nil {
				u.ACL = &r.AclConfiguration.S3AclOption
			}
			u.RemoveACL = r.RemoveAclConfiguration
		}
	}
	return &empty{}, h.svc.UpdateWorkGroup(ctx, c.Caller, in.WorkGroup, u)
}

func (h *handler) deleteWorkGroup(ctx context.Context, c *api.Call, in *workGroupIn) (*empty, error) {
	return &empty{}, h.svc.DeleteWorkGroup(ctx, c.Caller, in.WorkGroup, boolOf(in.RecursiveDeleteOption))
}
