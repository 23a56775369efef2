package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// BenchmarkS3Replication measures replication between two buckets of one server (SSE-S3, the replication
// role assumed by s3.amazonaws.com): each iteration writes 1,000 objects of 1 KiB through the Go SDK, 8 at a
// time, and waits until every one is replicated. It reports the writes' and replication's throughput and the
// lag from the last write to the last replica (the job looks at its queue every second).
//
//	go test ./test/e2e -run '^$' -bench S3Replication -benchtime 3x
func BenchmarkS3Replication(b *testing.B) {
	b.Run("1000x1KiB", func(b *testing.B) {
		s, c := replicationBench(b)
		benchSmallReplication(b, s, c)
	})
	b.Run("1GiB", func(b *testing.B) {
		s, c := replicationBench(b)
		const size = 1 << 30
		done := 0
		var lagSecs, replSecs float64
		for it := 0; b.Loop(); it++ {
			start := time.Now()
			up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 64 << 20; u.Concurrency = 2 })
			_, err := up.Upload(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bench-src"),
				Key: aws.String(fmt.Sprintf("logs/big-%d", it)), Body: io.LimitReader(rand.Reader, size)})
			require.NoError(b, err)
			written := time.Now()
			done++
			waitReplicated(b, s, done)
			end := time.Now()
			lagSecs += end.Sub(written).Seconds()
			replSecs += end.Sub(start).Seconds()
		}
		b.SetBytes(size)
		b.ReportMetric(lagSecs/float64(b.N), "lag-s")
		b.ReportMetric(float64(size>>20)*float64(b.N)/replSecs, "MiB/s-write+replicate")
	})
}

// benchSmallReplication writes 1,000 objects of 1 KiB into bench-src of s through c, 8 at a time, per
// iteration, waits until s has replicated every one, and reports the throughputs and the lag.
func benchSmallReplication(b *testing.B, s *server, c *s3.Client) {
	body := bytes.Repeat([]byte("x"), 1024)
	const n = 1000
	done := 0
	var putSecs, replSecs, lagSecs float64
	for it := 0; b.Loop(); it++ {
		start := time.Now()
		var wg sync.WaitGroup
		keys := make(chan int)
		for range 8 {
			wg.Go(func() {
				for i := range keys {
					_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bench-src"),
						Key: aws.String(fmt.Sprintf("logs/%d/%04d", it, i)), Body: bytes.NewReader(body)})
					if err != nil {
						b.Error(err)
					}
				}
			})
		}
		for i := range n {
			keys <- i
		}
		close(keys)
		wg.Wait()
		written := time.Now()
		done += n
		waitReplicated(b, s, done)
		end := time.Now()
		putSecs += written.Sub(start).Seconds()
		replSecs += end.Sub(start).Seconds()
		lagSecs += end.Sub(written).Seconds()
	}
	iters := float64(b.N)
	b.ReportMetric(n*iters/putSecs, "writes/s")
	b.ReportMetric(n*iters/replSecs, "replicated/s")
	b.ReportMetric(lagSecs/iters, "lag-s")
}

// replicationBench starts a server with two versioned buckets, a replication role and a rule from bench-src
// to bench-dst.
func replicationBench(b *testing.B) (*server, *s3.Client) {
	s := startServer(b)
	c := benchS3Client(s.rootConfig())
	createVersioned(b, c, "bench-src")
	createVersioned(b, c, "bench-dst")
	replicateToBenchDst(b, s.rootConfig(), c)
	return s, c
}

// benchS3Client is an S3 client of cfg that keeps enough connections for the benchmarks' writers.
func benchS3Client(cfg aws.Config) *s3.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	cfg.HTTPClient = &http.Client{Transport: tr}
	return s3Client(cfg)
}

// createVersioned creates a bucket with versioning.
func createVersioned(b *testing.B, c *s3.Client, name string) {
	ctx := context.Background()
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	require.NoError(b, err)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(b, err)
}

// replicateToBenchDst adds a replication role and a rule from bench-src to bench-dst (a bucket of the same
// server, or one a remote holds).
func replicateToBenchDst(b *testing.B, cfg aws.Config, c *s3.Client) {
	ctx := context.Background()
	ic := iam.NewFromConfig(cfg)
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench-replication"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(b, err)
	_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("bench-replication"), PolicyName: aws.String("replicate"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjectVersionForReplication","Resource":"arn:aws:s3:::bench-src/*"},
			{"Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete"],"Resource":"arn:aws:s3:::bench-dst/*"}]}`)})
	require.NoError(b, err)
	_, err = c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("bench-src"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: role.Role.Arn, Rules: []types.ReplicationRule{{
			ID: aws.String("all"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("logs/")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::bench-dst")}}}}})
	require.NoError(b, err)
}

// waitReplicated waits until the server has completed n replications.
func waitReplicated(b *testing.B, s *server, n int) {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/_seclake/metrics")
		require.NoError(b, err)
		m, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(b, err)
		if v, err := strconv.Atoi(metricValue(string(m), `seclake_s3_replication_operations_total{result="completed"}`)); err == nil && v >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatalf("fewer than %d replications completed in time", n)
}
