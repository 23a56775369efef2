package sigv4_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/sigv4"
)

// signKMS returns a KMS request signed at `at` by the SDK's signer.
func signKMS(t *testing.T, body string, at time.Time, creds aws.Credentials) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "https://kms.us-east-1.amazonaws.com/", strings.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "TrentService.Encrypt")
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex([]byte(body)), "kms", testRegion, at))
	return asServerRequest(r)
}

// presignS3 returns a presigned S3 GET made at `at`, valid for expires ("" leaves X-Amz-Expires out).
func presignS3(t *testing.T, at time.Time, expires string) *http.Request {
	t.Helper()
	u := "https://bucket.s3.us-east-1.amazonaws.com/some/key.json"
	if expires != "" {
		u += "?X-Amz-Expires=" + expires
	}
	r, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	signed, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).PresignHTTP(
		context.Background(), plainCreds, r, "UNSIGNED-PAYLOAD", "s3", testRegion, at)
	require.NoError(t, err)
	r, err = http.NewRequest(http.MethodGet, signed, nil)
	require.NoError(t, err)
	return asServerRequest(r)
}

func verifyAt(r *http.Request, now time.Time, s3 bool, body string, cfg sigv4.Config) (*sigv4.Result, error) {
	a, err := sigv4.Parse(r)
	if err != nil {
		return nil, err
	}
	cfg.Now = fixedNow(now)
	return sigv4.NewVerifier(cfg).Verify(sigv4.Request{HTTP: r, Auth: a, Secret: testSecret, S3: s3, Body: []byte(body)})
}

func TestVerifyTime(t *testing.T) {
	const body = `{"KeyId":"alias/lake","Plaintext":"aGVsbG8="}`
	s3Signed := func(t *testing.T) *http.Request {
		r, err := http.NewRequest(http.MethodGet, "https://s3.us-east-1.amazonaws.com/bucket/key", nil)
		require.NoError(t, err)
		signS3(t, r, "UNSIGNED-PAYLOAD", testTime)
		return asServerRequest(r)
	}
	kms := func(t *testing.T) *http.Request { return signKMS(t, body, testTime, plainCreds) }
	tests := []struct {
		name    string
		req     func(t *testing.T) *http.Request
		s3      bool
		offset  time.Duration // now - signing time
		maxSkew time.Duration
		want    sigv4.Kind
		msg     string
	}{
		{"json on time", kms, false, 0, 0, 0, ""},
		{"json 5 minutes late", kms, false, 5 * time.Minute, 0, 0, ""},
		{"json 5 minutes early", kms, false, -5 * time.Minute, 0, 0, ""},
		{"json too late", kms, false, 10 * time.Minute, 0, sigv4.KindSkewed,
			"Signature expired: 20260314T150926Z is now earlier than 20260314T151426Z (20260314T151926Z - 5 min.)"},
		{"json too early", kms, false, -6 * time.Minute, 0, sigv4.KindSkewed,
			"Signature not yet current: 20260314T150926Z is still later than 20260314T150826Z (20260314T150326Z + 5 min.)"},
		{"json custom skew", kms, false, 2 * time.Minute, time.Minute, sigv4.KindSkewed, "(20260314T151126Z - 1 min.)"},
		{"s3 14 minutes late", s3Signed, true, 14 * time.Minute, 0, 0, ""},
		{"s3 16 minutes late", s3Signed, true, 16 * time.Minute, 0, sigv4.KindSkewed, "The difference between the request time and the current time is too large."},
		{"s3 16 minutes early", s3Signed, true, -16 * time.Minute, 0, sigv4.KindSkewed, "too large"},
		{"presigned valid", func(t *testing.T) *http.Request { return presignS3(t, testTime, "3600") }, true, 59 * time.Minute, 0, 0, ""},
		{"presigned a week", func(t *testing.T) *http.Request { return presignS3(t, testTime, "604800") }, true, 6 * 24 * time.Hour, 0, 0, ""},
		{"presigned expired", func(t *testing.T) *http.Request { return presignS3(t, testTime, "3600") }, true, 61 * time.Minute, 0, sigv4.KindExpired, "Request has expired"},
		{"presigned not yet valid", func(t *testing.T) *http.Request { return presignS3(t, testTime, "3600") }, true, -16 * time.Minute, 0, sigv4.KindNotYetValid, "Request is not valid yet"},
		{"presigned slightly early", func(t *testing.T) *http.Request { return presignS3(t, testTime, "3600") }, true, -14 * time.Minute, 0, 0, ""},
		{"presigned s3 without expires", func(t *testing.T) *http.Request { return presignS3(t, testTime, "") }, true, 0, 0, sigv4.KindMalformed, "X-Amz-Expires"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifyAt(tc.req(t), testTime.Add(tc.offset), tc.s3, body, sigv4.Config{MaxSkew: tc.maxSkew})
			if tc.want == 0 {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tc.want, sigv4.KindOf(err), "%v", err)
			var e *sigv4.Error
			require.ErrorAs(t, err, &e)
			require.Contains(t, e.Message, tc.msg)
			switch tc.want {
			case sigv4.KindSkewed:
				require.Equal(t, "20260314T150926Z", e.RequestTime)
				require.Equal(t, testTime.Add(tc.offset), e.ServerTime)
				require.NotZero(t, e.MaxAllowedSkew)
			case sigv4.KindExpired:
				require.Equal(t, time.Hour, e.Expires)
				require.Equal(t, testTime.Add(time.Hour), e.ExpiresAt)
			}
		})
	}
}

