package trail

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
)

// aclOwnerFull is the canned ACL CloudTrail writes with, which its bucket policy requires.
const aclOwnerFull = "bucket-owner-full-control"

// writer is CloudTrail's service principal writing t's files in region, for t (aws:SourceArn, aws:SourceAccount).
func (s *Service) writer(t *Trail, region string) *actor.Caller {
	return actor.ServicePrincipal(EventSource, region, s.cfg.Clock.Now(), actor.Source{ARN: t.ARN(), Account: t.Account})
}

// logSSE is the encryption of t's log files: SSE-KMS under CloudTrail's encryption context when t has a key
// (S3 adds aws:s3:arn), else the bucket's default.
func logSSE(t *Trail, keyARN string) objstore.SSERequest {
	if keyARN == "" {
		return objstore.SSERequest{}
	}
	ec, _ := json.Marshal(map[string]string{"aws:cloudtrail:arn": t.ARN()})
	return objstore.SSERequest{Algorithm: objstore.SSEKMS, KMSKeyID: keyARN, Context: base64.StdEncoding.EncodeToString(ec)}
}

// keyRegion returns the region of a KMS key ARN ("" if it is not one).
func keyRegion(keyARN string) string {
	parts := strings.SplitN(keyARN, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// checkDestination checks, as AWS does when a trail is created or its destination changes, that CloudTrail
// could deliver t's files: the bucket exists; its policy lets cloudtrail.amazonaws.com, for t, read its ACL
// and put a log file; and, with keyID (a key ID, key ARN or alias; "" for none), that the key exists in the
// bucket's region and its policy lets CloudTrail describe it and generate data keys under t's encryption
// context. It returns the key's ARN.
func (s *Service) checkDestination(ctx context.Context, t *Trail, keyID string) (string, error) {
	now := s.cfg.Clock.Now()
	probe := logKey(t, t.HomeRegion, now, "0000000000000000")
	// With a key of the trail's own, the bucket's default encryption is not what the files get: the key is
	// checked below, under CloudTrail's encryption context.
	check := objstore.DeliveryCheck{Caller: s.writer(t, t.HomeRegion),
		Bucket: t.S3BucketName, Key: probe, ACL: aclOwnerFull, SkipKey: keyID != ""}
	b, err := s.cfg.Objects.CheckDelivery(ctx, check)
	if err != nil {
		return "", destinationError(t, keyID, err)
	}
	if keyID == "" {
		return "", nil
	}
	check.Caller = s.writer(t, b.Region)
	md, err := s.cfg.Keys.DescribeKey(ctx, check.Caller, keyID)
	if err != nil {
		return "", keyError(t, keyID, b.Region, "kms:DescribeKey", err)
	}
	check.SSE, check.SkipKey = logSSE(t, md.ARN), false
	if _, err := s.cfg.Objects.CheckDelivery(ctx, check); err != nil {
		return "", destinationError(t, md.ARN, err)
	}
	return md.ARN, nil
}

// destinationError words a refused check of t's destination as CloudTrail does, with what is missing.
func destinationError(t *Trail, keyID string, err error) error {
	var de *objstore.DeliveryError
	if errors.As(err, &de) {
		hint := fixHint(t, de.Action, de.Resource)
		if strings.HasPrefix(de.Action, "kms:") {
			return ctError("InsufficientEncryptionPolicyException", "Insufficient permissions to access S3 bucket %s or KMS key %s. %s Refused: %s",
				t.S3BucketName, de.Resource, hint, causeMessage(de.Cause))
		}
		return ctError("InsufficientS3BucketPolicyException", "Incorrect S3 bucket policy is detected for bucket: %s. %s Refused: %s",
			t.S3BucketName, hint, causeMessage(de.Cause))
	}
	e, ok := awserr.As(err)
	switch {
	case !ok:
		return fmt.Errorf("check the destination of trail %s: %w", t.ARN(), err)
	case e.Code == "NoSuchBucket":
		return errBucketMissing(t.S3BucketName)
	case strings.HasPrefix(e.Code, "KMS."):
		return keyError(t, keyID, "", "kms:GenerateDataKey", ctError(strings.TrimPrefix(e.Code, "KMS."), "%s", e.Message))
	}
	return err
}

// keyError words a KMS refusal of t's key (keyID as given) as CloudTrail does.
func keyError(t *Trail, keyID, bucketRegion, action string, err error) error {
	e, ok := awserr.As(err)
	if !ok {
		return fmt.Errorf("check the KMS key of trail %s: %w", t.ARN(), err)
	}
	switch e.Code {
	case "AccessDeniedException":
		return ctError("InsufficientEncryptionPolicyException", "Insufficient permissions to access S3 bucket %s or KMS key %s. %s Refused: %s",
			t.S3BucketName, keyID, fixHint(t, action, keyID), e.Message)
	case "NotFoundException":
		if strings.HasPrefix(e.Message, "Invalid keyId") {
			return errInvalidKeyID(keyID)
		}
		where := "its bucket's region"
		if bucketRegion != "" {
			where = fmt.Sprintf("%s, the region of bucket %s", bucketRegion, t.S3BucketName)
		}
		return ctError("KmsKeyNotFoundException", "KMS key %s was not found in %s: a trail's key must exist in the same region as its bucket (%s).",
			keyID, where, e.Message)
	case "DisabledException", "KMSInvalidStateException":
		return ctError("KmsException", "KMS key %s cannot encrypt log files: %s Enable the key, or choose another one.", keyID, e.Message)
	}
	return ctError("KmsException", "KMS key %s: %s", keyID, e.Message)
}

// causeMessage returns the message of an AWS error, or the error's text.
func causeMessage(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// fixHint says which policy statement would allow CloudTrail an action for trail t: the statements of the
// CloudTrail User Guide, by their Sid.
func fixHint(t *Trail, action, resource string) string {
	arn := t.ARN()
	switch action {
	case "s3:GetBucketAcl":
		return fmt.Sprintf("The bucket policy of %s needs a statement that allows the service principal %s s3:GetBucketAcl on %s "+
			"with the condition StringEquals aws:SourceArn %s (statement \"AWSCloudTrailAclCheck20150319\" of the CloudTrail User Guide).",
			t.S3BucketName, EventSource, objstore.BucketARN(t.S3BucketName), arn)
	case "s3:PutObject":
		return fmt.Sprintf("The bucket policy of %s needs a statement that allows the service principal %s s3:PutObject on %s* "+
			"with the conditions StringEquals s3:x-amz-acl %s and aws:SourceArn %s (statement \"AWSCloudTrailWrite20150319\" of the CloudTrail User Guide).",
			t.S3BucketName, EventSource, objstore.ObjectARN(t.S3BucketName, accountPrefix(t.S3KeyPrefix, t.Account)), aclOwnerFull, arn)
	case "kms:GenerateDataKey":
		return fmt.Sprintf("The key policy of %s needs a statement that allows the service principal %s kms:GenerateDataKey* "+
			"with the conditions StringLike kms:EncryptionContext:aws:cloudtrail:arn arn:aws:cloudtrail:*:%s:trail/* and StringEquals aws:SourceArn %s "+
			"(statement \"Allow CloudTrail to encrypt logs\" of the CloudTrail User Guide).", resource, EventSource, t.Account, arn)
	case "kms:DescribeKey":
		return fmt.Sprintf("The key policy of %s needs a statement that allows the service principal %s kms:DescribeKey "+
			"with the condition StringEquals aws:SourceArn %s (statement \"Allow CloudTrail access\" of the CloudTrail User Guide).", resource, EventSource, arn)
	}
	return fmt.Sprintf("A policy must allow the service principal %s %s on %s.", EventSource, action, resource)
}

// deliveryError words a failed delivery for GetTrailStatus: AWS's error code and message, then what to fix.
func deliveryError(t *Trail, err error) string {
	var de *objstore.DeliveryError
	if errors.As(err, &de) {
		code := "AccessDenied"
		if e, ok := awserr.As(de.Cause); ok {
			code = e.Code
		}
		return fmt.Sprintf("%s: %s To fix: %s", code, causeMessage(de.Cause), fixHint(t, de.Action, de.Resource))
	}
	e, ok := awserr.As(err)
	switch {
	case errors.Is(err, audit.ErrBroken):
		return "InternalFailure: " + err.Error() + " Delivery resumes once the audit trail verifies."
	case !ok:
		return "InternalFailure: seclake could not deliver the files; the server log has the cause. They are delivered once it is fixed."
	}
	fix := "see the server log."
	switch {
	case e.Code == "NoSuchBucket":
		fix = fmt.Sprintf("create bucket %s, or call UpdateTrail to name another bucket.", t.S3BucketName)
	case strings.HasPrefix(e.Code, "KMS."):
		fix = fmt.Sprintf("enable KMS key %s (or cancel its deletion), or call UpdateTrail to name another key.", t.KmsKeyID)
	}
	return fmt.Sprintf("%s: %s To fix: %s", e.Code, e.Message, fix)
}
