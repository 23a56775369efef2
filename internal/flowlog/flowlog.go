// Package flowlog is VPC Flow Logs for what seclake can see: flows that real exporters (routers, firewalls,
// hypervisors, softflowd) report over NetFlow v5/v9 or IPFIX (internal/netflow) are attributed to flow logs,
// aggregated per aggregation interval, and written as VPC Flow Logs files — the default or a custom record
// format, gzip text or Parquet, in AWS's key layout — that the log-delivery service (internal/logdelivery)
// delivers into the flow log's bucket as delivery.logs.amazonaws.com.
//
// # What a flow log watches
//
// seclake has no VPCs; an exporter stands for one, and each of its interfaces for a network interface. Their IDs
// are derived from the exporter's address so a user can name them before any flow arrives: the exporter at
// 192.0.2.10 is VPC vpc-c000020a (its IPv4 address in hex), and its interface with SNMP index 3 is network
// interface eni-c000020a000000003 (the address, then the index in nine hex digits); an IPv6 exporter's IDs are
// made from a hash of its address (VPCID, InterfaceID). A flow log on a VPC records every flow of the exporter,
// under the interface the flow came in on (or left by); one on a network interface records the flows in or out
// of that interface, with flow-direction ingress or egress.
//
// # Records and files
//
// Flows are aggregated per flow log, interface, 5-tuple and action over the flow log's MaxAggregationInterval
// (60 or 600 seconds): packets and bytes add up, start and end are the earliest and latest seen, TCP flags are
// ORed. A flow the exporter reports as dropped is REJECT, any other ACCEPT. Every PublishInterval (default five
// minutes, as AWS publishes to S3) each flow log's closed aggregation windows become one file per hour they
// fall in: `<prefix>/AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/[HH/]<account>_vpcflowlogs_<region>_<flow
// log id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz` (or the Hive-compatible variant), gzip text with a header line, or
// Parquet.
package flowlog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/meta"
)

// tableLogs holds the flow logs: <account>/<region>/<flow log ID> → FlowLog.
const tableLogs = "flowlog.logs"

// DefaultPublishInterval is how often flow log files are written.
const DefaultPublishInterval = 5 * time.Minute

// Delivery holds files for the log-delivery service and tells how a stream's deliveries went;
// *logdelivery.Service satisfies it.
type Delivery interface {
	Enqueue(ctx context.Context, f logdelivery.File) error
	StreamStatus(ctx context.Context, stream string) (logdelivery.Status, error)
}

// FlowLog is a flow log, as DescribeFlowLogs shows it.
type FlowLog struct {
	ID, Account, Region string
	ResourceID          string // vpc-… or eni-…
	TrafficType         string // ACCEPT, REJECT or ALL
	// Bucket and Prefix are where the files go (LogDestination arn:aws:s3:::bucket/prefix).
	Bucket, Prefix string
	LogFormat      string
	// MaxAggregationInterval is 60 or 600 seconds.
	MaxAggregationInterval int
	FileFormat             string // plain-text or parquet
	HiveCompatible         bool
	PerHourPartition       bool
	Created                time.Time
	Tags                   []actor.Tag
}

// Destination returns the LogDestination ARN.
func (f *FlowLog) Destination() string {
	if f.Prefix == "" {
		return "arn:aws:s3:::" + f.Bucket
	}
	return "arn:aws:s3:::" + f.Bucket + "/" + f.Prefix
}

// ARN returns the flow log's ARN.
func (f *FlowLog) ARN() string {
	return "arn:aws:ec2:" + f.Region + ":" + f.Account + ":vpc-flow-log/" + f.ID
}

// sourceARN is the aws:SourceArn the log-delivery service writes the flow log's files with: under
// arn:aws:logs:<region>:<account>:, which the guides' ArnLike conditions name.
func (f *FlowLog) sourceARN() string {
	return "arn:aws:logs:" + f.Region + ":" + f.Account + ":vpc-flow-log/" + f.ID
}

// stream names the flow log's deliveries in the log-delivery service.
func (f *FlowLog) stream() string { return "vpcflowlogs/" + f.Account + "/" + f.Region + "/" + f.ID }

func logKey(account, region, id string) string { return account + "/" + region + "/" + id }

// VPCID returns the VPC ID that stands for the exporter at addr.
func VPCID(addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Is4() {
		return "vpc-" + hex.EncodeToString(addr.AsSlice())
	}
	h := sha256.Sum256(addr.AsSlice())
	return "vpc-" + hex.EncodeToString(h[:])[:17]
}

// InterfaceID returns the network interface ID that stands for the exporter's interface ifIndex.
func InterfaceID(addr netip.Addr, ifIndex uint32) string {
	addr = addr.Unmap()
	if addr.Is4() {
		return fmt.Sprintf("eni-%s%09x", hex.EncodeToString(addr.AsSlice()), ifIndex)
	}
	h := sha256.Sum256(fmt.Appendf(addr.AsSlice(), "/%d", ifIndex))
	return "eni-" + hex.EncodeToString(h[:])[:17]
}

// Config holds what the service needs. Store, Authz, Objects and Delivery are required.
type Config struct {
	Store    meta.Store
	Authz    actor.Authorizer
	Objects  Objects
	Delivery Delivery
	Clock    clock.Clock
	Rand     io.Reader
	Logger   *slog.Logger
	Region   string
	// PublishInterval is how often files are written (default DefaultPublishInterval).
	PublishInterval time.Duration
}

// Objects is the object store the flow logs' destinations are checked and prepared in.
type Objects = logdelivery.Buckets

var errNoStore = errors.New("flowlog: store, authorizer, objects and delivery are required")

func cutDestination(arn string) (bucket, prefix string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	if !ok || rest == "" {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	return bucket, strings.Trim(prefix, "/"), bucket != ""
}
