package s3remote

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/seclake/seclake/internal/config"
)

// Sources are the remote S3 endpoints that remote ingest locations read (config.Ingest.Remotes): they list a
// bucket's objects and read one, signed with the remote's access key from the environment. It is safe for
// concurrent use.
type Sources struct {
	clients map[string]*s3.Client // by remote name
}

// RemoteObject is one object of a remote listing.
type RemoteObject struct {
	Key, ETag string
	Size      int64
}

// NewSources returns the ingest remotes of the configuration, reading their access keys with getenv.
func NewSources(remotes []config.IngestRemote, getenv func(string) (string, bool)) (*Sources, error) {
	s := &Sources{clients: map[string]*s3.Client{}}
	for _, r := range remotes {
		c, err := newClient(config.Remote{Name: r.Name, Endpoint: r.Endpoint, Region: r.Region,
			AccessKeyIDEnv: r.AccessKeyIDEnv, SecretAccessKeyEnv: r.SecretAccessKeyEnv}, getenv)
		if err != nil {
			return nil, fmt.Errorf("ingest remote %s: %w", r.Name, err)
		}
		s.clients[r.Name] = c
	}
	return s, nil
}

// Has says whether a remote of that name is configured.
func (s *Sources) Has(remote string) bool {
	_, ok := s.clients[remote]
	return ok
}

// List lists up to maxKeys objects of bucket under prefix after the key after (ListObjectsV2 with StartAfter)
// and says whether more follow.
func (s *Sources) List(ctx context.Context, remote, bucket, prefix, after string, maxKeys int) ([]RemoteObject, bool, error) {
	c, err := s.source(remote)
	if err != nil {
		return nil, false, err
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(int32(maxKeys))}
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	out, err := c.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, false, fmt.Errorf("remote %s: list s3://%s/%s: %w", remote, bucket, prefix, describe(err))
	}
	objs := make([]RemoteObject, 0, len(out.Contents))
	for _, o := range out.Contents {
		objs = append(objs, RemoteObject{Key: aws.ToString(o.Key), ETag: aws.ToString(o.ETag), Size: aws.ToInt64(o.Size)})
	}
	return objs, aws.ToBool(out.IsTruncated), nil
}

// GetRaw reads an object of the remote's bucket (its bytes when its ETag is still etag, when etag is set) and
// returns its body and last modification time.
func (s *Sources) GetRaw(ctx context.Context, remote, bucket, key, etag string) (io.ReadCloser, time.Time, error) {
	c, err := s.source(remote)
	if err != nil {
		return nil, time.Time{}, err
	}
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	out, err := c.GetObject(ctx, in)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("remote %s: %w", remote, describe(err))
	}
	return out.Body, aws.ToTime(out.LastModified), nil
}

func (s *Sources) source(remote string) (*s3.Client, error) {
	c, ok := s.clients[remote]
	if !ok {
		return nil, fmt.Errorf("no ingest remote named %q is configured", remote)
	}
	return c, nil
}
