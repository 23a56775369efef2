package location

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/table"
)

// AddInput is a request to register a location.
type AddInput struct {
	Bucket, Prefix string
	// Source is a source name ("cloudtrail", "vpcflow", …) or SourceAuto ("" means SourceAuto).
	Source string
	// Region is the lake's region; "" means the bucket's.
	Region string
	// Remote names a remote S3 endpoint of the configuration (ingest.remotes) the bucket is on: the location
	// is then polled with the remote's credentials ("" for seclake's own S3).
	Remote string
	// GrantAccess adds the statement that lets the Security Lake service principal read the location to the
	// bucket policy (as the caller) when the policy does not allow it yet.
	GrantAccess bool
}

// AddOutput is a registered location and what registering it did.
type AddOutput struct {
	Location Location
	// LakeCreated is set when the owner had no lake in the region and one was created (SSE-S3); LakeBucket
	// is the lake's bucket.
	LakeCreated bool
	LakeBucket  string
	// PolicyStatement is the statement added to the bucket policy when GrantAccess was needed, else "".
	PolicyStatement string
}

var sourceName = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// Add registers a location for the caller's account: the caller must be allowed s3:ListBucket and
// s3:GetObject on it, and the Security Lake service principal (for the caller's account) too, through the
// bucket policy; Add refuses, printing the statement to add, unless in.GrantAccess adds it. The account's lake
// in the region is created if there is none. The objects created from then on are ingested as they are
// written, and those already there are backfilled (see RunBackfill).
func (s *Service) Add(ctx context.Context, c *actor.Caller, in AddInput) (*AddOutput, error) {
	if err := s.Authorize(ctx, c, "seclake:AddIngestLocation", LocationARN(c.Region, c.Account, "*")); err != nil {
		return nil, err
	}
	if in.Source == "" {
		in.Source = SourceAuto
	}
	if in.Bucket == "" || !sourceName.MatchString(in.Source) {
		return nil, badRequest("A location needs a bucket, and a source that is a source's name (cloudtrail, vpcflow, …) or %q.", SourceAuto)
	}
	if in.Remote != "" {
		return s.addRemote(ctx, c, in)
	}
	b, err := s.cfg.Objects.AuthorizeRead(ctx, c, in.Bucket, in.Prefix)
	if err != nil {
		return nil, apiError(err, in.Bucket)
	}
	region := in.Region
	if region == "" {
		region = b.Region
	}
	out := &AddOutput{}
	if out.PolicyStatement, err = s.serviceAccess(ctx, c, in, region); err != nil {
		return nil, err
	}
	if err := s.ensureLake(ctx, c, region, in.Bucket, out); err != nil {
		return nil, err
	}
	r := &record{Location: Location{ID: newID(), Owner: c.Account, Bucket: in.Bucket, Prefix: in.Prefix, Source: in.Source,
		Region: region, Created: s.cfg.Clock.Now().UTC()}}
	// Subscribe first: an object written between the two steps is then both notified and listed, never neither.
	if err := s.cfg.Objects.Subscribe(ctx, in.Bucket, in.Prefix, r.ID); err != nil {
		return nil, err
	}
	if err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error { return putRecord(tx, r, true) }); err != nil {
		return nil, err
	}
	out.Location = r.Location
	return out, nil
}

// ensureLake creates the caller's lake in region (SSE-S3) if there is none, noting it and its bucket in out.
func (s *Service) ensureLake(ctx context.Context, c *actor.Caller, region, bucket string, out *AddOutput) error {
	lake, ok, err := s.cfg.Lakes.Get(ctx, c.Account, region)
	if err != nil {
		return err
	}
	if !ok {
		if lake, err = s.cfg.Lakes.Create(ctx, c, region, ""); err != nil {
			return apiError(err, bucket)
		}
		out.LakeCreated = true
	}
	out.LakeBucket = lake.Bucket
	return nil
}

