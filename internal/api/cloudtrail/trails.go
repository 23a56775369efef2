package cloudtrail

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/trail"
)

// trailType is CloudTrail's resource type of trails.
const trailType = "AWS::CloudTrail::Trail"

type tag struct {
	Key   string
	Value string `json:",omitempty"`
}

type createTrailInput struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	SnsTopicName               string `json:",omitempty"`
	IncludeGlobalServiceEvents *bool  `json:",omitempty"`
	IsMultiRegionTrail         *bool  `json:",omitempty"`
	EnableLogFileValidation    *bool  `json:",omitempty"`
	CloudWatchLogsLogGroupArn  string `json:",omitempty"`
	CloudWatchLogsRoleArn      string `json:",omitempty"`
	KmsKeyId                   string `json:",omitempty"`
	IsOrganizationTrail        *bool  `json:",omitempty"`
	TagsList                   []tag  `json:",omitempty"`
}

// trailOutput is the output of CreateTrail and UpdateTrail.
type trailOutput struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	TrailARN                   string
	LogFileValidationEnabled   bool
	KmsKeyId                   string `json:",omitempty"`
	IsOrganizationTrail        bool
}

func newTrailOutput(t *trail.Trail) *trailOutput {
	return &trailOutput{Name: t.Name, S3BucketName: t.S3BucketName, S3KeyPrefix: t.S3KeyPrefix,
		IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents, IsMultiRegionTrail: t.IsMultiRegionTrail, TrailARN: t.ARN(),
		LogFileValidationEnabled: t.LogFileValidationEnabled, KmsKeyId: t.KmsKeyID}
}

// trailShape is CloudTrail's Trail shape (DescribeTrails, GetTrail).
type trailShape struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	HomeRegion                 string
	TrailARN                   string
	LogFileValidationEnabled   bool
	KmsKeyId                   string `json:",omitempty"`
	HasCustomEventSelectors    bool
	HasInsightSelectors        bool
	IsOrganizationTrail        bool
}

func newTrailShape(t *trail.Trail) trailShape {
	return trailShape{Name: t.Name, S3BucketName: t.S3BucketName, S3KeyPrefix: t.S3KeyPrefix,
		IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents, IsMultiRegionTrail: t.IsMultiRegionTrail, HomeRegion: t.HomeRegion,
		TrailARN: t.ARN(), LogFileValidationEnabled: t.LogFileValidationEnabled, KmsKeyId: t.KmsKeyID,
		HasCustomEventSelectors: t.HasCustomEventSelectors}
}

// touched lists a trail in the call's audit record.
func touched(c *api.Call, t *trail.Trail) { c.AddResource(t.ARN(), t.Account, trailType) }

func (h *handler) createTrail(ctx context.Context, c *api.Call, in *createTrailInput) (*trailOutput, error) {
	t, err := h.trails.CreateTrail(ctx, c.Caller, trail.CreateInput{Name: in.Name, S3BucketName: in.S3BucketName,
		S3KeyPrefix: in.S3KeyPrefix, KmsKeyID: in.KmsKeyId, IncludeGlobalServiceEvents: in.IncludeGlobalServiceEvents,
		IsMultiRegionTrail: deref(in.IsMultiRegionTrail), EnableLogFileValidation: deref(in.EnableLogFileValidation),
		Unsupported: trail.Unsupported{SnsTopicName: in.SnsTopicName, CloudWatchLogsLogGroupArn: in.CloudWatchLogsLogGroupArn,
			CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn, IsOrganizationTrail: deref(in.IsOrganizationTrail)}})
	if err != nil {
		return nil, err
	}
	touched(c, t)
	return newTrailOutput(t), nil
}

func deref(b *bool) bool { return b != nil && *b }

type updateTrailInput struct {
	Name                       string
	S3BucketName               *string `json:",omitempty"`
	S3KeyPrefix                *string `json:",omitempty"`
	SnsTopicName               string  `json:",omitempty"`
	IncludeGlobalServiceEvents *bool   `json:",omitempty"`
	IsMultiRegionTrail         *bool   `json:",omitempty"`
	EnableLogFileValidation    *bool   `json:",omitempty"`
	CloudWatchLogsLogGroupArn  string  `json:",omitempty"`
	CloudWatchLogsRoleArn      string  `json:",omitempty"`
	KmsKeyId                   *string `json:",omitempty"`
	IsOrganizationTrail        *bool   `json:",omitempty"`
}

