// Package firewall is AWS Network Firewall as far as its logs go: firewalls (a name, a policy ARN stored and not
// enforced, a VPC, subnets, tags) and their logging configurations, whose S3 destinations receive the alert, flow
// and TLS logs of a real Suricata, written as Network Firewall writes them and delivered by the log-delivery
// service (delivery.logs.amazonaws.com) as AWS delivers them.
//
// Suricata's EVE JSON lines reach a firewall through an input (package eve: a TCP or Unix socket, a tailed
// eve.json). A line belongs to the firewalls watching its sensor: the line's "host" (Suricata's sensor-name),
// or "default" when it has none; a firewall watches the sensor its tag seclake:sensor names, or else the one
// of its own name. Its event_type picks the log: alert and drop go to the ALERT log, netflow and flow to the
// FLOW log, tls to the TLS log; other types are not logged by Network Firewall and are counted as skipped.
// Each line is wrapped as Network Firewall wraps it — {"firewall_name", "availability_zone", "event_timestamp",
// "event"} — and files are published every PublishInterval (5 minutes, as AWS does) or when one reaches 75 MB,
// gzip-compressed, under AWS's key layout:
//
//	[prefix/]AWSLogs/<account>/network-firewall/<alert|flow|tls>/<region>/<firewall>/<YYYY>/<MM>/<DD>/<HH>/
//	  <account>_network-firewall_<type>_<region>_<firewall>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
//
// As AWS documents, an S3 destination encrypted with an AWS managed key (aws/s3) is refused; unlike AWS, the
// refusal says so when the logging configuration is set, and a delivery refused later (a key policy without
// the log-delivery service's statement) is shown by DescribeLoggingConfiguration in the destination's
// seclakeDeliveryStatus and seclakeDeliveryError entries while the files wait.
package firewall

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// tableFirewalls holds the firewalls: <account>/<region>/<name> → Firewall.
const tableFirewalls = "firewall.firewalls"

// DefaultPublishInterval is how often log files are written, as Network Firewall does.
const DefaultPublishInterval = 5 * time.Minute

// MaxFileBytes is the size at which a log file is published before its interval ends (75 MB, as AWS).
const MaxFileBytes = 75 << 20

// SensorTag is the tag naming the Suricata sensor a firewall's logs come from.
const SensorTag = "seclake:sensor"

// Log types.
const (
	LogAlert = "ALERT"
	LogFlow  = "FLOW"
	LogTLS   = "TLS"
)

// Firewall is a firewall, as DescribeFirewall shows it.
type Firewall struct {
	Name, ID, Account, Region string
	PolicyARN                 string
	VPCID                     string
	Subnets                   []Subnet
	Zones                     []string // AvailabilityZoneMappings
	Description               string
	DeleteProtection          bool
	SubnetChangeProtection    bool
	PolicyChangeProtection    bool
	Tags                      []actor.Tag
	UpdateToken               string
	Logging                   []LogDestination
	Created                   time.Time
}

// Subnet is one of a firewall's subnet mappings.
type Subnet struct{ SubnetID, IPAddressType string }

// LogDestination is one LogDestinationConfig of a logging configuration.
type LogDestination struct {
	LogType, DestinationType string
	Destination              map[string]string // bucketName, prefix
}

// ARN returns the firewall's ARN.
func (f *Firewall) ARN() string {
	return "arn:aws:network-firewall:" + f.Region + ":" + f.Account + ":firewall/" + f.Name
}

// Sensor returns the name of the sensor whose lines the firewall logs.
func (f *Firewall) Sensor() string {
	for _, t := range f.Tags {
		if t.Key == SensorTag {
			return t.Value
		}
	}
	return f.Name
}

// zone is the availability_zone the firewall's records carry.
func (f *Firewall) zone() string {
	if len(f.Zones) > 0 {
		return f.Zones[0]
	}
	return f.Region + "a"
}

// sourceARN is the aws:SourceArn of the firewall's deliveries (under arn:aws:logs:<region>:<account>:).
func (f *Firewall) sourceARN() string {
	return "arn:aws:logs:" + f.Region + ":" + f.Account + ":network-firewall/" + f.Name
}

// stream names the deliveries of one of the firewall's logs.
func (f *Firewall) stream(logType string) string {
	return "network-firewall/" + f.Account + "/" + f.Region + "/" + f.Name + "/" + logType
}

func firewallKey(account, region, name string) string { return account + "/" + region + "/" + name }

// Objects is the object store in which logging destinations are checked and prepared; *objstore.Service
// satisfies it.
type Objects interface {
	logdelivery.Buckets
	GetBucketEncryption(ctx context.Context, c *actor.Caller, bucket string) (*objstore.Encryption, error)
}

// Keys describes KMS keys; *kms.Service satisfies it.
type Keys interface {
	DescribeKey(ctx context.Context, c *actor.Caller, keyID string) (*kms.KeyMetadata, error)
}

// Delivery holds files for the log-delivery service and tells how a stream's deliveries went;
// *logdelivery.Service satisfies it.
type Delivery interface {
	Enqueue(ctx context.Context, f logdelivery.File) error
	StreamStatus(ctx context.Context, stream string) (logdelivery.Status, error)
}

// Config holds what the service needs. Store, Authz, Objects, Keys and Delivery are required.
type Config struct {
	Store    meta.Store
	Authz    actor.Authorizer
	Objects  Objects
	Keys     Keys
	Delivery Delivery
	Clock    clock.Clock
	Rand     io.Reader
	Logger   *slog.Logger
	Region   string
	// PublishInterval is how often files are written (default DefaultPublishInterval).
	PublishInterval time.Duration
	// Safe, when set, is told after each publication that every line observed before the time it gives is
	// held for delivery (an input may then forget them: a tailed file's checkpoint).
	Safe func(ctx context.Context, before time.Time)
}

var errConfig = errors.New("firewall: store, authorizer, objects, keys and delivery are required")