func TestVerifyNonS3PresignDefaultExpiry(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	require.NoError(t, err)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), sessionCreds, r, sha256Hex(nil), "sts", testRegion, testTime)
	require.NoError(t, err)
	r, err = http.NewRequest(http.MethodGet, signed, nil)
	require.NoError(t, err)
	r = asServerRequest(r)
	fake := clock.NewFake(testTime.Add(14 * time.Minute))
	a, err := sigv4.Parse(r)
	require.NoError(t, err)
	v := sigv4.NewVerifier(sigv4.Config{Now: fake.Now})
	_, err = v.Verify(sigv4.Request{HTTP: r, Auth: a, Secret: testSecret})
	require.NoError(t, err)
	fake.Advance(2 * time.Minute)
	_, err = v.Verify(sigv4.Request{HTTP: r, Auth: a, Secret: testSecret})
	require.Equal(t, sigv4.KindExpired, sigv4.KindOf(err))
}

func TestVerifyS3Payload(t *testing.T) {
	build := func(t *testing.T, payloadHash, body string, edit func(r *http.Request)) *http.Request {
		r, err := http.NewRequest(http.MethodPut, "https://s3.us-east-1.amazonaws.com/bucket/key", strings.NewReader(body))
		require.NoError(t, err)
		if edit != nil {
			edit(r)
		}
		if payloadHash == "" {
			require.NoError(t, v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(
				context.Background(), plainCreds, r, sha256Hex([]byte(body)), "s3", testRegion, testTime))
		} else {
			signS3(t, r, payloadHash, testTime)
		}
		return asServerRequest(r)
	}
	set := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	tests := []struct {
		name    string
		r       func(t *testing.T) *http.Request
		want    sigv4.Kind // from Verify
		wantEOF sigv4.Kind // from reading the body
		msg     string
	}{
		{"literal hash", func(t *testing.T) *http.Request { return build(t, sha256Hex([]byte("hello")), "hello", nil) }, 0, 0, ""},
		{"literal upper-case hash", func(t *testing.T) *http.Request {
			return build(t, strings.ToUpper(sha256Hex([]byte("hello"))), "hello", nil)
		}, 0, 0, ""},
		{"literal hash of other body", func(t *testing.T) *http.Request { return build(t, sha256Hex([]byte("hello")), "hellO", nil) },
			0, sigv4.KindContentSHA256Mismatch, ""},
		{"unsigned payload", func(t *testing.T) *http.Request { return build(t, "UNSIGNED-PAYLOAD", "anything", nil) }, 0, 0, ""},
		{"missing content sha256", func(t *testing.T) *http.Request { return build(t, "", "x", nil) },
			sigv4.KindInvalidRequest, 0, "Missing required header for this request: x-amz-content-sha256"},
		{"invalid content sha256", func(t *testing.T) *http.Request { return build(t, "abc", "x", nil) },
			sigv4.KindInvalidContentSHA256, 0, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD"},
		{"ecdsa streaming", func(t *testing.T) *http.Request {
			return build(t, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "x", nil)
		}, sigv4.KindUnsupported, 0, "SigV4a"},
		{"unsigned amz header", func(t *testing.T) *http.Request {
			r := build(t, "UNSIGNED-PAYLOAD", "x", nil)
			r.Header.Set("X-Amz-Server-Side-Encryption", "aws:kms")
			r.Header.Set("x-amz-meta-Owner", "eve")
			return r
		}, sigv4.KindHeadersNotSigned, 0, "There were headers present in the request which were not signed"},
		{"two trailers", func(t *testing.T) *http.Request {
			return build(t, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "0\r\n\r\n", set("X-Amz-Trailer", "x-amz-checksum-crc32,x-amz-checksum-sha1"))
		}, sigv4.KindInvalidRequest, 0, "Multiple checksum Types are not allowed"},
		{"unsupported trailer", func(t *testing.T) *http.Request {
			return build(t, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "0\r\n\r\n", set("X-Amz-Trailer", "x-amz-meta-foo"))
		}, sigv4.KindInvalidRequest, 0, "x-amz-trailer header is not supported"},
		{"bad decoded length", func(t *testing.T) *http.Request {
			return build(t, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "0\r\n\r\n", set("X-Amz-Decoded-Content-Length", "ten"))
		}, sigv4.KindInvalidRequest, 0, "x-amz-decoded-content-length"},
		{"payload hash changed after signing", func(t *testing.T) *http.Request {
			r := build(t, "UNSIGNED-PAYLOAD", "x", nil)
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte("x")))
			return r
		}, sigv4.KindSignatureMismatch, 0, "Check your key and signing method."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := verifyAt(tc.r(t), testTime, true, "", sigv4.Config{})
			if tc.want != 0 {
				require.Equal(t, tc.want, sigv4.KindOf(err), "%v", err)
				var e *sigv4.Error
				require.ErrorAs(t, err, &e)
				require.Contains(t, e.Message, tc.msg)
				if tc.want == sigv4.KindHeadersNotSigned {
					require.Equal(t, []string{"x-amz-meta-owner", "x-amz-server-side-encryption"}, e.HeadersNotSigned)
				}
				return
			}
			require.NoError(t, err)
			_, err = io.ReadAll(res.Body)
			require.Equal(t, tc.wantEOF, sigv4.KindOf(err), "%v", err)
		})
	}
}

