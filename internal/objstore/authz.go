package objstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
)

// access is one authorization question about a bucket or an object in it.
type access struct {
	action   string // "s3:GetObject"
	resource string // bucket or object ARN
	ctx      policy.Context
}

func bucketAccess(action, bucket string) access {
	return access{action: action, resource: BucketARN(bucket)}
}

func objectAccess(action, bucket, key string) access {
	return access{action: action, resource: ObjectARN(bucket, key)}
}

// authorize decides a request on bucket b (nil for requests without a bucket, such as CreateBucket) with the
// caller's policies and the bucket policy, and returns S3's AccessDenied when the answer is no.
func (s *Service) authorize(ctx context.Context, c *actor.Caller, b *Bucket, a access) error {
	req := actor.Request{Action: a.action, Resource: a.resource, Context: a.ctx}
	req.Context = req.Context.Clone()
	if b != nil {
		req.ResourceAccount = b.Owner
		req.Context.Set("s3:ResourceAccount", b.Owner)
		pol, err := s.bucketPolicy(b)
		if err != nil {
			return err
		}
		if pol != nil && b.restrictsPublic() && isPublicPolicy(pol) && !sameAccountOrService(c, b) {
			pol = nil // RestrictPublicBuckets: a public policy grants nothing outside the bucket's account
		}
		req.ResourcePolicy = pol
	}
	addSigningKeys(&req.Context, c)
	return actor.Check(ctx, s.authz, c, req, actor.AccessDenied)
}

// addSigningKeys adds the S3 keys that describe how the request was made.
func addSigningKeys(pc *policy.Context, c *actor.Caller) {
	switch c.Type {
	case actor.TypeAnonymous, actor.TypeService:
	default:
		pc.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
		pc.Set("s3:authType", "REST-HEADER")
	}
}

// bucketPolicy returns b's parsed policy, or nil.
func (s *Service) bucketPolicy(b *Bucket) (*policy.Policy, error) {
	if b.Policy == "" {
		return nil, nil
	}
	if p, ok := s.policies.Load(b.Policy); ok {
		return p.(*policy.Policy), nil
	}
	p, err := policy.Parse([]byte(b.Policy), policy.Resource)
	if err != nil {
		return nil, fmt.Errorf("stored policy of bucket %s: %w", b.Name, err)
	}
	p.Name = "bucket policy of " + b.Name
	s.policies.Store(b.Policy, p)
	return p, nil
}

func sameAccountOrService(c *actor.Caller, b *Bucket) bool {
	return c.Type == actor.TypeService || (c.Account != "" && c.Account == b.Owner)
}

// restrictingKeys are the condition keys that make a statement non-public (S3 UG access-control-block-public-
// access, "The meaning of public").
var restrictingKeys = []string{"aws:sourcearn", "aws:sourceaccount", "aws:sourceip", "aws:sourcevpc",
	"aws:sourcevpce", "aws:sourceowner", "aws:principalaccount", "aws:principalarn", "aws:principalorgid",
	"aws:userid", "aws:principalorgpaths", "aws:sourceorgid", "aws:sourceorgpaths", "s3:dataccesspointaccount"}

// isPublicPolicy reports whether a policy allows everyone without a condition that pins who may call.
func isPublicPolicy(p *policy.Policy) bool {
	for i := range p.Statements {
		st := &p.Statements[i]
		if st.Effect != policy.Allow || st.Principal == nil || !everyone(st.Principal) {
			continue
		}
		restricted := false
		for _, c := range st.Condition {
			k := strings.ToLower(c.Key)
			for _, r := range restrictingKeys {
				if k == strings.ToLower(r) && !strings.Contains(strings.Join(c.Values, ""), "*") {
					restricted = true
				}
			}
		}
		if !restricted {
			return true
		}
	}
	return false
}

func everyone(ps *policy.PrincipalSet) bool {
	if ps.Wildcard {
		return true
	}
	for _, e := range ps.Entries {
		if e.Type == "AWS" {
			for _, v := range e.Values {
				if v == "*" {
					return true
				}
			}
		}
	}
	return false
}

// blocked refuses an action that a bucket's block public access setting forbids, with S3's message, and
// notes the refusal on the call.
func blocked(ctx context.Context, c *actor.Caller, action, resource, reason, msg string) error {
	d := policy.Decision{Effect: policy.ImplicitDeny, Reason: reason}
	actor.Note(ctx, c, action, resource, d)
	return actor.AccessDenied.Refuse(c, action, resource, d, msg)
}

// versionAccess is an action on one version of an object, with the s3:versionid condition key.
func versionAccess(action, bucket, key, id string) access {
	a := objectAccess(action, bucket, key)
	a.ctx.Set("s3:versionid", id)
	return a
}
