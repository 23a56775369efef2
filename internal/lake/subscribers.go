package lake

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

const tableSubscribers = "lake.subscribers" // account/region/id → Subscriber

// Access types of a subscriber.
const (
	AccessS3            = "S3"
	AccessLakeFormation = "LAKEFORMATION"
)

// Subscriber is a SubscriberResource: who may read which sources of the lake, and how.
type Subscriber struct {
	Account     string       `json:"account"`
	Region      string       `json:"region"`
	ID          string       `json:"subscriberId"`
	ARN         string       `json:"subscriberArn"`
	Name        string       `json:"subscriberName"`
	Description string       `json:"subscriberDescription,omitempty"`
	Identity    AwsIdentity  `json:"subscriberIdentity"`
	Sources     []SourceRef  `json:"sources"`
	AccessTypes []string     `json:"accessTypes,omitempty"`
	Status      string       `json:"subscriberStatus,omitempty"`
	RoleARN     string       `json:"roleArn,omitempty"`
	BucketARN   string       `json:"s3BucketArn,omitempty"`
	Endpoint    string       `json:"subscriberEndpoint,omitempty"`
	Created     time.Time    `json:"createdAt"`
	Updated     time.Time    `json:"updatedAt"`
	Notify      *HTTPSNotify `json:"notify,omitempty"`
	// Queue is the name of the subscriber's SQS queue, when it is notified through one.
	Queue string `json:"queue,omitempty"`
	// ResourceShareARN and ResourceShareName are the AWS RAM share of a LAKEFORMATION subscriber's tables.
	ResourceShareARN  string `json:"resourceShareArn,omitempty"`
	ResourceShareName string `json:"resourceShareName,omitempty"`
}

// SubscriberInput is CreateSubscriber's and UpdateSubscriber's request.
type SubscriberInput struct {
	Name        *string
	Description string
	Identity    *AwsIdentity
	Sources     []SourceRef
	AccessTypes []string
	Tags        []Tag
}

