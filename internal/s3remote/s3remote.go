// Package s3remote writes S3 replicas into buckets of other S3 servers — another seclake, or any S3 API — for
// replication rules whose destination the operator mapped to a remote (config.Replication). It is the
// objstore.Remotes of the server.
//
// A replica is one PutObject (a delete marker one DeleteObject) signed with SigV4 by the AWS SDK with the
// remote's credentials: an access key from the environment, or a role of the remote assumed with it. The
// body streams from the source's decrypted reader with an unsigned payload, checked by Content-MD5 when the
// source's ETag is its MD5; the remote encrypts it as the request asks (the rule's ReplicaKmsKeyID). The
// request carries objstore.ReplicaVersionHeader, which a seclake remote honours when the caller may
// s3:ReplicateObject (s3:ReplicateDelete), keeping the source's version ID and marking the copy REPLICA; other
// S3 servers store an ordinary new version. The SDK does not retry: the replication queue does, with backoff.
package s3remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/objstore"
)

// Set is the remotes of one server. It is safe for concurrent use.
type Set struct {
	clients   map[string]*s3.Client // by remote name
	byBucket  map[string]string     // bucket name → remote name
	byAccount map[string]string     // account → remote name
}

var _ objstore.Remotes = (*Set)(nil)

// New returns the remotes of the configuration, reading their access keys with getenv.
func New(remotes []config.Remote, getenv func(string) (string, bool)) (*Set, error) {
	s := &Set{clients: map[string]*s3.Client{}, byBucket: map[string]string{}, byAccount: map[string]string{}}
	for _, r := range remotes {
		name := r.DisplayName()
		if _, ok := s.clients[name]; !ok {
			c, err := newClient(r, getenv)
			if err != nil {
				return nil, fmt.Errorf("replication remote %s: %w", name, err)
			}
			s.clients[name] = c
		}
		if r.Bucket != "" {
			s.byBucket[r.BucketName()] = name
		} else {
			s.byAccount[r.Account] = name
		}
	}
	return s, nil
}

func newClient(r config.Remote, getenv func(string) (string, bool)) (*s3.Client, error) {
	id, _ := getenv(r.AccessKeyIDEnv)
	secret, _ := getenv(r.SecretAccessKeyEnv)
	if id == "" || secret == "" {
		return nil, fmt.Errorf("set the environment variables %s and %s to the access key to use there", r.AccessKeyIDEnv, r.SecretAccessKeyEnv)
	}
	region := r.Region
	if region == "" {
		region = "us-east-1"
	}
	httpClient := &http.Client{Timeout: 10 * time.Minute}
	var creds aws.CredentialsProvider = credentials.NewStaticCredentialsProvider(id, secret, "")
	if r.RoleARN != "" {
		stsClient := sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(r.Endpoint), Credentials: creds, HTTPClient: httpClient})
		creds = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, r.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "seclake-replication"
			if r.ExternalID != "" {
				o.ExternalID = aws.String(r.ExternalID)
			}
		}))
	}
	return s3.New(s3.Options{
		Region: region, BaseEndpoint: aws.String(r.Endpoint), UsePathStyle: true, Credentials: creds,
		HTTPClient: httpClient, RetryMaxAttempts: 1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}), nil
}

// ForBucket names the remote configured for the bucket, or "".
func (s *Set) ForBucket(bucket string) string { return s.byBucket[bucket] }

// ForAccount names the remote configured for the account's buckets, or "".
func (s *Set) ForAccount(account string) string { return s.byAccount[account] }

// PutReplica writes a replica of an object version into the remote's bucket.
func (s *Set) PutReplica(ctx context.Context, remote string, r *objstore.RemoteReplica, body io.Reader) error {
	c, err := s.client(remote)
	if err != nil {
		return err
	}
	in := &s3.PutObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(r.Key), Body: body, ContentLength: aws.Int64(r.Size),
		Metadata: r.Metadata, ServerSideEncryption: types.ServerSideEncryption(r.SSEAlgorithm)}
	if r.StorageClass != "" {
		in.StorageClass = types.StorageClass(r.StorageClass)
	}
	if r.KMSKeyID != "" {
		in.SSEKMSKeyId = aws.String(r.KMSKeyID)
	}
	if r.ContentMD5 != "" {
		in.ContentMD5 = aws.String(r.ContentMD5)
	}
	if len(r.Tags) > 0 {
		q := url.Values{}
		for _, t := range r.Tags {
			q.Add(t.Key, t.Value)
		}
		in.Tagging = aws.String(q.Encode())
	}
	setHeaders(in, r.Headers)
	_, err = c.PutObject(ctx, in, replicaOptions(r.VersionID)...)
	return describe(err)
}

// PutDeleteMarker writes a replica of a delete marker into the remote's bucket.
func (s *Set) PutDeleteMarker(ctx context.Context, remote string, r *objstore.RemoteReplica) error {
	c, err := s.client(remote)
	if err != nil {
		return err
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(r.Key)}, replicaOptions(r.VersionID)...)
	return describe(err)
}

func (s *Set) client(remote string) (*s3.Client, error) {
	c, ok := s.clients[remote]
	if !ok {
		return nil, fmt.Errorf("no replication remote named %q is configured", remote)
	}
	return c, nil
}

// replicaOptions add the replica's version ID header and send the body unsigned (it streams; Content-MD5 and
// the remote's own checks cover it).
func replicaOptions(versionID string) []func(*s3.Options) {
	return []func(*s3.Options){s3.WithAPIOptions(
		smithyhttp.AddHeaderValue(objstore.ReplicaVersionHeader, versionID),
		v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware,
	)}
}

func setHeaders(in *s3.PutObjectInput, h objstore.Headers) {
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return aws.String(v)
	}
	in.ContentType, in.CacheControl, in.ContentDisposition = opt(h.ContentType), opt(h.CacheControl), opt(h.ContentDisposition)
	in.ContentEncoding, in.ContentLanguage, in.WebsiteRedirectLocation = opt(h.ContentEncoding), opt(h.ContentLanguage), opt(h.WebsiteRedirect)
	if t, err := http.ParseTime(h.Expires); err == nil {
		in.Expires = aws.Time(t)
	}
}

// describe turns the remote's answer into an error that names its code and message, and says when it is the
// remote's STS that refused the role.
func describe(err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	if op := stsOperation(err); op != "" {
		return fmt.Errorf("the remote's STS refused %s: %s: %s", op, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
}

// stsOperation returns the STS operation (AssumeRole) in err's chain, or "".
func stsOperation(err error) string {
	for err != nil {
		var op *smithy.OperationError
		if !errors.As(err, &op) {
			return ""
		}
		if op.Service() == "STS" {
			return op.Operation()
		}
		err = op.Unwrap()
	}
	return ""
}
