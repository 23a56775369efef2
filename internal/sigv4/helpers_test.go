package sigv4_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/sigv4"
)

const (
	testAKID   = "AKIDSECLAKETEST"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
)

var testTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

// hmacSHA256 and signingKey implement the SigV4 key chain from the AWS documentation, independently of the
// package under test, for the test's own chunk signer.
func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// signS3 signs r for S3 at time at with the SDK's signer, setting x-amz-content-sha256 to payloadHash first so
// that it is signed like the SDK's S3 client does.
func signS3(t *testing.T, r *http.Request, payloadHash string, at time.Time) {
	t.Helper()
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(
		context.Background(), aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret},
		r, payloadHash, "s3", testRegion, at)
	require.NoError(t, err)
}

// asServerRequest gives a client-built request the shape net/http gives requests it serves.
func asServerRequest(r *http.Request) *http.Request {
	if r.ContentLength > 0 && r.Header.Get("Content-Length") == "" {
		r.Header.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	r.RequestURI = r.URL.RequestURI()
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	return r
}

// verifyS3 parses and verifies r as S3 at now and reads the whole body.
func verifyS3(t *testing.T, r *http.Request, now time.Time) (*sigv4.Result, []byte, error) {
	t.Helper()
	a, err := sigv4.Parse(r)
	require.NoError(t, err)
	require.NotNil(t, a)
	res, err := sigv4.NewVerifier(sigv4.Config{Now: fixedNow(now)}).Verify(sigv4.Request{HTTP: r, Auth: a, Secret: testSecret, S3: true})
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

func newBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
