package lake

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// Probe answers, with the policy engine on the resources' current policies, whether a principal may perform an
// action, without performing it: nil when allowed, else the refusal the service would answer (naming the
// cause). KMS grants are not consulted.
type Probe interface {
	S3(ctx context.Context, as *actor.Caller, action, bucket, key string) error
	KMS(ctx context.Context, as *actor.Caller, action, keyARN string, encCtx map[string]string) error
	SQS(ctx context.Context, as *actor.Caller, action, queueARN string) error
	// QueueKey returns the KMS key ARN of a queue's SSE-KMS ("" for none).
	QueueKey(ctx context.Context, queueARN string) (string, error)
	// RoleSession returns a session of a role of the account, as its trusted principal would get.
	RoleSession(ctx context.Context, roleARN, region string) (*actor.Caller, error)
	// Locations returns the ingest locations (bucket, prefix) of account's lake in region.
	Locations(ctx context.Context, account, region string) ([][2]string, error)
}

// Check is one path a lake depends on, as CheckDataLake reports it.
type Check struct {
	// Path names what depends on what ("Security Lake → lake bucket").
	Path      string `json:"path"`
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	OK        bool   `json:"ok"`
	// Reason is the refusal, for a failed check.
	Reason string `json:"reason,omitempty"`
	// FixPolicy names the policy the Fix statement goes into; Fix is the statement (JSON).
	FixPolicy string `json:"fixPolicy,omitempty"`
	Fix       string `json:"fix,omitempty"`
}

// CheckDataLake checks every path of the caller's lake in region with the policy engine, before anything fails:
// the Security Lake principal on the lake bucket and its key (through S3, with the bucket as encryption
// context), the replication role on the source and rollup buckets and keys, each subscriber role on its
// sources' prefixes and the key, Security Lake on each subscriber queue and the queue's key, and the Security
// Lake principal on each ingest location's bucket. Each check says OK, or why not and the statement that fixes it.
func (s *Service) CheckDataLake(ctx context.Context, c *actor.Caller, region string) ([]Check, error) {
	if region == "" {
		region = s.region(c)
	}
	arn := LakeARN(region, c.Account)
	if err := s.check(ctx, c, "seclake:CheckDataLake", arn); err != nil {
		return nil, err
	}
	if s.cfg.Probe == nil {
		return nil, errors.New("lake: no policy probe")
	}
	var dl DataLake
	var subs []Subscriber
	found := false
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		if found, err = getJSON(tx, tableLakes, key(c.Account, region), &dl); err != nil || !found {
			return err
		}
		subs, err = scanJSON[Subscriber](tx, tableSubscribers, key(c.Account, region)+"/")
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found || dl.BucketARN == "" {
		return nil, notFound("DataLake", arn, "There is no data lake in %s for account %s: create it first.", region, c.Account)
	}
	d := doctor{s: s, dl: dl, bucket: strings.TrimPrefix(dl.BucketARN, "arn:aws:s3:::")}
	d.lake(ctx)
	d.replication(ctx)
	for _, sub := range subs {
		d.subscriber(ctx, sub)
	}
	d.locations(ctx)
	return d.checks, d.err
}

// doctor runs the checks of one lake.
type doctor struct {
	s      *Service
	dl     DataLake
	bucket string
	checks []Check
	err    error
}

// add records a check of the refusal err (nil: OK); an error that is not a refusal stops the checks.
func (d *doctor) add(path string, as *actor.Caller, action, resource string, err error, fixPolicy, fix string) {
	c := Check{Path: path, Principal: as.Who(), Action: action, Resource: resource, OK: err == nil}
	if err != nil {
		var den *actor.Denial
		ae, isAWS := awserr.As(err)
		switch {
		case errors.As(err, &den), isAWS:
			c.Reason = err.Error()
			if isAWS {
				c.Reason = ae.Message
			}
			c.FixPolicy, c.Fix = fixPolicy, fix
		default:
			d.err = errors.Join(d.err, err)
			return
		}
	}
	d.checks = append(d.checks, c)
}

func (d *doctor) principal() *actor.Caller {
	return actor.ServicePrincipal(EventSource, d.dl.Region, d.s.cfg.Clock.Now(), actor.Source{ARN: d.dl.ARN, Account: d.dl.Account})
}

