package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// BenchmarkUploadToQueryable measures the time from a raw VPC flow file's upload into a registered location
// (PutObject through the AWS SDK for Go v2) to its rows being visible to an iceberg-go scan of the table, with
// the short flush the tests use (1 s) and with the default (60 s). It reports the mean (s/op) and the slowest
// (max-s) upload-to-queryable time; run each case with -benchtime=Nx.
func BenchmarkUploadToQueryable(b *testing.B) {
	b.Run("flush=1s", func(b *testing.B) { benchUploadToQueryable(b, shortFlush) })
	b.Run("flush=default", func(b *testing.B) { benchUploadToQueryable(b, func(*config.Config) {}) })
}

func benchUploadToQueryable(b *testing.B, flush func(*config.Config)) {
	s := startServer(b, withConfig(flush))
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	_, err := s.aws(b, "s3", "mb", "s3://raw-logs")
	require.NoError(b, err)
	out, code := runSeclakeEnv(b, env, "ingest", "add", "--bucket", "raw-logs", "--grant-access")
	require.Equal(b, 0, code, out)
	lake, err := s.app.Lakes().Open(context.Background(), testAccount, testRegion)
	require.NoError(b, err)
	sc := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	f := rawFiles[1]
	body, err := os.ReadFile(writeRaw(b, b.TempDir(), f))
	require.NoError(b, err)
	perFile := int64(goldenLines(b, f.testdata))

	var total, slowest time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := strings.Replace(f.key, "_a1b2c3d4.", fmt.Sprintf("_%08d.", i), 1)
		start := time.Now()
		_, err := sc.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("raw-logs"), Key: aws.String(key), Body: bytes.NewReader(body)})
		require.NoError(b, err)
		want := perFile * int64(i+1)
		deadline := start.Add(5 * time.Minute)
		for tableRows(b, lake, f.table, nil) < want {
			require.False(b, time.Now().After(deadline), "the rows of upload %d are not queryable", i)
			time.Sleep(50 * time.Millisecond)
		}
		d := time.Since(start)
		total += d
		slowest = max(slowest, d)
	}
	b.StopTimer()
	b.ReportMetric(total.Seconds()/float64(b.N), "s/op")
	b.ReportMetric(slowest.Seconds(), "max-s")
}
