package flowlog

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/meta"
)

// refusal is how EC2 answers a denied request.
var refusal = actor.Refusal{Code: "UnauthorizedOperation", Status: awserr.StatusForbidden}

// CreateInput is what CreateFlowLogs takes.
type CreateInput struct {
	ResourceIDs                   []string
	ResourceType                  string // VPC or NetworkInterface
	TrafficType                   string
	LogDestinationType            string // s3
	LogDestination                string
	LogFormat                     string
	MaxAggregationInterval        int
	FileFormat                    string
	HiveCompatible, PerHourFolder bool
	Tags                          []actor.Tag
	DryRun                        bool
}

// Unsuccessful is a resource CreateFlowLogs or DeleteFlowLogs could not act on, with why.
type Unsuccessful struct {
	ResourceID, Code, Message string
}

var resourceRE = regexp.MustCompile(`^(vpc|eni)-([0-9a-f]{8}|[0-9a-f]{17})$`)

func ec2Error(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, awserr.StatusBadRequest, format, args...)
}

func (in *CreateInput) validate() error {
	switch {
	case len(in.ResourceIDs) == 0:
		return ec2Error("MissingParameter", "The request must contain the parameter ResourceId.")
	case in.ResourceType != "VPC" && in.ResourceType != "NetworkInterface":
		return ec2Error("InvalidParameterValue", "Resource type %q: seclake records flows of the exporters it collects from (VPC, one per exporter) and their interfaces (NetworkInterface); Subnet and TransitGateway* have no equivalent here.", in.ResourceType)
	case in.LogDestinationType != "s3":
		return ec2Error("InvalidParameterValue", "LogDestinationType %q is not supported by seclake: flow logs are delivered to S3 (--log-destination-type s3).", in.LogDestinationType)
	}
	switch in.TrafficType {
	case "":
		in.TrafficType = "ALL"
	case "ACCEPT", "REJECT", "ALL":
	default:
		return ec2Error("InvalidParameterValue", "TrafficType %q must be ACCEPT, REJECT or ALL.", in.TrafficType)
	}
	switch in.MaxAggregationInterval {
	case 0:
		in.MaxAggregationInterval = 600
	case 60, 600:
	default:
		return ec2Error("InvalidParameterValue", "MaxAggregationInterval %d must be 60 or 600.", in.MaxAggregationInterval)
	}
	switch in.FileFormat {
	case "":
		in.FileFormat = FormatText
	case FormatText, FormatParquet:
	default:
		return ec2Error("InvalidParameterValue", "DestinationOptions.FileFormat %q must be plain-text or parquet.", in.FileFormat)
	}
	if _, err := parseFormat(in.LogFormat); err != nil {
		return ec2Error("InvalidParameter", "LogFormat: %v", err)
	}
	return nil
}

// CreateFlowLogs creates a flow log for each resource. The destination bucket must let the log-delivery service
// write (its policy is given AWS's statements when the caller owns the bucket and may change its policy, as
// AWS does); whether the bucket's key allows it shows at delivery, in DescribeFlowLogs.
func (s *Service) CreateFlowLogs(ctx context.Context, c *actor.Caller, in CreateInput) ([]string, []Unsuccessful, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	bucket, prefix, ok := cutDestination(in.LogDestination)
	if !ok {
		return nil, nil, ec2Error("InvalidParameterValue", "LogDestination %q must be an S3 bucket ARN, arn:aws:s3:::bucket[/prefix].", in.LogDestination)
	}
	region := s.region(c)
	for _, id := range in.ResourceIDs {
		typ := "vpc"
		if in.ResourceType == "NetworkInterface" {
			typ = "network-interface"
		}
		arn := "arn:aws:ec2:" + region + ":" + c.Account + ":" + typ + "/" + id
		if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: "ec2:CreateFlowLogs", Resource: arn}, refusal); err != nil {
			return nil, nil, err
		}
	}
	if in.DryRun {
		return nil, nil, ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	probe := &FlowLog{Account: c.Account, Region: region, Bucket: bucket, Prefix: prefix, ID: "fl-00000000000000000", HiveCompatible: in.HiveCompatible}
	if err := s.prepareBucket(ctx, c, probe); err != nil {
		return nil, failAll(in.ResourceIDs, "AccessDenied", err.Error()), nil
	}
	var ids []string
	var failed []Unsuccessful
	for _, rid := range in.ResourceIDs {
		if !resourceRE.MatchString(rid) || (in.ResourceType == "VPC") != strings.HasPrefix(rid, "vpc-") {
			failed = append(failed, Unsuccessful{rid, notFoundCode(in.ResourceType), fmt.Sprintf("The %s ID '%s' does not exist: seclake's IDs stand for exporters and their interfaces (see the README, Flow logs).", strings.ToLower(in.ResourceType), rid)})
			continue
		}
		id, err := newFlowLogID(s.cfg.Rand)
		if err != nil {
			return nil, nil, err
		}
		f := &FlowLog{ID: id, Account: c.Account, Region: region, ResourceID: rid, TrafficType: in.TrafficType, Bucket: bucket,
			Prefix: prefix, LogFormat: strings.TrimSpace(in.LogFormat), MaxAggregationInterval: in.MaxAggregationInterval,
			FileFormat: in.FileFormat, HiveCompatible: in.HiveCompatible, PerHourPartition: in.PerHourFolder,
			Created: s.cfg.Clock.Now().UTC(), Tags: in.Tags}
		if err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			return tx.Put(tableLogs, logKey(f.Account, f.Region, f.ID), b)
		}); err != nil {
			return nil, nil, fmt.Errorf("flowlog: create: %w", err)
		}
		ids = append(ids, id)
	}
	if err := s.reload(ctx, true); err != nil {
		return nil, nil, err
	}
	return ids, failed, nil
}

func notFoundCode(resourceType string) string {
	if resourceType == "VPC" {
		return "InvalidVpcID.NotFound"
	}
	return "InvalidNetworkInterfaceID.NotFound"
}

func failAll(ids []string, code, msg string) []Unsuccessful {
	out := make([]Unsuccessful, len(ids))
	for i, id := range ids {
		out[i] = Unsuccessful{id, code, msg}
	}
	return out
}

// prepareBucket checks that the log-delivery service may write the flow log's files into its bucket and, where
// it may not and the caller owns the bucket, adds AWS's statements to the bucket policy as the caller.
func (s *Service) prepareBucket(ctx context.Context, c *actor.Caller, f *FlowLog) error {
	d := logdelivery.Destination{Account: f.Account, Region: f.Region, SourceARN: f.sourceARN(), Bucket: f.Bucket, Folder: f.logPrefix()}
	if err := logdelivery.PrepareBucket(ctx, s.cfg.Objects, c, d, s.cfg.Clock.Now()); err != nil {
		return fmt.Errorf("Access Denied for LogDestination: %s. Please check LogDestination permission: %v", f.Bucket, err)
	}
	return nil
}

// logPrefix is the folder the flow log's files go under, for the bucket policy's Resource.
func (f *FlowLog) logPrefix() string {
	p := "AWSLogs/" + f.Account + "/"
	if f.HiveCompatible {
		p = "AWSLogs/aws-account-id=" + f.Account + "/"
	}
	if f.Prefix != "" {
		p = f.Prefix + "/" + p
	}
	return p
}

func newFlowLogID(rnd io.Reader) (string, error) {
	var b [9]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", err
	}
	return "fl-" + hex.EncodeToString(b[:])[:17], nil
}

func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}
