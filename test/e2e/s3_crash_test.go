package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// TestS3KillDuringUploads kills the real binary with SIGKILL while single-part and multipart uploads are in
// flight, restarts it, and checks that every acknowledged object reads back intact and that every visible
// object is whole: no partial or corrupt object appears.
func TestS3KillDuringUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startProcess(t, dataDir)
	c := s3Client(p.rootConfig())
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("crash-bucket")})
	require.NoError(t, err)

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	upload := func(w int, multipart bool) {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			seed := uint64(w*100000 + i)
			size := int64(1<<20 + (i%5)<<20)
			var err error
			if multipart {
				size = 11<<20 + int64(i%3)<<20
			}
			key := fmt.Sprintf("obj/%d-%d", seed, size)
			if multipart {
				up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 2 })
				_, err = up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("crash-bucket"), Key: aws.String(key), Body: pseudoRandom(seed, size)})
			} else {
				_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash-bucket"), Key: aws.String(key),
					Body: pseudoRandomSeeker(seed, size), ContentLength: aws.Int64(size)})
			}
			if err == nil {
				mu.Lock()
				acked = append(acked, key)
				mu.Unlock()
			}
		}
	}
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go upload(w, w >= 4)
	}
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
	}
	p.kill(t)
	cancel()
	wg.Wait()
	require.GreaterOrEqual(t, len(acked), 40, "the uploads were too slow to test anything")

	p2 := startProcess(t, dataDir)
	c = s3Client(p2.rootConfig())
	visible := map[string]bool{}
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("crash-bucket")})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(context.Background())
		require.NoError(t, err)
		for _, o := range pg.Contents {
			visible[aws.ToString(o.Key)] = true
		}
	}
	for _, k := range acked {
		require.True(t, visible[k], "acknowledged object %s is gone after the crash", k)
	}
	for k := range visible {
		var seed uint64
		var size int64
		_, err := fmt.Sscanf(k, "obj/%d-%d", &seed, &size)
		require.NoError(t, err)
		out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("crash-bucket"), Key: aws.String(k)})
		require.NoError(t, err, k)
		require.Equal(t, size, aws.ToInt64(out.ContentLength), k)
		got := sha(out.Body)
		out.Body.Close()
		require.Equal(t, sha(pseudoRandom(seed, size)), got, "object %s is not what was uploaded", k)
	}
	t.Logf("%d uploads acknowledged before SIGKILL, %d objects visible after restart, all intact", len(acked), len(visible))
	p2.stop(t)
}

// pseudoRandomSeeker is pseudoRandom in memory, for clients that sign the payload and need to seek.
func pseudoRandomSeeker(seed uint64, n int64) io.ReadSeeker {
	b := make([]byte, n)
	_, _ = io.ReadFull(pseudoRandom(seed, n), b)
	return bytes.NewReader(b)
}