// serviceAccess checks that the Security Lake service principal, for the caller's account, may list and read
// the location, granting it through the bucket policy when asked. It returns the statement it added.
func (s *Service) serviceAccess(ctx context.Context, c *actor.Caller, in AddInput, region string) (string, error) {
	sp := actor.ServicePrincipal(table.Principal, region, s.cfg.Clock.Now(), actor.Source{Account: c.Account})
	if _, err := s.cfg.Objects.AuthorizeRead(ctx, sp, in.Bucket, in.Prefix); err == nil {
		return "", nil
	} else if e, ok := awserr.As(err); !ok || e.Code != "AccessDenied" {
		return "", err
	}
	stmt := ReadStatement(in.Bucket, in.Prefix, c.Account)
	if !in.GrantAccess {
		return "", badRequest("The bucket policy of %s does not allow the Security Lake service principal %s to list and read %s: "+
			"add this statement to the bucket policy (or register with grantAccess, which adds it for you): %s",
			in.Bucket, table.Principal, objstore.ObjectARN(in.Bucket, in.Prefix+"*"), stmt)
	}
	if err := s.grant(ctx, c, in.Bucket, stmt); err != nil {
		return "", apiError(err, in.Bucket)
	}
	if _, err := s.cfg.Objects.AuthorizeRead(ctx, sp, in.Bucket, in.Prefix); err != nil {
		return "", badRequest("The statement added to the bucket policy of %s does not let %s read the location (another statement denies it?): %v",
			in.Bucket, table.Principal, err)
	}
	return stmt, nil
}

// ReadStatement is the bucket policy statement that lets the Security Lake service principal list bucket and
// read the objects under prefix for account.
func ReadStatement(bucket, prefix, account string) string {
	v, _ := json.Marshal(map[string]any{
		"Sid": "SecLakeIngestRead", "Effect": "Allow",
		"Principal": map[string]string{"Service": table.Principal},
		"Action":    []string{"s3:GetObject", "s3:ListBucket"},
		"Resource":  []string{objstore.BucketARN(bucket), objstore.ObjectARN(bucket, prefix+"*")},
		"Condition": map[string]any{"StringEquals": map[string]string{"aws:SourceAccount": account}},
	})
	return string(v)
}

// grant adds stmt to bucket's policy as c (replacing a statement with its Sid), creating the policy if needed.
func (s *Service) grant(ctx context.Context, c *actor.Caller, bucket, stmt string) error {
	doc := map[string]any{"Version": "2012-10-17"}
	cur, err := s.cfg.Objects.GetBucketPolicy(ctx, c, bucket)
	if e, ok := awserr.As(err); ok && e.Code == "NoSuchBucketPolicy" {
		err, cur = nil, ""
	}
	if err != nil {
		return err
	}
	if cur != "" {
		if err := json.Unmarshal([]byte(cur), &doc); err != nil {
			return err
		}
	}
	var add map[string]any
	if err := json.Unmarshal([]byte(stmt), &add); err != nil {
		return err
	}
	var stmts []any
	switch v := doc["Statement"].(type) {
	case []any:
		stmts = v
	case map[string]any:
		stmts = []any{v}
	}
	kept := stmts[:0]
	for _, st := range stmts {
		if m, ok := st.(map[string]any); !ok || m["Sid"] != add["Sid"] {
			kept = append(kept, st)
		}
	}
	doc["Statement"] = append(kept, add)
	v, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return s.cfg.Objects.PutBucketPolicy(ctx, c, bucket, string(v))
}

func badRequest(format string, args ...any) error {
	return awserr.New("BadRequestException", awserr.StatusBadRequest, format, args...)
}

// apiError turns the object store's errors into this API's: S3's AccessDenied into AccessDeniedException
// (with S3's message, which names the action), NoSuchBucket into ResourceNotFoundException.
func apiError(err error, bucket string) error {
	var e *awserr.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case "AccessDenied":
		return awserr.New("AccessDeniedException", awserr.StatusForbidden, "%s", e.Message)
	case "NoSuchBucket":
		return awserr.New("ResourceNotFoundException", awserr.StatusNotFound, "The bucket %s does not exist.", bucket)
	}
	return err
}
