package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// pseudoRandom is a reproducible stream of n bytes: the same seed yields the same bytes, so large bodies need
// not be held in memory to be checked.
func pseudoRandom(seed uint64, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1}), n)
}

func sha(r io.Reader) [32]byte {
	h := sha256.New()
	_, _ = io.Copy(h, r)
	return [32]byte(h.Sum(nil))
}

// TestS3GoSDKTransferManager uploads 100 MB with the transfer manager (multipart, concurrent parts) into a
// bucket with SSE-KMS and a bucket key, downloads it with ranged GETs, and reads ranges and presigned URLs.
func TestS3GoSDKTransferManager(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s3Client(s.rootConfig())
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-bucket")})
	require.NoError(t, err)
	putKMSDefault(t, c, "sdk-bucket", createKey(t, s, ""), true)

	const size = 100 << 20
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 16 << 20; u.Concurrency = 4 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("big/100mb.bin"), Body: pseudoRandom(1, size)})
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(aws.ToString(res.ETag), `-7"`), aws.ToString(res.ETag))
	require.Equal(t, s3types.ServerSideEncryptionAwsKms, res.ServerSideEncryption)

	f, err := os.CreateTemp(t.TempDir(), "down")
	require.NoError(t, err)
	defer f.Close()
	down := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 8 << 20; d.Concurrency = 4 })
	n, err := down.Download(ctx, f, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("big/100mb.bin")})
	require.NoError(t, err)
	require.Equal(t, int64(size), n)
	_, err = f.Seek(0, io.SeekStart)
	require.NoError(t, err)
	require.Equal(t, sha(pseudoRandom(1, size)), sha(f), "the downloaded object equals what was uploaded")

	// Ranged reads across segment and part boundaries.
	want := make([]byte, size)
	_, err = io.ReadFull(pseudoRandom(1, size), want)
	require.NoError(t, err)
	for _, rg := range [][2]int64{{0, 0}, {65535, 65537}, {16<<20 - 10, 16<<20 + 10}, {size - 100, size - 1}, {33 << 20, 50 << 20}} {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("big/100mb.bin"),
			Range: aws.String("bytes=" + itoa(rg[0]) + "-" + itoa(rg[1]))})
		require.NoError(t, err)
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		require.True(t, bytes.Equal(want[rg[0]:rg[1]+1], got), "range %v", rg)
	}

	// Presigned PUT and GET.
	pre := s3.NewPresignClient(c)
	pput, err := pre.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("pre.txt")}, s3.WithPresignExpires(5*time.Minute))
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, pput.URL, strings.NewReader("presigned by the Go SDK"))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	pget, err := pre.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("pre.txt")})
	require.NoError(t, err)
	resp, err = http.Get(pget.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "presigned by the Go SDK", string(body))
	// A tampered presigned URL is refused.
	resp, err = http.Get(strings.Replace(pget.URL, "pre.txt", "big/100mb.bin", 1))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestS3VirtualHostedStyle addresses buckets as <bucket>.s3.localhost, as SDKs do by default.
func TestS3VirtualHostedStyle(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	u, err := url.Parse(s.URL)
	require.NoError(t, err)
	dialer := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, u.Host) // every *.s3.localhost name is this server
	}}}
	cfg := s.rootConfig()
	cfg.BaseEndpoint = aws.String("http://s3.localhost:" + u.Port())
	cfg.HTTPClient = hc
	c := s3.NewFromConfig(cfg)
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost-bucket")})
	require.NoError(t, err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("dir/a b.txt"), Body: strings.NewReader("vhost")})
	require.NoError(t, err)
	body, err := getBody(t, c, "vhost-bucket", "dir/a b.txt")
	require.NoError(t, err)
	require.Equal(t, "vhost", string(body))
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost-bucket")})
	require.NoError(t, err)
	require.Len(t, list.Contents, 1)
	require.Equal(t, "dir/a b.txt", aws.ToString(list.Contents[0].Key))
	// The same object, path-style.
	body, err = getBody(t, s3Client(s.rootConfig()), "vhost-bucket", "dir/a b.txt")
	require.NoError(t, err)
	require.Equal(t, "vhost", string(body))
}
