// Package s3blob is the blob.Store on an S3-compatible object store (AWS S3, MinIO, another seclake), for
// nodes that share their bytes.
//
// The backend sees only ciphertext: the packages above blob encrypt before they write, and s3blob stores
// exactly the bytes it is given. It adds no encryption of its own and needs none from the server.
//
// Layout: the blob under key "a/b" is the object Prefix+"a/b!" in the bucket. The "!", which blob keys cannot
// contain and which sorts before every character they can, keeps a blob apart from the longer keys below it
// (MinIO refuses an object "a/b" next to "a/b/c", S3 does not) while listing in blob key order. Keys must fit
// S3's 1024 bytes with the prefix and the "!"; MinIO also refuses a key segment longer than 255 bytes.
//
// Put sends a blob that fits in one part with one PutObject, and a larger one as a multipart upload whose
// parts are read into a bounded number of buffers, so memory stays bounded whatever the size. A Put whose
// reader fails or whose context ends aborts its upload: nothing becomes visible.
package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/clock"
)

const (
	// keySuffix ends every object name; see the package doc.
	keySuffix = "!"
	// maxObjectKey is S3's limit on object key length.
	maxObjectKey = 1024
	// MinPartSize is S3's smallest allowed part (but the last) of a multipart upload.
	MinPartSize = 5 << 20
	// DefaultPartSize is the part size when Config.PartSize is zero.
	DefaultPartSize = 8 << 20
	// DefaultConcurrency is the number of parts uploaded at once when Config.Concurrency is zero.
	DefaultConcurrency = 2
	// maxIdleConns is how many idle connections to the server the default HTTP client keeps.
	maxIdleConns = 256
)

// Config says where the blobs live and how to reach them.
type Config struct {
	// Bucket holds the blobs; it must exist.
	Bucket string
	// Prefix is put before every key ("" or a path such as "node-1/blobs"; a trailing slash is added).
	Prefix string
	// Endpoint is the server's base URL, such as http://127.0.0.1:9000; empty for AWS.
	Endpoint string
	// Region signs the requests; default us-east-1.
	Region string
	// PathStyle addresses buckets as http://host/bucket instead of http://bucket.host.
	PathStyle bool
	// AccessKeyID, SecretAccessKey and SessionToken are static credentials. When AccessKeyID is empty, the
	// SDK's default chain is used (AWS_* environment, shared files, instance or task roles).
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// PartSize is the size of a multipart upload's parts, at least MinPartSize; default DefaultPartSize.
	// Blobs up to this size take one PutObject.
	PartSize int64
	// Concurrency is how many parts of one Put are uploaded at once; default DefaultConcurrency. A Put holds
	// at most Concurrency+1 part buffers.
	Concurrency int
	// HTTPClient replaces the SDK's default HTTP client.
	HTTPClient *http.Client
	// Clock stamps the Info that Put returns; default the system clock.
	Clock clock.Clock
}

// Store is a blob.Store on an S3 bucket.
type Store struct {
	client  *s3.Client
	bucket  string
	prefix  string
	part    int64
	conc    int
	clock   clock.Clock
	buffers *bufferPool
}

var _ blob.Store = (*Store)(nil)

// Open connects to the bucket and checks that it can be reached with the credentials.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open s3 blob store: %w", err)
	}
	client, err := NewClient(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open s3 blob store: %w", err)
	}
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &cfg.Bucket}); err != nil {
		if code := apiCode(err); code == "NotFound" || code == "NoSuchBucket" {
			return nil, fmt.Errorf("open s3 blob store: bucket %q does not exist; create it first", cfg.Bucket)
		}
		return nil, fmt.Errorf("open s3 blob store: bucket %q: %w", cfg.Bucket, err)
	}
	return &Store{
		client: client, bucket: cfg.Bucket, prefix: cfg.Prefix, part: cfg.PartSize, conc: cfg.Concurrency, clock: cfg.Clock,
		buffers: newBufferPool(64<<10, 1<<20, int(cfg.PartSize)),
	}, nil
}

