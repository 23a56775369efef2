// Package ec2 serves the part of the EC2 API seclake has (EC2's Query protocol): the flow-log operations
// CreateFlowLogs, DescribeFlowLogs and DeleteFlowLogs over internal/flowlog. Every other EC2 action is answered
// UnsupportedOperation by the edge.
package ec2

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/flowlog"
)

// Namespace is EC2's XML namespace.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// New returns the EC2 service.
func New(fl *flowlog.Service) *api.Service {
	h := &handler{fl: fl}
	return &api.Service{
		Name:         "ec2",
		EventSource:  "ec2.amazonaws.com",
		Protocol:     awsproto.EC2,
		XMLNamespace: Namespace,
		Ops: api.Ops(
			api.Query("CreateFlowLogs", "ec2:CreateFlowLogs", false, h.createFlowLogs),
			api.Query("DescribeFlowLogs", "ec2:DescribeFlowLogs", true, h.describeFlowLogs),
			api.Query("DeleteFlowLogs", "ec2:DeleteFlowLogs", false, h.deleteFlowLogs),
		),
	}
}

type handler struct{ fl *flowlog.Service }

type tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type tagSpecification struct {
	ResourceType string
	Tags         []tag `query:"Tag,flat"`
}

type createFlowLogsInput struct {
	DryRun                   bool
	ClientToken              string
	ResourceIds              []string `query:"ResourceId,flat"`
	ResourceType             string
	TrafficType              string
	LogDestinationType       string
	LogDestination           string
	LogFormat                string
	MaxAggregationInterval   int
	DeliverLogsPermissionArn string
	DeliverCrossAccountRole  string
	LogGroupName             string
	DestinationOptions       struct {
		FileFormat               string
		HiveCompatiblePartitions bool
		PerHourPartition         bool
	}
	TagSpecifications []tagSpecification `query:"TagSpecification,flat"`
}

type errorItem struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type unsuccessfulItem struct {
	Error      errorItem `xml:"error"`
	ResourceId string    `xml:"resourceId"`
}

type createFlowLogsOutput struct {
	ClientToken  string             `xml:"clientToken,omitempty"`
	FlowLogIds   []string           `xml:"flowLogIdSet>item"`
	Unsuccessful []unsuccessfulItem `xml:"unsuccessful>item"`
}

func (h *handler) createFlowLogs(ctx context.Context, c *api.Call, in *createFlowLogsInput) (*createFlowLogsOutput, error) {
	if in.LogGroupName != "" || in.DeliverLogsPermissionArn != "" || in.DeliverCrossAccountRole != "" {
		return nil, awserr.New("InvalidParameterCombination", awserr.StatusBadRequest,
			"seclake delivers flow logs to S3 only: LogGroupName, DeliverLogsPermissionArn and DeliverCrossAccountRole (CloudWatch Logs and cross-account delivery) are not supported.")
	}
	var tags []actor.Tag
	for _, ts := range in.TagSpecifications {
		for _, t := range ts.Tags {
			tags = append(tags, actor.Tag{Key: t.Key, Value: t.Value})
		}
	}
	ids, failed, err := h.fl.CreateFlowLogs(ctx, c.Caller, flowlog.CreateInput{ResourceIDs: in.ResourceIds, ResourceType: in.ResourceType,
		TrafficType: in.TrafficType, LogDestinationType: in.LogDestinationType, LogDestination: in.LogDestination, LogFormat: in.LogFormat,
		MaxAggregationInterval: in.MaxAggregationInterval, FileFormat: in.DestinationOptions.FileFormat,
		HiveCompatible: in.DestinationOptions.HiveCompatiblePartitions, PerHourFolder: in.DestinationOptions.PerHourPartition,
		Tags: tags, DryRun: in.DryRun})
	if err != nil {
		return nil, err
	}
	return &createFlowLogsOutput{ClientToken: in.ClientToken, FlowLogIds: ids, Unsuccessful: unsuccessful(failed)}, nil
}

