package objstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/envelope"

	"github.com/seclake/seclake/internal/segment"
)

// DeliveryInput is a write by a service: the object, and the resource the service writes for.
type DeliveryInput struct {
	// Caller is the writer: a service principal (actor.ServicePrincipal) or a service role's session, with
	// the resource it acts for as its Source (aws:SourceArn and aws:SourceAccount in the bucket policy and
	// the key policy).
	Caller *actor.Caller
	Object PutInput
}

// DeliveryError explains a refused delivery: which principal lacked which permission on which resource
// (the bucket, or the bucket's KMS key), and what would allow it. AWS drops such deliveries silently.
type DeliveryError struct {
	Principal, Action, Resource string
	Bucket, Key                 string
	Cause                       error
}

// Error names the principal, the permission, the resource and the fix.
func (e *DeliveryError) Error() string {
	where := "the bucket policy of " + e.Bucket
	if len(e.Action) > 4 && e.Action[:4] == "kms:" {
		where = "the key policy of " + e.Resource
	}
	return fmt.Sprintf("%s may not write s3://%s/%s: it lacks %s on %s; add a statement to %s that allows %s %s (%v)",
		e.Principal, e.Bucket, e.Key, e.Action, e.Resource, where, e.Principal, e.Action, e.Cause)
}

// Unwrap returns the underlying S3 error.
func (e *DeliveryError) Unwrap() error { return e.Cause }

// Deliver writes an object as a service, decided by the bucket policy and the key policy exactly as for
// any caller; a denial comes back as a *DeliveryError that says what is missing. The write is recorded on the
// audit trail as the service's PutObject (a data event), for the bucket owner's account.
func (s *Service) Deliver(ctx context.Context, in DeliveryInput) (*Object, error) {
	put := in.Object
	call := &actor.Call{Caller: in.Caller, EventSource: EventSource, Operation: "PutObject", Data: true,
		RequestParameters: map[string]any{"bucketName": put.Bucket, "key": put.Key, "x-amz-acl": put.ACL},
		RecipientAccount:  in.Caller.Source.Account}
	call.AddResource(BucketARN(put.Bucket), "", "AWS::S3::Bucket")
	call.AddResource(ObjectARN(put.Bucket, put.Key), "", "AWS::S3::Object")
	var obj *Object
	err := actor.Do(ctx, s.recorder, call, func(ctx context.Context) error {
		var err error
		if obj, err = s.PutObject(ctx, in.Caller, put); err == nil {
			call.RecipientAccount = obj.Owner
		}
		return err
	})
	if err != nil {
		return nil, asDeliveryError(err, put.Bucket, put.Key)
	}
	return obj, nil
}

// asDeliveryError turns a denial into a *DeliveryError; other errors pass unchanged.
func asDeliveryError(err error, bucket, key string) error {
	var ae *actor.Denial
	if errors.As(err, &ae) {
		return &DeliveryError{Principal: ae.Principal, Action: ae.Action, Resource: ae.Resource,
			Bucket: bucket, Key: key, Cause: err}
	}
	return err
}

// DeliveryCheck asks whether a service could deliver an object, without writing it.
type DeliveryCheck struct {
	// Caller is as in DeliveryInput.
	Caller *actor.Caller
	// Bucket and Key name an object the service would write, with the canned ACL and encryption it would ask for.
	Bucket, Key string
	ACL         string
	SSE         SSERequest
	// SkipKey leaves KMS out: the bucket's side is checked, and the caller checks the key itself, with the
	// encryption context its writes will carry (a trail whose key is also the bucket's default).
	SkipKey bool
}

// CheckDelivery decides, without writing anything, what Deliver would decide for the object in.Key: that the
// bucket exists, that its policy lets in.Caller read the bucket's ACL (s3:GetBucketAcl, the check AWS's
// log-delivering services make when a delivery is configured) and put the object, and, for SSE-KMS, that KMS
// would give the caller a data key under the object's encryption context (a dry-run GenerateDataKey). It
// returns the bucket, NoSuchBucket, a *DeliveryError naming the first permission missing, or KMS's error.
func (s *Service) CheckDelivery(ctx context.Context, in DeliveryCheck) (*Bucket, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	acl := bucketAccess("s3:GetBucketAcl", in.Bucket)
	err = s.authorize(ctx, in.Caller, b, acl)
	if err == nil {
		err = s.checkPut(ctx, b, in)
	}
	if err != nil {
		return nil, asDeliveryError(err, in.Bucket, in.Key)
	}
	return b, nil
}

// checkPut authorizes the write of in and, for SSE-KMS, asks KMS for a data key in a dry run.
func (s *Service) checkPut(ctx context.Context, b *Bucket, in DeliveryCheck) error {
	a, st, err := s.writeAccess(b, writeSpec{bucket: in.Bucket, key: in.Key, sse: in.SSE, acl: in.ACL})
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, in.Caller, b, a); err != nil || st.algorithm == SSEAES256 || in.SkipKey {
		return err
	}
	ec, err := dataKeyContext(st, in.Bucket, in.Key)
	if err != nil {
		return err
	}
	_, err = s.keys.NewKey(ctx, in.Caller, envelope.KeyRequest{KeyID: st.keyID, Context: ec, Size: segment.KeySize, DryRun: true})
	return err
}