func (s *Service) newID() (string, error) {
	r := s.cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

func validSubscriber(f *fields, in SubscriberInput, create bool) {
	if create || in.Name != nil {
		name := ""
		if in.Name != nil {
			name = *in.Name
		}
		if create && in.Name == nil {
			f.fail("The request is missing the required member subscriberName.")
		}
		f.length("subscriberName", name, 0, 64)
		f.match("subscriberName", name, reSafe)
	}
	f.match("subscriberDescription", in.Description, reDescription)
	if in.Identity != nil {
		f.identity("subscriberIdentity", *in.Identity)
	} else if create {
		f.fail("The request is missing the required member subscriberIdentity.")
	}
	if create && len(in.Sources) == 0 {
		f.fail("The request is missing the required member sources.")
	}
	for _, src := range in.Sources {
		switch {
		case src.Aws != nil && src.Custom == nil:
			f.oneOf("sources.member.awsLogSource.sourceName", src.Aws.SourceName, AwsLogSourceNames)
			f.match("sources.member.awsLogSource.sourceVersion", src.Aws.SourceVersion, reSourceVersion)
		case src.Custom != nil && src.Aws == nil:
			f.match("sources.member.customLogSource.sourceName", src.Custom.SourceName, reCustomName)
		default:
			f.fail("Each member of sources must set exactly one of awsLogSource and customLogSource.")
		}
	}
	for _, a := range in.AccessTypes {
		f.oneOf("accessTypes", a, []string{AccessLakeFormation, AccessS3})
	}
	f.tags(in.Tags)
}

// prefixes are the lake locations of a subscriber's sources.
func prefixes(srcs []SourceRef) []string {
	var out []string
	for _, src := range srcs {
		switch {
		case src.Aws != nil:
			v, err := sourceVersion(src.Aws.SourceName, src.Aws.SourceVersion)
			if err != nil {
				v = src.Aws.SourceVersion
			}
			out = append(out, "aws/"+src.Aws.SourceName+"/"+v+"/")
		case src.Custom != nil:
			p := "ext/" + src.Custom.SourceName + "/"
			if src.Custom.SourceVersion != "" {
				p += src.Custom.SourceVersion + "/"
			}
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// readPolicy lets a subscriber role read only its sources' prefixes of the lake bucket. It may list them, and
// list the bucket without a prefix, as the second guide's subscriber does (list_objects_v2(Bucket=…)): key names
// only; reading stays limited to its sources.
func readPolicy(bucket string, srcs []SourceRef) string {
	objs, lists := []string{}, []string{`""`}
	for _, p := range prefixes(srcs) {
		objs = append(objs, `"arn:aws:s3:::`+bucket+`/`+p+`*"`)
		lists = append(lists, `"`+p+`*"`)
	}
	return `{"Version":"2012-10-17","Statement":[{"Sid":"ReadTheSubscribedSources","Effect":"Allow","Action":"s3:GetObject",` +
		`"Resource":[` + strings.Join(objs, ",") + `]},{"Sid":"ListTheSubscribedSources","Effect":"Allow","Action":"s3:ListBucket",` +
		`"Resource":"arn:aws:s3:::` + bucket + `","Condition":{"StringLike":{"s3:prefix":[` + strings.Join(lists, ",") + `]}}}]}`
}

const subscriberPolicyName = "AmazonSecurityLakeSubscriberRead"

// subscriberRole is the name of a subscriber's role.
func subscriberRole(id string) string { return "AmazonSecurityLake-" + id }

// CreateSubscriber adds a subscriber to the caller's lake in its region. With S3 access (the default) it creates
// the role AmazonSecurityLake-<id>, which the subscriber's principal assumes with its external ID and which may
// read only the subscribed sources' prefixes.
func (s *Service) CreateSubscriber(ctx context.Context, c *actor.Caller, in SubscriberInput) (*Subscriber, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:CreateSubscriber", LakeARN(region, c.Account)); err != nil {
		return nil, err
	}
	var f fields
	validSubscriber(&f, in, true)
	if f.err != nil {
		return nil, f.err
	}
	if len(in.AccessTypes) == 0 {
		in.AccessTypes = []string{AccessS3}
	}
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error { _, err := lakeIn(tx, c.Account, region); return err })
	if err != nil {
		return nil, err
	}
	info, ok, err := s.cfg.Lakes.Get(ctx, c.Account, region)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, conflict("DataLake", LakeARN(region, c.Account), "The data lake in %s is still being created: try again once list-data-lakes shows it COMPLETED.", region)
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now().UTC()
	sub := &Subscriber{Account: c.Account, Region: region, ID: id, ARN: SubscriberARN(region, c.Account, id), Name: *in.Name,
		Description: in.Description, Identity: *in.Identity, Sources: in.Sources, AccessTypes: in.AccessTypes, Status: "ACTIVE",
		BucketARN: "arn:aws:s3:::" + info.Bucket, Created: now, Updated: now}
	if slices.Contains(in.AccessTypes, AccessS3) && s.cfg.Roles != nil {
		arn, err := s.cfg.Roles.EnsureRole(ctx, s.forCaller(c, region), subscriberRole(id), "/",
			trustFor(in.Identity.Principal, in.Identity.ExternalID), subscriberPolicyName, readPolicy(info.Bucket, in.Sources))
		if err != nil {
			return nil, asLake(err, "create the subscriber role")
		}
		sub.RoleARN = arn
	}
	if err := s.shareTables(ctx, sub); err != nil {
		return nil, err
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := putJSON(tx, tableSubscribers, key(c.Account, region, id), sub); err != nil {
			return err
		}
		return putTags(tx, sub.ARN, in.Tags)
	})
	return sub, err
}

func subscriberIn(tx meta.Tx, account, region, id string) (*Subscriber, error) {
	var sub Subscriber
	found, err := getJSON(tx, tableSubscribers, key(account, region, id), &sub)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFound("Subscriber", id, "The subscriber %s does not exist.", id)
	}
	return &sub, nil
}

// subscriberCall authorizes action on the subscriber id and checks the ID.
func (s *Service) subscriberCall(ctx context.Context, c *actor.Caller, action, id string) (string, error) {
	region := s.region(c)
	if err := s.check(ctx, c, action, SubscriberARN(region, c.Account, id)); err != nil {
		return "", err
	}
	var f fields
	f.required("subscriberId", id, reUUID)
	return region, f.err
}

// GetSubscriber returns a subscriber.
func (s *Service) GetSubscriber(ctx context.Context, c *actor.Caller, id string) (*Subscriber, error) {
	region, err := s.subscriberCall(ctx, c, "securitylake:GetSubscriber", id)
	if err != nil {
		return nil, err
	}
	var sub *Subscriber
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		sub, err = subscriberIn(tx, c.Account, region, id)
		return err
	})
	return sub, err
}

