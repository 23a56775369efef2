package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// rss is peakRSS that fails the test on error.
func rss(t testing.TB, pid int) int64 {
	t.Helper()
	n, err := peakRSS(pid)
	require.NoError(t, err)
	return n
}

// TestS3FiveGBUploadMemory streams a 5 GB object into the real binary with one PUT (SSE-KMS, bucket key) and
// reads it back, and checks that the server's peak RSS stays under 256 MB. It needs ~5 GB of disk and a minute
// or two, so it runs only when SECLAKE_TEST_BIG is set:
//
//	SECLAKE_TEST_BIG=1 go test ./test/e2e -run TestS3FiveGBUploadMemory -v
func TestS3FiveGBUploadMemory(t *testing.T) {
	if os.Getenv("SECLAKE_TEST_BIG") == "" {
		t.Skip("set SECLAKE_TEST_BIG=1 to stream 5 GB through the server")
	}
	const size = 5_000_000_000
	p := startProcess(t, filepath.Join(t.TempDir(), "data"))
	ctx := context.Background()
	c := s3Client(p.rootConfig())
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big-bucket")})
	require.NoError(t, err)
	putKMSDefault(t, c, "big-bucket", createKeyWith(t, p.rootConfig()), true)
	before := rss(t, p.cmd.Process.Pid)

	pre := s3.NewPresignClient(c)
	put, err := pre.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big-bucket"), Key: aws.String("5gb.bin")}, s3.WithPresignExpires(time.Hour))
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, put.URL, pseudoRandom(5, size))
	require.NoError(t, err)
	req.ContentLength = size
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	upload := time.Since(start)

	start = time.Now()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big-bucket"), Key: aws.String("5gb.bin")})
	require.NoError(t, err)
	got := sha(out.Body)
	out.Body.Close()
	download := time.Since(start)
	require.Equal(t, sha(pseudoRandom(5, size)), got)

	peak := rss(t, p.cmd.Process.Pid)
	t.Logf("5 GB PUT %v (%.0f MB/s), GET %v (%.0f MB/s); server peak RSS %d MiB (before the upload %d MiB)",
		upload.Round(time.Second), size/upload.Seconds()/1e6, download.Round(time.Second), size/download.Seconds()/1e6, peak>>20, before>>20)
	require.Less(t, peak, int64(256<<20), "the server must stream: peak RSS %d MiB", peak>>20)
	p.stop(t)
}
