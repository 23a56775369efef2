package firewall

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// Keys seclake adds to an S3 destination's LogDestination map in DescribeLoggingConfiguration (and ignores in
// UpdateLoggingConfiguration): how its deliveries go.
const (
	StatusKey = "seclakeDeliveryStatus"
	ErrorKey  = "seclakeDeliveryError"
)

// UpdateLoggingConfiguration sets a firewall's log destinations. As in AWS, one call makes one change: it adds
// a destination, removes one, or changes one's LogDestination. Only S3 destinations are supported. A new or
// changed S3 destination is prepared as AWS prepares it (the bucket policy's statements for the log-delivery
// service, added as the caller; LogDestinationPermissionException when that cannot be done), and refused when
// the bucket's default encryption is an AWS managed key, which Network Firewall cannot use.
func (s *Service) UpdateLoggingConfiguration(ctx context.Context, c *actor.Caller, name, arn string, dests []LogDestination) (*Firewall, error) {
	fw, err := s.authorized(ctx, c, name, arn, "network-firewall:UpdateLoggingConfiguration")
	if err != nil {
		return nil, err
	}
	next, err := cleanDestinations(dests)
	if err != nil {
		return nil, err
	}
	added, removed, changed := diff(fw.Logging, next)
	if added+removed+changed > 1 {
		return nil, invalid("UpdateLoggingConfiguration makes one change per call: add one LogDestinationConfig, remove one, or change one's LogDestination (this call makes %d).", added+removed+changed)
	}
	action := "logs:CreateLogDelivery"
	if removed > 0 {
		action = "logs:DeleteLogDelivery"
	} else if changed > 0 {
		action = "logs:UpdateLogDelivery"
	}
	if added+removed+changed > 0 {
		if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: "*"}, refusal); err != nil {
			return nil, err
		}
	}
	for _, d := range next {
		if prev := find(fw.Logging, d.LogType); prev != nil && maps.Equal(prev.Destination, d.Destination) {
			continue
		}
		if err := s.prepare(ctx, c, fw, d); err != nil {
			return nil, err
		}
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		cur, err := getFirewall(tx, fw.Account, fw.Region, fw.Name)
		if err != nil {
			return err
		}
		cur.Logging = next
		if cur.UpdateToken, err = newUUID(s.cfg.Rand); err != nil {
			return err
		}
		fw = cur
		return putFirewall(tx, cur)
	})
	if errors.Is(err, meta.ErrNotFound) {
		return nil, notFound(fw.Name)
	}
	if err != nil {
		return nil, err
	}
	return fw, s.reload(ctx, true)
}

// cleanDestinations checks a logging configuration's destinations and drops the status keys seclake adds.
func cleanDestinations(dests []LogDestination) ([]LogDestination, error) {
	var out []LogDestination
	seen := map[string]bool{}
	for _, d := range dests {
		switch {
		case d.LogType != LogAlert && d.LogType != LogFlow && d.LogType != LogTLS:
			return nil, invalid("LogType %q must be ALERT, FLOW or TLS.", d.LogType)
		case d.DestinationType != "S3":
			return nil, invalid("LogDestinationType %q is not supported by seclake: Network Firewall logs are delivered to S3.", d.DestinationType)
		case seen[d.LogType]:
			return nil, invalid("The logging configuration has more than one destination for LogType %s.", d.LogType)
		}
		seen[d.LogType] = true
		m := map[string]string{}
		for k, v := range d.Destination {
			if k != StatusKey && k != ErrorKey {
				m[k] = v
			}
		}
		if m["bucketName"] == "" {
			return nil, invalid("The S3 LogDestination of the %s log needs bucketName.", d.LogType)
		}
		m["prefix"] = strings.Trim(m["prefix"], "/")
		if m["prefix"] == "" {
			delete(m, "prefix")
		}
		out = append(out, LogDestination{LogType: d.LogType, DestinationType: d.DestinationType, Destination: m})
	}
	return out, nil
}

