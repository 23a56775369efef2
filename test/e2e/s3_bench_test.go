package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// BenchmarkInProcessS3GetSmall GETs 4 KiB objects of an SSE-S3 bucket through the Go SDK from a server in the
// test process, for profiling the small-object read path (-cpuprofile shows server and client together;
// tools/s3bench measures the binary against MinIO).
//
//	go test ./test/e2e -run '^$' -bench InProcessS3GetSmall -benchtime 20000x -cpuprofile cpu.prof
func BenchmarkInProcessS3GetSmall(b *testing.B) {
	s := startServer(b)
	cfg := s.rootConfig()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	cfg.HTTPClient = &http.Client{Transport: tr}
	c := s3Client(cfg)
	ctx := context.Background()
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")})
	require.NoError(b, err)
	body := bytes.Repeat([]byte("x"), 4096)
	const objects = 64
	for i := range objects {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("k%d", i)), Body: bytes.NewReader(body)})
		require.NoError(b, err)
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("k%d", i%objects))})
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, out.Body)
			out.Body.Close()
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
