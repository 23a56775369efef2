package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
)

func TestGetCallerIdentityWithEveryClient(t *testing.T) {
	s := startServer(t)
	want := map[string]string{"Account": testAccount, "Arn": "arn:aws:iam::" + testAccount + ":root", "UserId": testAccount}

	out, err := s.aws(t, "sts", "get-caller-identity")
	require.NoError(t, err)
	var cli map[string]string
	require.NoError(t, json.Unmarshal([]byte(out), &cli))
	require.Equal(t, want, cli)

	out, err = s.python(t, testKeyID, testSecret, `
import boto3, json, os
sts = boto3.client("sts", endpoint_url=os.environ["ENDPOINT"])
r = sts.get_caller_identity()
print(json.dumps({k: r[k] for k in ("Account", "Arn", "UserId")}))
`)
	require.NoError(t, err)
	var py map[string]string
	require.NoError(t, json.Unmarshal([]byte(out), &py))
	require.Equal(t, want, py)

	got, err := sts.NewFromConfig(s.rootConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, want["Arn"], aws.ToString(got.Arn))
	require.Equal(t, want["Account"], aws.ToString(got.Account))
}

// apiCode returns the AWS error code of an SDK error.
func apiCode(t testing.TB, err error) string {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "not an API error: %v", err)
	return ae.ErrorCode()
}

func TestAuthenticationFailuresGetAWSErrorCodes(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()

	// A wrong secret: Query services say SignatureDoesNotMatch, JSON services InvalidSignatureException.
	_, err := s.awsAs(t, testKeyID, "wrong-secret", "", "sts", "get-caller-identity")
	require.ErrorContains(t, err, "SignatureDoesNotMatch")
	_, err = cloudtrail.NewFromConfig(s.sdkConfig(testKeyID, "wrong-secret", "")).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	require.Equal(t, "InvalidSignatureException", apiCode(t, err))

	// An unknown access key.
	_, err = s.awsAs(t, "AKIANOSUCHKEY0000000", testSecret, "", "sts", "get-caller-identity")
	require.ErrorContains(t, err, "InvalidClientTokenId")
	_, err = cloudtrail.NewFromConfig(s.sdkConfig("AKIANOSUCHKEY0000000", testSecret, "")).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	require.Equal(t, "UnrecognizedClientException", apiCode(t, err))

	// A session token sent with a long-term key is an invalid token.
	_, err = sts.NewFromConfig(s.sdkConfig(testKeyID, testSecret, "bogus-token")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.Equal(t, "InvalidClientTokenId", apiCode(t, err))
}

// signedRequest builds a request to the server signed by the SDK's signer at time at.
func signedRequest(t testing.TB, s *server, service, target string, body []byte, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader(body))
	require.NoError(t, err)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, testRegion, at))
	return req
}

func doJSON(t testing.TB, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return resp.StatusCode, m
}

func TestTamperedBodyIsRefused(t *testing.T) {
	s := startServer(t)
	const target = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
	body := []byte(`{"MaxResults":5}`)

	req := signedRequest(t, s, "cloudtrail", target, body, time.Now())
	status, m := doJSON(t, req)
	require.Equal(t, 200, status, m)

	req = signedRequest(t, s, "cloudtrail", target, body, time.Now())
	tampered := []byte(`{"MaxResults":6}`)
	req.Body = io.NopCloser(bytes.NewReader(tampered))
	req.ContentLength = int64(len(tampered))
	status, m = doJSON(t, req)
	require.Equal(t, 400, status)
	require.Equal(t, "InvalidSignatureException", m["__type"])
}

func TestSkewedClockIsRefused(t *testing.T) {
	fake := clock.NewFake(time.Now().Add(20 * time.Minute)) // the server is 20 minutes ahead of the client
	s := startServer(t, withClock(fake))
	ctx := context.Background()

	_, err := cloudtrail.NewFromConfig(s.rootConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	require.Equal(t, "InvalidSignatureException", apiCode(t, err))
	require.ErrorContains(t, err, "Signature expired")

	_, err = s.aws(t, "sts", "get-caller-identity")
	require.ErrorContains(t, err, "SignatureDoesNotMatch")
	require.ErrorContains(t, err, "Signature expired")
}

func TestExpiredPresignedURLIsRefused(t *testing.T) {
	fake := clock.NewFake(time.Now())
	s := startServer(t, withClock(fake))
	req, err := http.NewRequest(http.MethodGet, s.URL+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	require.NoError(t, err)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	url, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, emptySHA256, "sts", testRegion, fake.Now())
	require.NoError(t, err)

	get := func() (int, string) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get()
	require.Equal(t, 200, status, body)
	require.Contains(t, body, "<Account>"+testAccount+"</Account>")

	fake.Advance(61 * time.Second) // past X-Amz-Expires=60
	status, body = get()
	require.Equal(t, 403, status)
	require.Contains(t, body, "<Code>SignatureDoesNotMatch</Code>")
	require.Contains(t, body, "expired")
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestUnsignedRequestsAreRefused(t *testing.T) {
	s := startServer(t)
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, 403, resp.StatusCode)
	require.Contains(t, string(b), "<Code>MissingAuthenticationToken</Code>")
}