// diff counts the destinations next adds, removes and changes against cur.
func diff(cur, next []LogDestination) (added, removed, changed int) {
	for _, d := range next {
		switch prev := find(cur, d.LogType); {
		case prev == nil:
			added++
		case !maps.Equal(prev.Destination, d.Destination):
			changed++
		}
	}
	for _, d := range cur {
		if find(next, d.LogType) == nil {
			removed++
		}
	}
	return added, removed, changed
}

func find(ds []LogDestination, logType string) *LogDestination {
	for i := range ds {
		if ds[i].LogType == logType {
			return &ds[i]
		}
	}
	return nil
}

// prepare readies an S3 destination: the bucket policy lets the log-delivery service write (AWS's statements
// added as the caller where needed) and the bucket's default encryption is not an AWS managed key.
func (s *Service) prepare(ctx context.Context, c *actor.Caller, fw *Firewall, d LogDestination) error {
	bucket := d.Destination["bucketName"]
	dest := logdelivery.Destination{Account: fw.Account, Region: fw.Region, SourceARN: fw.sourceARN(), Bucket: bucket,
		Folder: folder(fw.Account, d.Destination["prefix"])}
	if err := logdelivery.PrepareBucket(ctx, s.cfg.Objects, c, dest, s.cfg.Clock.Now()); err != nil {
		return awserr.New("LogDestinationPermissionException", awserr.StatusBadRequest,
			"Unable to deliver the %s log of firewall %s to bucket %s: %v", d.LogType, fw.Name, bucket, err)
	}
	if key, managed := s.awsManagedKey(ctx, c, bucket); managed {
		return invalid("Bucket %s encrypts with the AWS managed key %s, which Network Firewall cannot use: set the bucket's default encryption to SSE-S3 or to a customer managed key whose policy lets delivery.logs.amazonaws.com use it (kms:GenerateDataKey*).", bucket, key)
	}
	return nil
}

// awsManagedKey reports whether the bucket's default encryption is SSE-KMS with an AWS managed key, as far as the
// caller may see (a caller who may not read the encryption or describe the key learns it at delivery).
func (s *Service) awsManagedKey(ctx context.Context, c *actor.Caller, bucket string) (string, bool) {
	enc, err := s.cfg.Objects.GetBucketEncryption(ctx, c, bucket)
	if err != nil || enc == nil {
		return "", false
	}
	for _, r := range enc.Rules {
		if r.Default == nil || r.Default.SSEAlgorithm == objstore.SSEAES256 {
			continue
		}
		key := r.Default.KMSMasterKeyID
		if key == "" || key == "alias/aws/s3" {
			return "aws/s3", true
		}
		if md, err := s.cfg.Keys.DescribeKey(ctx, c, key); err == nil && md.KeyManager == "AWS" {
			return key, true
		}
	}
	return "", false
}

// DescribeLoggingConfiguration returns a firewall's log destinations. To each S3 destination whose last delivery
// was refused it adds seclakeDeliveryStatus FAILED and seclakeDeliveryError: who lacks what, and how many files
// wait; SUCCESS otherwise.
func (s *Service) DescribeLoggingConfiguration(ctx context.Context, c *actor.Caller, name, arn string) (*Firewall, error) {
	fw, err := s.authorized(ctx, c, name, arn, "network-firewall:DescribeLoggingConfiguration")
	if err != nil {
		return nil, err
	}
	for i, d := range fw.Logging {
		st, err := s.cfg.Delivery.StreamStatus(ctx, fw.stream(d.LogType))
		if err != nil {
			return nil, err
		}
		m := maps.Clone(d.Destination)
		m[StatusKey] = "SUCCESS"
		if st.LastError != "" {
			msg := st.LastError
			if st.Held > 0 {
				msg += fmt.Sprintf(" [%d file(s) held, delivered once the policy allows it", st.Held)
				if st.Dropped > 0 {
					msg += fmt.Sprintf("; %d dropped when the hold was full", st.Dropped)
				}
				msg += "]"
			}
			if len(msg) > 1024 {
				msg = msg[:1021] + "..."
			}
			m[StatusKey], m[ErrorKey] = "FAILED", msg
		}
		fw.Logging[i].Destination = m
	}
	return fw, nil
}