// lake checks who the lake writes as (its resource-management role, or the Security Lake principal) on the
// lake bucket and its key.
func (d *doctor) lake(ctx context.Context) {
	sp, slr := d.s.lakeCaller(ctx, d.dl)
	p := d.s.cfg.Probe
	bucketFix := fmt.Sprintf(`{"Sid":"SecurityLakeAccess","Effect":"Allow","Principal":{"Service":"%s"},`+
		`"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject","s3:ListBucket"],"Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"],`+
		`"Condition":{"StringEquals":{"aws:SourceAccount":"%s"}}}`, EventSource, d.bucket, d.bucket, d.dl.Account)
	where := "the bucket policy of " + d.bucket
	probeKey := "aws/VPC_FLOW/2.0/data/doctor.parquet"
	for _, a := range []string{"s3:PutObject", "s3:GetObject"} {
		d.add("Security Lake → lake bucket", sp, a, "arn:aws:s3:::"+d.bucket+"/"+probeKey, p.S3(ctx, sp, a, d.bucket, probeKey), where, bucketFix)
	}
	d.add("Security Lake → lake bucket", sp, "s3:ListBucket", "arn:aws:s3:::"+d.bucket, p.S3(ctx, sp, "s3:ListBucket", d.bucket, ""), where, bucketFix)
	if d.dl.AppliedKey == "" {
		return
	}
	via := sp.Via("s3.amazonaws.com")
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::" + d.bucket}
	_, stmt := keyStatement(d.dl, d.bucket, slr)
	for _, a := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
		d.add("Security Lake → lake key", via, a, d.dl.AppliedKey, p.KMS(ctx, via, a, d.dl.AppliedKey, ec),
			"the key policy of "+d.dl.AppliedKey, stmt)
	}
}

// replication checks the replication role on the lake bucket, the rollup buckets and their keys.
func (d *doctor) replication(ctx context.Context) {
	r := d.dl.Replication
	if r == nil || r.RoleARN == "" || len(r.Regions) == 0 {
		return
	}
	p := d.s.cfg.Probe
	role, err := p.RoleSession(ctx, r.RoleARN, d.dl.Region)
	if err != nil {
		d.add("Replication role", d.principal(), "sts:AssumeRole", r.RoleARN, err, "", "")
		return
	}
	rolePolicy := "an identity-based policy of " + r.RoleARN
	keyFix := func(actions string) string {
		return `{"Sid":"Allow SecurityLake ReplicationRole To Use The Key","Effect":"Allow","Principal":{"AWS":"` + r.RoleARN +
			`"},"Action":[` + actions + `],"Resource":"*"}`
	}
	src := "aws/VPC_FLOW/2.0/data/doctor.parquet"
	d.add("Replication role → lake bucket", role, "s3:GetObjectVersionForReplication", "arn:aws:s3:::"+d.bucket+"/"+src,
		p.S3(ctx, role, "s3:GetObjectVersionForReplication", d.bucket, src), rolePolicy,
		`{"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:GetObjectVersion","s3:ListBucket","s3:GetReplicationConfiguration"],"Resource":["arn:aws:s3:::`+d.bucket+`","arn:aws:s3:::`+d.bucket+`/*"]}`)
	if d.dl.AppliedKey != "" {
		via := role.Via("s3.amazonaws.com")
		d.add("Replication role → lake key", via, "kms:Decrypt", d.dl.AppliedKey,
			p.KMS(ctx, via, "kms:Decrypt", d.dl.AppliedKey, map[string]string{"aws:s3:arn": "arn:aws:s3:::" + d.bucket}),
			"the key policy of "+d.dl.AppliedKey, keyFix(`"kms:Decrypt"`))
	}
	for _, region := range r.Regions {
		var rollup DataLake
		found := false
		err := d.s.cfg.Store.View(ctx, func(tx meta.Tx) error {
			var err error
			found, err = getJSON(tx, tableLakes, key(d.dl.Account, region), &rollup)
			return err
		})
		if err != nil || !found || rollup.BucketARN == "" {
			d.err = errors.Join(d.err, err)
			continue
		}
		dest := strings.TrimPrefix(rollup.BucketARN, "arn:aws:s3:::")
		d.add("Replication role → rollup bucket ("+region+")", role, "s3:ReplicateObject", rollup.BucketARN+"/"+src,
			p.S3(ctx, role, "s3:ReplicateObject", dest, src), rolePolicy,
			`{"Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"`+rollup.BucketARN+`/*"}`)
		if rollup.AppliedKey == "" {
			continue
		}
		inRegion := *role // S3 calls KMS in the rollup key's region
		inRegion.Region = region
		via := inRegion.Via("s3.amazonaws.com")
		ec := map[string]string{"aws:s3:arn": rollup.BucketARN}
		for _, a := range []string{"kms:GenerateDataKey", "kms:Encrypt"} {
			d.add("Replication role → rollup key ("+region+")", via, a, rollup.AppliedKey, p.KMS(ctx, via, a, rollup.AppliedKey, ec),
				"the key policy of "+rollup.AppliedKey, keyFix(`"kms:CreateGrant","kms:Encrypt","kms:GenerateDataKey"`))
		}
	}
}