func TestVerifyS3TruncatedBody(t *testing.T) {
	for _, hash := range []string{sha256Hex([]byte("hello world")), "UNSIGNED-PAYLOAD"} {
		r, err := http.NewRequest(http.MethodPut, "https://s3.us-east-1.amazonaws.com/bucket/key", nil)
		require.NoError(t, err)
		signS3(t, r, hash, testTime)
		r.Body = io.NopCloser(io.MultiReader(strings.NewReader("hello"), iotest.ErrReader(io.ErrUnexpectedEOF)))
		res, err := verifyAt(asServerRequest(r), testTime, true, "", sigv4.Config{})
		require.NoError(t, err)
		_, err = io.ReadAll(res.Body)
		require.Equal(t, sigv4.KindIncompleteBody, sigv4.KindOf(err))
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	}
}

func TestVerifyMismatchDetails(t *testing.T) {
	r := signKMS(t, `{"a":1}`, testTime, plainCreds)
	_, err := verifyAt(r, testTime, false, `{"a":2}`, sigv4.Config{})
	var e *sigv4.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, sigv4.KindSignatureMismatch, e.Kind)
	require.Equal(t, "The request signature we calculated does not match the signature you provided. "+
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", e.Message)
	require.Equal(t, testAKID, e.AccessKeyID)
	require.True(t, strings.HasPrefix(e.CanonicalRequest, "POST\n/\n\ncontent-length:7\ncontent-type:application/x-amz-json-1.1\nhost:kms.us-east-1.amazonaws.com\n"))
	require.True(t, strings.HasSuffix(e.CanonicalRequest, "\n"+sha256Hex([]byte(`{"a":2}`))))
	require.True(t, strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n20260314T150926Z\n20260314/us-east-1/kms/aws4_request\n"))
	require.NotContains(t, e.Error(), testSecret)
	require.NotContains(t, e.CanonicalRequest+e.StringToSign, testSecret)
}

func TestVerifyNonS3Result(t *testing.T) {
	const body = `{"KeyId":"k"}`
	res, err := verifyAt(signKMS(t, body, testTime, plainCreds), testTime, false, body, sigv4.Config{})
	require.NoError(t, err)
	require.Equal(t, sigv4.SignedPayload, res.Payload)
	require.Equal(t, int64(len(body)), res.DecodedLength)
	got, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, body, string(got))
	_, _, ok := res.Checksum()
	require.False(t, ok)
}

