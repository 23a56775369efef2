package sigv4_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/sigv4"
)

// seen is what the verifying server saw of one request.
type seen struct {
	auth    *sigv4.Auth
	payload sigv4.PayloadMode
	body    []byte
	alg     checksum.Algorithm
	sum     string
	err     error
}

// verifyServer is an HTTP server that verifies every request with the package under test, the way the
// edge will: Parse, look up the secret, Verify, read the body.
type verifyServer struct {
	*httptest.Server
	s3     bool
	secret string
	now    func() time.Time
	mu     sync.Mutex
	seen   []seen
}

func newVerifyServer(t *testing.T, useTLS, s3 bool, secret string) *verifyServer {
	// The SDK clients sign with the wall clock, so by default the verifier uses it too.
	vs := &verifyServer{s3: s3, secret: secret, now: time.Now}
	h := http.HandlerFunc(vs.serve)
	if useTLS {
		vs.Server = httptest.NewTLSServer(h)
	} else {
		vs.Server = httptest.NewServer(h)
	}
	t.Cleanup(vs.Close)
	return vs
}

func (vs *verifyServer) serve(w http.ResponseWriter, r *http.Request) {
	s := vs.verify(r)
	vs.mu.Lock()
	vs.seen = append(vs.seen, s)
	vs.mu.Unlock()
	switch {
	case s.err != nil && vs.s3:
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<Error><Code>SignatureDoesNotMatch</Code><Message>`+sigv4.KindOf(s.err).String()+`</Message></Error>`)
	case s.err != nil:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidSignatureException", "message": s.err.Error()})
	case vs.s3 && r.Method == http.MethodGet:
		_, _ = io.WriteString(w, "object body")
	case vs.s3:
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "TrentService."):
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Keys":[],"Truncated":false}`)
	default: // STS GetCallerIdentity
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/test</Arn>`+
			`<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	}
}

func (vs *verifyServer) verify(r *http.Request) seen {
	a, err := sigv4.Parse(r)
	if err != nil || a == nil {
		return seen{err: err}
	}
	req := sigv4.Request{HTTP: r, Auth: a, Secret: vs.secret, S3: vs.s3}
	if !vs.s3 {
		if req.Body, err = io.ReadAll(r.Body); err != nil {
			return seen{auth: a, err: err}
		}
	}
	res, err := sigv4.NewVerifier(sigv4.Config{Now: vs.now}).Verify(req)
	if err != nil {
		return seen{auth: a, err: err}
	}
	body, err := io.ReadAll(res.Body)
	s := seen{auth: a, payload: res.Payload, body: body, err: err}
	s.alg, s.sum, _ = res.Checksum()
	return s
}

func (vs *verifyServer) last(t *testing.T) seen {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	require.NotEmpty(t, vs.seen)
	s := vs.seen[len(vs.seen)-1]
	vs.seen = nil
	return s
}

func (vs *verifyServer) s3Client(creds aws.Credentials) *s3.Client {
	return s3.New(s3.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(vs.URL),
		UsePathStyle: true,
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		HTTPClient:   vs.Client(),
	})
}

var (
	plainCreds   = aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	sessionCreds = aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: "FwoGZXIvYXdzEJr//////////wEaDH+session/token=="}
)

// onlyReader hides a reader's other methods so the SDK sees a stream it cannot seek.
type onlyReader struct{ io.Reader }

func TestSDKPutObject(t *testing.T) {
	data := bytes.Repeat([]byte("security lake object "), 20000) // 420000 bytes, several chunks
	tests := []struct {
		name    string
		tls     bool
		creds   aws.Credentials
		key     string
		body    func() io.Reader
		alg     types.ChecksumAlgorithm
		payload sigv4.PayloadMode
	}{
		// A seekable body without a chosen algorithm gets its CRC32 computed up front, sent as a header.
		{"https default checksum", true, plainCreds, "logs/a.json", func() io.Reader { return bytes.NewReader(data) }, "", sigv4.UnsignedPayload},
		{"https crc64nvme", true, sessionCreds, "logs/b.json", func() io.Reader { return bytes.NewReader(data) }, types.ChecksumAlgorithmCrc64nvme, sigv4.StreamingUnsignedTrailer},
		{"https sha256 stream", true, plainCreds, "logs/c.json", func() io.Reader { return onlyReader{bytes.NewReader(data)} }, types.ChecksumAlgorithmSha256, sigv4.StreamingUnsignedTrailer},
		{"http seekable", false, sessionCreds, "logs/d.json", func() io.Reader { return bytes.NewReader(data) }, types.ChecksumAlgorithmCrc32c, sigv4.SignedPayload},
		{"http empty", false, plainCreds, "empty", func() io.Reader { return bytes.NewReader(nil) }, "", sigv4.SignedPayload},
		{"odd key", true, plainCreds, "dir/a b+c/ü é/!*'();:@&=$,~.%2F.txt", func() io.Reader { return bytes.NewReader(data[:100]) }, types.ChecksumAlgorithmCrc32, sigv4.StreamingUnsignedTrailer},
		{"odd key http", false, plainCreds, "x//y/./z/../ key with  spaces/日本", func() io.Reader { return bytes.NewReader(data[:100]) }, "", sigv4.SignedPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := newVerifyServer(t, tc.tls, true, testSecret)
			in := &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String(tc.key), Body: tc.body(), ChecksumAlgorithm: tc.alg}
			if _, ok := in.Body.(onlyReader); ok {
				in.ContentLength = aws.Int64(int64(len(data)))
			}
			_, err := vs.s3Client(tc.creds).PutObject(context.Background(), in)
			s := vs.last(t)
			require.NoError(t, s.err)
			require.NoError(t, err)
			require.Equal(t, tc.payload, s.payload)
			require.Equal(t, "s3", s.auth.Service)
			require.Equal(t, tc.creds.SessionToken, s.auth.SecurityToken)
			if tc.payload == sigv4.StreamingUnsignedTrailer {
				require.NotEmpty(t, s.alg, "the SDK sends a trailing checksum")
				h := s.alg.New()
				h.Write(s.body)
				require.Equal(t, checksum.Encode(h.Sum(nil)), s.sum)
			}
			want := data
			if tc.name == "http empty" {
				want = nil
			} else if strings.HasPrefix(tc.name, "odd key") {
				want = data[:100]
			}
			require.Equal(t, len(want), len(s.body))
			require.True(t, bytes.Equal(want, s.body))
		})
	}
}

