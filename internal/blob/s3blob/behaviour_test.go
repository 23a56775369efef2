package s3blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/blob/s3blob"
)

// open opens a store with the smallest part size in a fresh bucket, and returns it with a raw client.
func (p *peer) open(t *testing.T, prefix string) (*s3blob.Store, *s3.Client, string) {
	t.Helper()
	cfg := p.cfg(t)
	cfg.Prefix = prefix
	cfg.PartSize = s3blob.MinPartSize
	s, err := s3blob.Open(context.Background(), cfg)
	require.NoError(t, err)
	c, err := p.Client(context.Background())
	require.NoError(t, err)
	return s, c, cfg.Bucket
}

// objects lists the names of every object in bucket.
func objects(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &bucket})
	require.NoError(t, err)
	names := []string{}
	for _, o := range out.Contents {
		names = append(names, *o.Key)
	}
	return names
}

func data(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 31 / 7)
	}
	return b
}

func testLayout(t *testing.T, p *peer) {
	ctx := context.Background()
	s, c, bucket := p.open(t, "/p/q/")
	big := data(12 << 20)
	for key, body := range map[string][]byte{"a/b": []byte("x"), "a/b/c": []byte("y"), "big": big} {
		_, err := s.Put(ctx, key, bytes.NewReader(body))
		require.NoError(t, err)
	}
	require.Equal(t, []string{"p/q/a/b!", "p/q/a/b/c!", "p/q/big!"}, objects(t, c, bucket))
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: ptr("p/q/big!")})
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(*head.ETag, `-3"`), "12 MiB in 5 MiB parts is a 3-part upload, ETag %s", *head.ETag)
	rc, err := s.GetRange(ctx, "big", 5<<20-10, 20)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, big[5<<20-10:5<<20+10], got, "a range across the parts' boundary")
}

// failAfter yields n bytes, then fails with err (or, when cancel is set, cancels and keeps yielding).
type failAfter struct {
	n      int
	err    error
	cancel context.CancelFunc
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.n <= 0 {
		if r.cancel == nil {
			return 0, r.err
		}
		r.cancel()
	}
	k := min(len(p), 32<<10)
	r.n -= k
	return k, nil
}

func testAbortOnReadError(t *testing.T, p *peer) {
	s, c, bucket := p.open(t, "")
	readErr := errors.New("client went away")
	for _, n := range []int{0, 3 << 20, 5 << 20, 12 << 20, 15 << 20} {
		_, err := s.Put(context.Background(), "k", &failAfter{n: n, err: readErr})
		require.ErrorIs(t, err, readErr, "after %d bytes", n)
	}
	_, err := s.Stat(context.Background(), "k")
	require.ErrorIs(t, err, blob.ErrNotFound)
	require.Empty(t, objects(t, c, bucket))
	require.Empty(t, uploads(t, c, bucket), "a failed Put aborts its multipart upload")
}

func testAbortOnCancel(t *testing.T, p *peer) {
	s, c, bucket := p.open(t, "")
	for _, n := range []int{1 << 20, 11 << 20} {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := s.Put(ctx, "k", &failAfter{n: n, cancel: cancel})
		require.ErrorIs(t, err, context.Canceled, "cancelled after %d bytes", n)
		cancel()
	}
	require.Empty(t, objects(t, c, bucket))
	require.Empty(t, uploads(t, c, bucket), "a cancelled Put aborts its multipart upload")
}

// testExactPart stores blobs whose size is a multiple of the part size, where the end of the reader shows
// only after a part was filled.
func testExactPart(t *testing.T, p *peer) {
	s, _, _ := p.open(t, "")
	ctx := context.Background()
	for _, size := range []int{64 << 10, 1 << 20, s3blob.MinPartSize, 2 * s3blob.MinPartSize, s3blob.MinPartSize + 1} {
		want := data(size)
		info, err := s.Put(ctx, "k", bytes.NewReader(want))
		require.NoError(t, err)
		require.Equal(t, int64(size), info.Size)
		rc, got, err := s.Get(ctx, "k")
		require.NoError(t, err)
		body, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		require.Equal(t, int64(size), got.Size)
		require.True(t, bytes.Equal(want, body), "size %d", size)
	}
}