func (h *handler) updateTrail(ctx context.Context, c *api.Call, in *updateTrailInput) (*trailOutput, error) {
	t, err := h.trails.UpdateTrail(ctx, c.Caller, trail.UpdateInput{Name: in.Name, S3BucketName: in.S3BucketName,
		S3KeyPrefix: in.S3KeyPrefix, KmsKeyID: in.KmsKeyId, IncludeGlobalServiceEvents: in.IncludeGlobalServiceEvents,
		IsMultiRegionTrail: in.IsMultiRegionTrail, EnableLogFileValidation: in.EnableLogFileValidation,
		Unsupported: trail.Unsupported{SnsTopicName: in.SnsTopicName, CloudWatchLogsLogGroupArn: in.CloudWatchLogsLogGroupArn,
			CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn, IsOrganizationTrail: deref(in.IsOrganizationTrail)}})
	if err != nil {
		return nil, err
	}
	touched(c, t)
	return newTrailOutput(t), nil
}

// nameInput is the input of the operations that name one trail.
type nameInput struct{ Name string }

type empty struct{}

func (h *handler) deleteTrail(ctx context.Context, c *api.Call, in *nameInput) (*empty, error) {
	return nameOp(ctx, c, in.Name, h.trails.DeleteTrail)
}

func (h *handler) startLogging(ctx context.Context, c *api.Call, in *nameInput) (*empty, error) {
	return nameOp(ctx, c, in.Name, h.trails.StartLogging)
}

func (h *handler) stopLogging(ctx context.Context, c *api.Call, in *nameInput) (*empty, error) {
	return nameOp(ctx, c, in.Name, h.trails.StopLogging)
}

// nameOp runs an operation on one trail that returns nothing.
func nameOp(ctx context.Context, c *api.Call, name string, op func(context.Context, *actor.Caller, string) (*trail.Trail, error)) (*empty, error) {
	t, err := op(ctx, c.Caller, name)
	if err != nil {
		return nil, err
	}
	touched(c, t)
	return &empty{}, nil
}

type getTrailOutput struct{ Trail trailShape }

func (h *handler) getTrail(ctx context.Context, c *api.Call, in *nameInput) (*getTrailOutput, error) {
	t, err := h.trails.GetTrail(ctx, c.Caller, in.Name)
	if err != nil {
		return nil, err
	}
	touched(c, t)
	return &getTrailOutput{Trail: newTrailShape(t)}, nil
}

type describeTrailsInput struct {
	TrailNameList       []string `json:"trailNameList,omitempty"`
	IncludeShadowTrails *bool    `json:"includeShadowTrails,omitempty"`
}

type describeTrailsOutput struct {
	TrailList []trailShape `json:"trailList"`
}

func (h *handler) describeTrails(ctx context.Context, c *api.Call, in *describeTrailsInput) (*describeTrailsOutput, error) {
	ts, err := h.trails.DescribeTrails(ctx, c.Caller, in.TrailNameList, in.IncludeShadowTrails)
	if err != nil {
		return nil, err
	}
	out := &describeTrailsOutput{TrailList: make([]trailShape, 0, len(ts))}
	for _, t := range ts {
		out.TrailList = append(out.TrailList, newTrailShape(t))
	}
	return out, nil
}

type listTrailsInput struct {
	NextToken string `json:",omitempty"`
}

type trailInfo struct {
	TrailARN   string
	Name       string
	HomeRegion string
}

type listTrailsOutput struct {
	Trails    []trailInfo
	NextToken string `json:",omitempty"`
}

func (h *handler) listTrails(ctx context.Context, c *api.Call, in *listTrailsInput) (*listTrailsOutput, error) {
	ts, err := h.trails.ListTrails(ctx, c.Caller, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &listTrailsOutput{Trails: make([]trailInfo, 0, len(ts))}
	for _, t := range ts {
		out.Trails = append(out.Trails, trailInfo{TrailARN: t.ARN(), Name: t.Name, HomeRegion: t.HomeRegion})
	}
	return out, nil
}