func (c Config) withDefaults() (Config, error) {
	if c.Bucket == "" {
		return c, errors.New("no bucket")
	}
	if c.Prefix = strings.Trim(c.Prefix, "/"); c.Prefix != "" {
		if err := blob.ValidKey(c.Prefix); err != nil {
			return c, fmt.Errorf("prefix: %w", err)
		}
		c.Prefix += "/"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.PartSize < MinPartSize {
		return c, fmt.Errorf("part size %d is below S3's minimum of %d", c.PartSize, MinPartSize)
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Clock == nil {
		c.Clock = clock.System
	}
	return c, nil
}

// NewClient returns the S3 client that Open uses for cfg: static credentials when given, else the SDK's
// default chain; checksums only where the API requires them (the layers above authenticate every byte, and
// many S3-compatible servers reject the SDK's newer checksum trailers).
func NewClient(ctx context.Context, cfg Config) (*s3.Client, error) {
	opts := s3.Options{
		Region:                     cfg.Region,
		UsePathStyle:               cfg.PathStyle,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if cfg.Region == "" {
		opts.Region = "us-east-1"
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	} else {
		// Every request goes to one host: keep as many idle connections to it as a busy node has requests
		// in flight (the SDK keeps 10), so that bursts do not open and close connections.
		opts.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConns, t.MaxIdleConnsPerHost = maxIdleConns, maxIdleConns
		})
	}
	if cfg.AccessKeyID != "" {
		opts.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
		return s3.New(opts), nil
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(opts.Region))
	if err != nil {
		return nil, fmt.Errorf("load AWS credentials: %w", err)
	}
	return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = opts.UsePathStyle
		o.RequestChecksumCalculation = opts.RequestChecksumCalculation
		o.ResponseChecksumValidation = opts.ResponseChecksumValidation
		if opts.BaseEndpoint != nil {
			o.BaseEndpoint = opts.BaseEndpoint
		}
		o.HTTPClient = opts.HTTPClient
	}), nil
}

// objectKey returns the object name of a blob key after checking the key.
func (s *Store) objectKey(key string) (string, error) {
	if err := blob.ValidKey(key); err != nil {
		return "", err
	}
	name := s.prefix + key + keySuffix
	if len(name) > maxObjectKey {
		return "", fmt.Errorf("%w: %q: with the prefix %q it is longer than S3's %d bytes", blob.ErrInvalidKey, key, s.prefix, maxObjectKey)
	}
	return name, nil
}

// blobKey returns the blob key of an object name, or false for objects that are not blobs of this store.
func (s *Store) blobKey(name string) (string, bool) {
	key, ok := strings.CutPrefix(name, s.prefix)
	if !ok {
		return "", false
	}
	key, ok = strings.CutSuffix(key, keySuffix)
	return key, ok && blob.ValidKey(key) == nil
}

// Get opens the blob for reading.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	name, err := s.objectKey(key)
	if err != nil {
		return nil, blob.Info{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &name})
	if err != nil {
		return nil, blob.Info{}, fmt.Errorf("get blob %s: %w", key, mapErr(err))
	}
	return out.Body, blob.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// GetRange opens n bytes of the blob from off (to the end if n < 0).
func (s *Store) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	name, err := s.objectKey(key)
	if err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("get blob %s: %w: offset %d", key, blob.ErrInvalidRange, off)
	}
	if n == 0 {
		return s.emptyRange(ctx, key, off)
	}
	rng := fmt.Sprintf("bytes=%d-", off)
	if n > 0 && n <= (1<<63-1)-off {
		rng = fmt.Sprintf("bytes=%d-%d", off, off+n-1)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &name, Range: &rng})
	if apiCode(err) == "InvalidRange" {
		// S3 refuses a range that starts at the end; for the blob that is an empty read.
		return s.emptyRange(ctx, key, off)
	}
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", key, mapErr(err))
	}
	return out.Body, nil
}

// emptyRange returns an empty reader if off is within the blob or at its end.
func (s *Store) emptyRange(ctx context.Context, key string, off int64) (io.ReadCloser, error) {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	if off > info.Size {
		return nil, fmt.Errorf("get blob %s: %w: offset %d beyond size %d", key, blob.ErrInvalidRange, off, info.Size)
	}
	return io.NopCloser(strings.NewReader("")), nil
}

// Stat returns the blob's size and modification time.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	name, err := s.objectKey(key)
	if err != nil {
		return blob.Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &name})
	if err != nil {
		return blob.Info{}, fmt.Errorf("stat blob %s: %w", key, mapErr(err))
	}
	return blob.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// Delete removes the blob; a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.objectKey(key)
	if err != nil {
		return err
	}
	_, err = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &name})
	if err != nil && !errors.Is(mapErr(err), blob.ErrNotFound) {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

// List calls fn for each blob whose key starts with prefix, in key order, until fn returns false. Objects
// under the store's prefix that are not blobs (written by something else) are skipped.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) bool) error {
	if prefix != "" && blob.ValidKey(prefix) != nil && blob.ValidKey(prefix+"x") != nil {
		return nil // no key starts with it (and servers such as MinIO refuse prefixes with ".." segments)
	}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list blobs %q: %w", prefix, err)
		}
		for _, o := range page.Contents {
			key, ok := s.blobKey(aws.ToString(o.Key))
			if !ok || !strings.HasPrefix(key, prefix) {
				continue
			}
			if !fn(blob.Info{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)}) {
				return nil
			}
		}
	}
	return nil
}

// apiCode returns the S3 error code of err, or "" if it carries none.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// mapErr turns S3's "no such key" (NoSuchKey, or a bodiless 404 NotFound from HEAD) into blob.ErrNotFound.
func mapErr(err error) error {
	switch apiCode(err) {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%w: %w", blob.ErrNotFound, err)
	}
	return err
}
