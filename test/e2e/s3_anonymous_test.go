package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// TestS3AnonymousAccessIsDecidedByTheBucketPolicy sends unsigned requests: refused by default, allowed by a
// public bucket policy, refused again once the public access block restricts public buckets.
func TestS3AnonymousAccessIsDecidedByTheBucketPolicy(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s3Client(s.rootConfig())
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("public-bucket")})
	require.NoError(t, err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("public-bucket"), Key: aws.String("index.html"), Body: strings.NewReader("<h1>hi</h1>"), ContentType: aws.String("text/html")})
	require.NoError(t, err)
	get := func(path string) (int, string) {
		resp, err := http.Get(s.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/public-bucket/index.html")
	require.Equal(t, http.StatusForbidden, code)
	require.Contains(t, body, "<Code>AccessDenied</Code>")

	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("public-bucket"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public-bucket/*"}]}`)})
	require.NoError(t, err)
	code, body = get("/public-bucket/index.html")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "<h1>hi</h1>", body)
	code, _ = get("/public-bucket?list-type=2")
	require.Equal(t, http.StatusForbidden, code, "the policy allows reading objects, not listing")
	code, _ = get("/public-bucket/index.html?response-content-type=text/plain")
	require.Equal(t, http.StatusBadRequest, code, "anonymous callers may not override response headers")
	req, _ := http.NewRequest(http.MethodPut, s.URL+"/public-bucket/evil.html", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	_, err = c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("public-bucket"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(true)}})
	require.NoError(t, err)
	code, _ = get("/public-bucket/index.html")
	require.Equal(t, http.StatusForbidden, code)
}
