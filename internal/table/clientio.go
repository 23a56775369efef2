package table

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	iceio "github.com/apache/iceberg-go/io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/seclake/seclake/internal/awserr"
)

// clientIO is the file IO of s3:// paths that belong to no lake of this process: those of a table loaded through
// another catalog (an Iceberg REST client in this process, as a reader of seclake is). It is an S3 client
// configured by Iceberg's s3.* properties (s3.endpoint, s3.access-key-id, s3.secret-access-key,
// s3.session-token, s3.region; path-style addressing unless s3.force-virtual-addressing), so reads and writes
// go through the S3 API with the client's own credentials. It exists because iceberg-go keeps one file IO per
// URL scheme per process, and the lakes hold the s3 scheme.
type clientIO struct {
	ctx    context.Context
	client *s3.Client
}

var (
	_ iceio.WriteFileIO = (*clientIO)(nil)
	_ iceio.ReadFileIO  = (*clientIO)(nil)
)

func newClientIO(ctx context.Context, props map[string]string) (iceio.IO, error) {
	region := props[iceio.S3Region]
	if region == "" {
		region = props[iceio.S3ClientRegion]
	}
	var cfg aws.Config
	if id := props[iceio.S3AccessKeyID]; id != "" {
		cfg = aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(id,
			props[iceio.S3SecretAccessKey], props[iceio.S3SessionToken])}
	} else {
		var err error
		if cfg, err = awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region)); err != nil {
			return nil, fmt.Errorf("table: S3 client configuration: %w", err)
		}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	endpoint := props[iceio.S3EndpointURL]
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = props[iceio.S3ForceVirtualAddressing] != "true"
	})
	return &clientIO{ctx: context.WithoutCancel(ctx), client: client}, nil
}

// clientError makes a missing object fs.ErrNotExist, as iceberg expects.
func clientError(err error, name string) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
		return &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() == awserr.StatusNotFound {
		return &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return err
}

func (c *clientIO) Open(name string) (iceio.File, error) {
	bucket, key, err := splitPath(name)
	if err != nil {
		return nil, err
	}
	head, err := c.client.HeadObject(c.ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, clientError(err, name)
	}
	f := &objFile{name: name, key: key, size: aws.ToInt64(head.ContentLength), get: func(start, end int64) (io.ReadCloser, error) {
		out, err := c.client.GetObject(c.ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key,
			Range: aws.String(fmt.Sprintf("bytes=%d-%d", start, end))})
		if err != nil {
			return nil, clientError(err, name)
		}
		return out.Body, nil
	}}
	if head.LastModified != nil {
		f.mod = *head.LastModified
	}
	return f, nil
}

func (c *clientIO) ReadFile(name string) ([]byte, error) {
	bucket, key, err := splitPath(name)
	if err != nil {
		return nil, err
	}
	out, err := c.client.GetObject(c.ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, clientError(err, name)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (c *clientIO) Remove(name string) error {
	bucket, key, err := splitPath(name)
	if err != nil {
		return err
	}
	_, err = c.client.DeleteObject(c.ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key})
	return err
}

// WriteFile puts p as name; the bucket's default encryption applies.
func (c *clientIO) WriteFile(name string, p []byte) error {
	bucket, key, err := splitPath(name)
	if err != nil {
		return err
	}
	_, err = c.client.PutObject(c.ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(p),
		ContentLength: aws.Int64(int64(len(p)))})
	if err != nil {
		return fmt.Errorf("table: put %s: %w", strings.TrimPrefix(name, "s3://"), err)
	}
	return nil
}

// Create returns a writer that puts name when closed; the bytes wait in memory.
func (c *clientIO) Create(name string) (iceio.FileWriter, error) {
	if _, _, err := splitPath(name); err != nil {
		return nil, err
	}
	return &objWriter{write: func(p []byte) error { return c.WriteFile(name, p) }}, nil
}