func testForeignObjects(t *testing.T, p *peer) {
	ctx := context.Background()
	s, c, bucket := p.open(t, "p")
	_, err := s.Put(ctx, "mine", strings.NewReader("x"))
	require.NoError(t, err)
	for _, name := range []string{"p/foreign", "p/not a key!", "p/a~b!", "other/a!", "p!", "pa!"} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: ptr(name), Body: strings.NewReader("y")})
		require.NoError(t, err)
	}
	var keys []string
	require.NoError(t, s.List(ctx, "", func(i blob.Info) bool { keys = append(keys, i.Key); return true }))
	require.Equal(t, []string{"mine"}, keys)
}

func testKeyTooLong(t *testing.T, p *peer) {
	ctx := context.Background()
	prefix := strings.Repeat("p/", 249) + "p" // stored as 500 bytes with its slash; MinIO wants names of 255 bytes at most
	s, _, _ := p.open(t, prefix)
	fits := strings.Repeat("kkkkkkkkk/", 52) + "kkk" // 523 bytes: 1024 with the prefix and the "!"
	_, err := s.Put(ctx, fits, strings.NewReader("x"))
	require.NoError(t, err)
	_, err = s.Put(ctx, fits+"k", strings.NewReader("x"))
	require.ErrorIs(t, err, blob.ErrInvalidKey)
	_, err = s.Stat(ctx, fits+"k")
	require.ErrorIs(t, err, blob.ErrInvalidKey)
}

func testMissingBucket(t *testing.T, p *peer) {
	cfg := p.Config("no-such-bucket")
	_, err := s3blob.Open(context.Background(), cfg)
	require.ErrorContains(t, err, `bucket "no-such-bucket" does not exist`)
	if p.Name == "moto" {
		return // moto does not check signatures
	}
	cfg = p.Config("blobs-1")
	cfg.SecretAccessKey = "wrong"
	_, err = s3blob.Open(context.Background(), cfg)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "wrong")
}

// testDefaultChain leaves the credentials out of the Config: the SDK's default chain finds them in AWS_*.
func testDefaultChain(t *testing.T, p *peer) {
	cfg := p.cfg(t)
	t.Setenv("AWS_ACCESS_KEY_ID", cfg.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", cfg.SecretAccessKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_PROFILE", "")
	cfg.AccessKeyID, cfg.SecretAccessKey = "", ""
	s, err := s3blob.Open(context.Background(), cfg)
	require.NoError(t, err)
	_, err = s.Put(context.Background(), "k", strings.NewReader("x"))
	require.NoError(t, err)
}

// zeros yields n zero bytes without holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// testBoundedMemory checks that what a Put allocates does not grow with the blob: 256 MiB in 5 MiB parts
// allocate about (Concurrency+1) part buffers.
func testBoundedMemory(t *testing.T, p *peer) {
	switch p.Name {
	case "moto":
		t.Skip("moto stores multipart uploads at a few MiB/s")
	case "seclake":
		t.Skip("the in-process server's own allocations would count")
	}
	s, _, _ := p.open(t, "")
	const size = 256 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	info, err := s.Put(context.Background(), "big", &zeros{size})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Equal(t, int64(size), info.Size)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("Put of 256 MiB allocated %d KiB", allocated>>10)
	require.Less(t, allocated, uint64(40<<20))
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  s3blob.Config
		err  string
	}{
		{"no bucket", s3blob.Config{}, "no bucket"},
		{"small parts", s3blob.Config{Bucket: "b", PartSize: 1 << 20}, "below S3's minimum"},
		{"bad prefix", s3blob.Config{Bucket: "b", Prefix: "a/../b"}, "prefix"},
		{"prefix with space", s3blob.Config{Bucket: "b", Prefix: "a b"}, "prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s3blob.Open(context.Background(), tc.cfg)
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func ptr(s string) *string { return &s }
