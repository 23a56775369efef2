package checksum_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/checksum"
)

// TestMatchesSDK uploads objects with the AWS SDK for Go v2 and compares the checksum it computed and sent
// with ours. The SDK's checksum package is internal, so the S3 client is the way to ask it.
func TestMatchesSDK(t *testing.T) {
	var (
		mu   sync.Mutex
		sent = map[string]string{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		defer mu.Unlock()
		for name, vals := range r.Header {
			if strings.HasPrefix(strings.ToLower(name), checksum.HeaderPrefix) {
				sent[strings.ToLower(name)] = vals[0]
			}
		}
		for name, vals := range r.Trailer {
			sent[strings.ToLower(name)] = vals[0]
		}
	}))
	t.Cleanup(srv.Close)

	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:   srv.Client(),
	})
	sdkAlgorithms := map[checksum.Algorithm]types.ChecksumAlgorithm{
		checksum.CRC32:     types.ChecksumAlgorithmCrc32,
		checksum.CRC32C:    types.ChecksumAlgorithmCrc32c,
		checksum.CRC64NVME: types.ChecksumAlgorithmCrc64nvme,
		checksum.SHA1:      types.ChecksumAlgorithmSha1,
		checksum.SHA256:    types.ChecksumAlgorithmSha256,
	}
	inputs := []string{"", "a", "123456789", "The quick brown fox jumps over the lazy dog", strings.Repeat("seclake", 10000)}
	for _, alg := range checksum.Algorithms {
		for i, in := range inputs {
			mu.Lock()
			clear(sent)
			mu.Unlock()
			_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket:            aws.String("bucket"),
				Key:               aws.String("key"),
				Body:              bytes.NewReader([]byte(in)),
				ChecksumAlgorithm: sdkAlgorithms[alg],
			})
			require.NoError(t, err)
			mu.Lock()
			got, ok := sent[alg.HeaderName()]
			mu.Unlock()
			require.True(t, ok, "SDK sent no %s for input %d", alg.HeaderName(), i)
			require.Equal(t, got, checksum.Encode(sum(alg, in)), "%s of input %d", alg, i)
		}
	}
}