func unsuccessful(failed []flowlog.Unsuccessful) []unsuccessfulItem {
	out := make([]unsuccessfulItem, len(failed))
	for i, f := range failed {
		out[i] = unsuccessfulItem{Error: errorItem{Code: f.Code, Message: f.Message}, ResourceId: f.ResourceID}
	}
	return out
}

type filter struct {
	Name   string
	Values []string `query:"Value,flat"`
}

type describeFlowLogsInput struct {
	DryRun     bool
	FlowLogIds []string `query:"FlowLogId,flat"`
	Filter     []filter `query:"Filter,flat"`
	MaxResults int
	NextToken  string
}

type destinationOptions struct {
	FileFormat               string `xml:"fileFormat"`
	HiveCompatiblePartitions bool   `xml:"hiveCompatiblePartitions"`
	PerHourPartition         bool   `xml:"perHourPartition"`
}

type flowLogItem struct {
	CreationTime            string             `xml:"creationTime"`
	DeliverLogsErrorMessage string             `xml:"deliverLogsErrorMessage,omitempty"`
	DeliverLogsStatus       string             `xml:"deliverLogsStatus"`
	FlowLogId               string             `xml:"flowLogId"`
	FlowLogStatus           string             `xml:"flowLogStatus"`
	ResourceId              string             `xml:"resourceId"`
	TrafficType             string             `xml:"trafficType"`
	LogDestinationType      string             `xml:"logDestinationType"`
	LogDestination          string             `xml:"logDestination"`
	LogFormat               string             `xml:"logFormat"`
	Tags                    []tag              `xml:"tagSet>item"`
	MaxAggregationInterval  int                `xml:"maxAggregationInterval"`
	DestinationOptions      destinationOptions `xml:"destinationOptions"`
}

type describeFlowLogsOutput struct {
	FlowLogs  []flowLogItem `xml:"flowLogSet>item"`
	NextToken string        `xml:"nextToken,omitempty"`
}

func (h *handler) describeFlowLogs(ctx context.Context, c *api.Call, in *describeFlowLogsInput) (*describeFlowLogsOutput, error) {
	filters := make([]flowlog.Filter, len(in.Filter))
	for i, f := range in.Filter {
		filters[i] = flowlog.Filter{Name: f.Name, Values: f.Values}
	}
	logs, next, err := h.fl.DescribeFlowLogs(ctx, c.Caller, in.FlowLogIds, filters, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &describeFlowLogsOutput{FlowLogs: []flowLogItem{}, NextToken: next}
	for _, d := range logs {
		format := d.LogFormat
		if format == "" {
			format = flowlog.DefaultFormat
		}
		item := flowLogItem{CreationTime: d.Created.UTC().Format(time.RFC3339Nano), DeliverLogsErrorMessage: d.DeliverError,
			DeliverLogsStatus: d.DeliverStatus, FlowLogId: d.ID, FlowLogStatus: "ACTIVE", ResourceId: d.ResourceID,
			TrafficType: d.TrafficType, LogDestinationType: "s3", LogDestination: d.Destination(), LogFormat: format,
			MaxAggregationInterval: d.MaxAggregationInterval,
			DestinationOptions:     destinationOptions{FileFormat: d.FileFormat, HiveCompatiblePartitions: d.HiveCompatible, PerHourPartition: d.PerHourPartition}}
		for _, t := range d.Tags {
			item.Tags = append(item.Tags, tag{t.Key, t.Value})
		}
		out.FlowLogs = append(out.FlowLogs, item)
	}
	return out, nil
}

type deleteFlowLogsInput struct {
	DryRun     bool
	FlowLogIds []string `query:"FlowLogId,flat"`
}

type deleteFlowLogsOutput struct {
	Unsuccessful []unsuccessfulItem `xml:"unsuccessful>item"`
}

func (h *handler) deleteFlowLogs(ctx context.Context, c *api.Call, in *deleteFlowLogsInput) (*deleteFlowLogsOutput, error) {
	failed, err := h.fl.DeleteFlowLogs(ctx, c.Caller, in.FlowLogIds)
	if err != nil {
		return nil, err
	}
	return &deleteFlowLogsOutput{Unsuccessful: unsuccessful(failed)}, nil
}