func TestVerifyKeyCacheIsolation(t *testing.T) {
	// One verifier, one scope, two secrets: the cached key of one must never verify the other's signatures.
	v := sigv4.NewVerifier(sigv4.Config{Now: fixedNow(testTime)})
	const body = "{}"
	other := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "another-secret"}
	tests := []struct {
		signer aws.Credentials
		secret string
		ok     bool
	}{
		{plainCreds, testSecret, true},
		{plainCreds, other.SecretAccessKey, false},
		{other, other.SecretAccessKey, true},
		{other, testSecret, false},
		{plainCreds, testSecret, true},
	}
	for i, tc := range tests {
		r := signKMS(t, body, testTime, tc.signer)
		a, err := sigv4.Parse(r)
		require.NoError(t, err)
		_, err = v.Verify(sigv4.Request{HTTP: r, Auth: a, Secret: tc.secret, Body: []byte(body)})
		if tc.ok {
			require.NoError(t, err, "step %d", i)
		} else {
			require.Equal(t, sigv4.KindSignatureMismatch, sigv4.KindOf(err), "step %d", i)
		}
	}
}

func TestVerifyConcurrent(t *testing.T) {
	type signed struct {
		r      *http.Request
		a      *sigv4.Auth
		secret string
		body   string
	}
	var reqs []signed
	for i := range 64 {
		creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret + string(rune('a'+i%3))}
		body := `{"n":` + string(rune('0'+i%10)) + `}`
		r := signKMS(t, body, testTime, creds)
		a, err := sigv4.Parse(r)
		require.NoError(t, err)
		reqs = append(reqs, signed{r, a, creds.SecretAccessKey, body})
	}
	v := sigv4.NewVerifier(sigv4.Config{Now: fixedNow(testTime)})
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(reqs); i += 8 {
				s := reqs[i]
				_, errs[i] = v.Verify(sigv4.Request{HTTP: s.r, Auth: s.a, Secret: s.secret, Body: []byte(s.body)})
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}

func TestVerifyRequiresRequest(t *testing.T) {
	_, err := sigv4.NewVerifier(sigv4.Config{}).Verify(sigv4.Request{})
	require.Error(t, err)
	require.Equal(t, sigv4.Kind(0), sigv4.KindOf(err))
	require.Equal(t, "unknown", sigv4.Kind(0).String())
	require.Equal(t, "signature mismatch", sigv4.KindSignatureMismatch.String())
	require.True(t, bytes.Contains([]byte(sigv4.StreamingUnsignedTrailer.String()), []byte("UNSIGNED")))
}