// subscriber checks a subscriber's role on its prefixes and the lake key, and Security Lake on its queue.
func (d *doctor) subscriber(ctx context.Context, sub Subscriber) {
	p := d.s.cfg.Probe
	name := "Subscriber " + sub.Name
	if sub.RoleARN != "" {
		role, err := p.RoleSession(ctx, sub.RoleARN, d.dl.Region)
		if err != nil {
			d.add(name+" role", d.principal(), "sts:AssumeRole", sub.RoleARN, err, "", "")
			return
		}
		for _, prefix := range prefixes(sub.Sources) {
			k := prefix + "data/doctor.parquet"
			d.add(name+" → "+prefix, role, "s3:GetObject", "arn:aws:s3:::"+d.bucket+"/"+k, p.S3(ctx, role, "s3:GetObject", d.bucket, k),
				"the inline policy "+subscriberPolicyName+" of "+sub.RoleARN, readPolicy(d.bucket, sub.Sources))
		}
		if d.dl.AppliedKey != "" {
			via := role.Via("s3.amazonaws.com")
			d.add(name+" → lake key", via, "kms:Decrypt", d.dl.AppliedKey,
				p.KMS(ctx, via, "kms:Decrypt", d.dl.AppliedKey, map[string]string{"aws:s3:arn": "arn:aws:s3:::" + d.bucket}),
				"the key policy of "+d.dl.AppliedKey, `{"Sid":"Allow LakeFormation And Subscriber Roles To Use The Key","Effect":"Allow",`+
					`"Principal":{"AWS":"`+sub.RoleARN+`"},"Action":["kms:CreateGrant","kms:Decrypt"],"Resource":"*"}`)
		}
	}
	if sub.Queue == "" || sub.Endpoint == "" {
		return
	}
	sp := d.principal()
	d.add(name+" queue", sp, "sqs:SendMessage", sub.Endpoint, p.SQS(ctx, sp, "sqs:SendMessage", sub.Endpoint),
		"the queue policy of "+sub.Endpoint, `{"Sid":"SecurityLakeNotifications","Effect":"Allow","Principal":{"Service":"`+EventSource+
			`"},"Action":"sqs:SendMessage","Resource":"`+sub.Endpoint+`","Condition":{"StringEquals":{"aws:SourceAccount":"`+d.dl.Account+`"}}}`)
	qk, err := p.QueueKey(ctx, sub.Endpoint)
	if err != nil {
		d.err = errors.Join(d.err, err)
		return
	}
	if qk == "" {
		return
	}
	via := sp.Via("sqs.amazonaws.com")
	ec := map[string]string{"aws:sqs:arn": sub.Endpoint}
	for _, a := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
		d.add(name+" queue key", via, a, qk, p.KMS(ctx, via, a, qk, ec), "the key policy of "+qk,
			`{"Sid":"Allow Security Lake To Use The Queue Key","Effect":"Allow","Principal":{"Service":"`+EventSource+
				`"},"Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"`+d.dl.Account+`"}}}`)
	}
}

// locations checks the Security Lake principal on each ingest location's bucket.
func (d *doctor) locations(ctx context.Context) {
	p := d.s.cfg.Probe
	locs, err := p.Locations(ctx, d.dl.Account, d.dl.Region)
	if err != nil {
		d.err = errors.Join(d.err, err)
		return
	}
	sp := d.principal()
	for _, l := range locs {
		bucket, prefix := l[0], l[1]
		fix := `{"Sid":"SecurityLakeIngest","Effect":"Allow","Principal":{"Service":"` + EventSource + `"},"Action":["s3:GetObject","s3:ListBucket"],` +
			`"Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/` + prefix + `*"],"Condition":{"StringEquals":{"aws:SourceAccount":"` + d.dl.Account + `"}}}`
		k := prefix + "doctor.log"
		d.add("Security Lake → ingest location s3://"+bucket+"/"+prefix, sp, "s3:GetObject", "arn:aws:s3:::"+bucket+"/"+k,
			p.S3(ctx, sp, "s3:GetObject", bucket, k), "the bucket policy of "+bucket, fix)
	}
}