// ListSubscribers returns the subscribers of the caller's lake in its region, a page at a time.
func (s *Service) ListSubscribers(ctx context.Context, c *actor.Caller, token string, max *int) ([]Subscriber, string, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:ListSubscribers", LakeARN(region, c.Account)); err != nil {
		return nil, "", err
	}
	var items []keyed[Subscriber]
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		all, err := scanJSON[Subscriber](tx, tableSubscribers, key(c.Account, region)+"/")
		for _, sub := range all {
			items = append(items, keyed[Subscriber]{key: sub.ID, item: sub})
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return page(items, token, max)
}

// UpdateSubscriber changes a subscriber's name, description, identity or sources; its role follows a new identity
// (trust) or new sources (readable prefixes).
func (s *Service) UpdateSubscriber(ctx context.Context, c *actor.Caller, id string, in SubscriberInput) (*Subscriber, error) {
	region, err := s.subscriberCall(ctx, c, "securitylake:UpdateSubscriber", id)
	if err != nil {
		return nil, err
	}
	var f fields
	validSubscriber(&f, in, false)
	if f.err != nil {
		return nil, f.err
	}
	// The role first, as the caller: a refusal leaves the subscriber as it was.
	var sub *Subscriber
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		sub, err = subscriberIn(tx, c.Account, region, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	before := *sub
	mergeSubscriber(sub, in)
	if err := s.regrant(ctx, &before, sub); err != nil {
		return nil, err
	}
	shareARN, shareName := sub.ResourceShareARN, sub.ResourceShareName
	if sub.RoleARN != "" && s.cfg.Roles != nil && (in.Identity != nil || len(in.Sources) > 0) { // what the role depends on
		bucket := strings.TrimPrefix(sub.BucketARN, "arn:aws:s3:::")
		if _, err := s.cfg.Roles.EnsureRole(ctx, s.forCaller(c, region), subscriberRole(id), "/",
			trustFor(sub.Identity.Principal, sub.Identity.ExternalID), subscriberPolicyName, readPolicy(bucket, sub.Sources)); err != nil {
			return nil, asLake(err, "update the subscriber role")
		}
	}
	if err := s.subscribeData(ctx, sub); err != nil {
		return nil, err
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if sub, err = subscriberIn(tx, c.Account, region, id); err != nil {
			return err
		}
		mergeSubscriber(sub, in)
		if shareARN != "" {
			sub.ResourceShareARN, sub.ResourceShareName = shareARN, shareName
		}
		sub.Updated = s.cfg.Clock.Now().UTC()
		return putJSON(tx, tableSubscribers, key(c.Account, region, id), sub)
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// mergeSubscriber applies what an update gives.
func mergeSubscriber(sub *Subscriber, in SubscriberInput) {
	if in.Name != nil {
		sub.Name = *in.Name
	}
	if in.Description != "" {
		sub.Description = in.Description
	}
	if in.Identity != nil {
		sub.Identity = *in.Identity
	}
	if len(in.Sources) > 0 {
		sub.Sources = in.Sources
	}
}

// DeleteSubscriber removes a subscriber, its role and its notification queue (those first, as the caller: a
// refusal leaves the subscriber in place).
func (s *Service) DeleteSubscriber(ctx context.Context, c *actor.Caller, id string) error {
	region, err := s.subscriberCall(ctx, c, "securitylake:DeleteSubscriber", id)
	if err != nil {
		return err
	}
	var sub *Subscriber
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		sub, err = subscriberIn(tx, c.Account, region, id)
		return err
	})
	if err != nil {
		return err
	}
	owner := s.forCaller(c, region)
	if err := s.unshareTables(ctx, sub, sub.Sources, true); err != nil {
		return err
	}
	if sub.RoleARN != "" && s.cfg.Roles != nil {
		if err := s.cfg.Roles.DeleteRole(ctx, owner, subscriberRole(id), subscriberPolicyName); err != nil {
			return asLake(err, "delete the subscriber role")
		}
	}
	if sub.Queue != "" && s.cfg.Queues != nil {
		if err := s.cfg.Queues.DeleteSubscriberQueue(ctx, owner, sub.Queue); err != nil {
			return asLake(err, "delete the subscriber queue")
		}
	}
	if err := s.deleteSubscriberEndpoint(ctx, owner, sub); err != nil {
		return err
	}
	_ = s.clearCause(ctx, c.Account, region, "subscriber/"+id)
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := tx.Delete(tableSubscribers, key(c.Account, region, id)); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return dropTags(tx, sub.ARN)
	})
}