func TestSDKWrongSecret(t *testing.T) {
	tests := []struct {
		name string
		s3   bool
		tls  bool
	}{
		{"s3 https", true, true},
		{"s3 http", true, false},
		{"kms", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := newVerifyServer(t, tc.tls, tc.s3, testSecret+"x")
			var err error
			if tc.s3 {
				_, err = vs.s3Client(plainCreds).PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("data")})
			} else {
				_, err = kmsClient(vs, plainCreds).ListKeys(context.Background(), &kms.ListKeysInput{})
			}
			require.Error(t, err)
			s := vs.last(t)
			require.Equal(t, sigv4.KindSignatureMismatch, sigv4.KindOf(s.err))
		})
	}
}

func kmsClient(vs *verifyServer, creds aws.Credentials) *kms.Client {
	return kms.New(kms.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(vs.URL),
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		HTTPClient:   vs.Client(),
	})
}

func TestSDKKMS(t *testing.T) {
	for _, creds := range []aws.Credentials{plainCreds, sessionCreds} {
		vs := newVerifyServer(t, false, false, testSecret)
		_, err := kmsClient(vs, creds).ListKeys(context.Background(), &kms.ListKeysInput{Limit: aws.Int32(10)})
		require.NoError(t, err)
		s := vs.last(t)
		require.NoError(t, s.err)
		require.Equal(t, "kms", s.auth.Service)
		require.Equal(t, sigv4.HeaderAuth, s.auth.Mode)
		require.Equal(t, creds.SessionToken, s.auth.SecurityToken)
		require.JSONEq(t, `{"Limit":10}`, string(s.body))
	}
}

func TestSDKPresignS3(t *testing.T) {
	for _, creds := range []aws.Credentials{plainCreds, sessionCreds} {
		vs := newVerifyServer(t, true, true, testSecret)
		presign := s3.NewPresignClient(vs.s3Client(creds), s3.WithPresignExpires(10*time.Minute))
		ctx := context.Background()

		get, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a key/ü.txt")})
		require.NoError(t, err)
		put, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("bucket"), Key: aws.String("upload.bin"), ContentType: aws.String("application/octet-stream"),
		})
		require.NoError(t, err)

		for _, p := range []struct {
			method, url string
			header      http.Header
			body        string
		}{{get.Method, get.URL, get.SignedHeader, ""}, {put.Method, put.URL, put.SignedHeader, "uploaded bytes"}} {
			req, err := http.NewRequest(p.method, p.url, strings.NewReader(p.body))
			require.NoError(t, err)
			for k, v := range p.header {
				if k != "Host" {
					req.Header[k] = v
				}
			}
			resp, err := vs.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			s := vs.last(t)
			require.NoError(t, s.err)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, sigv4.QueryAuth, s.auth.Mode)
			require.Equal(t, 10*time.Minute, s.auth.Expires)
			require.Equal(t, creds.SessionToken, s.auth.SecurityToken)
			require.Equal(t, sigv4.UnsignedPayload, s.payload)
			require.Equal(t, p.body, string(s.body))

			// The same URL with its path changed no longer verifies.
			req, err = http.NewRequest(p.method, strings.Replace(p.url, "/bucket/", "/bucket2/", 1), strings.NewReader(p.body))
			require.NoError(t, err)
			req.Header = p.header.Clone()
			req.Header.Del("Host")
			resp, err = vs.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, sigv4.KindSignatureMismatch, sigv4.KindOf(vs.last(t).err))
		}
	}
}

func TestSDKPresignSTS(t *testing.T) {
	vs := newVerifyServer(t, false, false, testSecret)
	client := sts.New(sts.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(vs.URL),
		Credentials:  credentials.StaticCredentialsProvider{Value: sessionCreds},
		HTTPClient:   vs.Client(),
	})
	p, err := sts.NewPresignClient(client).PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	req, err := http.NewRequest(p.Method, p.URL, nil)
	require.NoError(t, err)
	resp, err := vs.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	s := vs.last(t)
	require.NoError(t, s.err)
	require.Equal(t, sigv4.QueryAuth, s.auth.Mode)
	require.Equal(t, "sts", s.auth.Service)
	require.Equal(t, sessionCreds.SessionToken, s.auth.SecurityToken)

	// Header-signed STS through the client as well.
	_, err = client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.NoError(t, vs.last(t).err)
}
