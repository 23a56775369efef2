package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// trailerPut sends a PutObject whose body is aws-chunked with a trailing CRC32 (STREAMING-UNSIGNED-PAYLOAD-
// TRAILER, what the SDKs send by default over HTTPS since 2025), signed with the SDK's signer.
func trailerPut(t *testing.T, s *server, key string, chunks []string, crc string) *http.Response {
	t.Helper()
	var body strings.Builder
	n := 0
	for _, c := range chunks {
		fmt.Fprintf(&body, "%x\r\n%s\r\n", len(c), c)
		n += len(c)
	}
	fmt.Fprintf(&body, "0\r\nx-amz-checksum-crc32:%s\r\n\r\n", crc)
	req, err := http.NewRequest(http.MethodPut, s.URL+"/trailer-bucket/"+key, strings.NewReader(body.String()))
	require.NoError(t, err)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(n))
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	creds, err := s.rootConfig().Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "s3", testRegion, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return resp
}

func TestS3ChecksumTrailer(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s3Client(s.rootConfig())
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trailer-bucket")})
	require.NoError(t, err)
	chunks := []string{strings.Repeat("a", 70000), "tail"}
	sum := crc32.ChecksumIEEE([]byte(strings.Join(chunks, "")))
	good := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})

	resp := trailerPut(t, s, "ok", chunks, good)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	require.Equal(t, good, resp.Header.Get("X-Amz-Checksum-Crc32"))
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("trailer-bucket"), Key: aws.String("ok"), ChecksumMode: "ENABLED"})
	require.NoError(t, err)
	require.Equal(t, good, aws.ToString(h.ChecksumCRC32))
	require.Equal(t, int64(70004), aws.ToInt64(h.ContentLength))
	body, err := getBody(t, c, "trailer-bucket", "ok")
	require.NoError(t, err)
	require.Equal(t, strings.Join(chunks, ""), string(body))

	// A trailer that does not match the body: BadDigest, and nothing is stored.
	resp = trailerPut(t, s, "bad", chunks, "AAAAAA==")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(b), "<Code>BadDigest</Code>")
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("trailer-bucket"), Key: aws.String("bad")})
	require.Error(t, err)
}
