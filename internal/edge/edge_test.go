package edge_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/edge"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/sigv4"
)

const (
	account = "111122223333"
	keyID   = "AKIAEDGETEST00000001"
	secret  = "edge/test/secret/000000000000000000000000"
)

// upload is what the test's S3-rule service saw of one PutObject.
type upload struct {
	body     []byte
	mode     sigv4.PayloadMode
	checksum string
}

// putService is a minimal service with S3's signing rules: PUT /<bucket>/<key> reads the verified payload to
// its end, as the S3 service will, and answers with the verified trailing checksum.
func putService(seen chan<- upload) *api.Service {
	put := &api.Op{Name: "PutObject", Action: "s3:PutObject", Exempt: "a test double of the edge: it authorizes nothing", Serve: func(_ context.Context, c *api.Call) (any, error) {
		b, err := io.ReadAll(c.Stream)
		if err != nil {
			return nil, fmt.Errorf("read payload: %w", err)
		}
		u := upload{body: b}
		if c.Payload != nil {
			u.mode = c.Payload.Payload
			if _, v, ok := c.Payload.Checksum(); ok {
				u.checksum = v
			}
		}
		seen <- u
		return etag{u.checksum}, nil
	}}
	return &api.Service{Name: "s3", EventSource: "s3.amazonaws.com", Protocol: awsproto.RESTXML, S3: true,
		Route: func(r *http.Request) *api.Op {
			if r.Method == http.MethodPut && strings.Count(strings.Trim(r.URL.Path, "/"), "/") >= 1 {
				return put
			}
			return nil
		}}
}

type etag struct{ crc string }

func (e etag) WriteResponse(w http.ResponseWriter, _ string) error {
	w.Header().Set("ETag", `"0"`)
	if e.crc != "" {
		w.Header().Set("x-amz-checksum-crc32", e.crc)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// newIdentities returns a real identity store over SQLite whose account has the test's access key.
func newIdentities(t *testing.T) *iam.Service {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	key, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	ids := iam.New(iam.Config{Store: store, Seal: key, Clock: clock.System, Rand: rand.Reader})
	_, err = ids.Bootstrap(context.Background(), iam.BootstrapInput{AccountID: account, AccessKeyID: keyID, SecretAccessKey: secret})
	require.NoError(t, err)
	return ids
}

// newEdge serves the put service over TLS, authenticating against a real identity store.
func newEdge(t *testing.T) (*httptest.Server, <-chan upload) {
	t.Helper()
	seen := make(chan upload, 1)
	h, err := edge.New(edge.Config{Services: []*api.Service{putService(seen)}, Identity: newIdentities(t), Clock: clock.System,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Region: "us-east-1"})
	require.NoError(t, err)
	ts := httptest.NewTLSServer(h)
	t.Cleanup(ts.Close)
	return ts, seen
}

// s3Client is the Go SDK's S3 client with the defaults config.LoadDefaultConfig gives it (checksums "when
// supported", which makes uploads over TLS stream with a trailing checksum).
func s3Client(ts *httptest.Server) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true, HTTPClient: ts.Client(),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""), RetryMaxAttempts: 1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	})
}

// onlyReader hides a reader's other methods, so the SDK cannot seek it and must stream it.
type onlyReader struct{ io.Reader }

func TestSDKStreamingUploadWithTrailerChecksum(t *testing.T) {
	ts, seen := newEdge(t)
	body := bytes.Repeat([]byte("security logs "), 300_000) // 4.2 MB: several chunks
	for name, r := range map[string]io.Reader{"seekable": bytes.NewReader(body), "stream": onlyReader{bytes.NewReader(body)}} {
		t.Run(name, func(t *testing.T) {
			out, err := s3Client(ts).PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String("logs"), Key: aws.String("a/b.json"), Body: r, ContentLength: aws.Int64(int64(len(body))),
			})
			require.NoError(t, err)
			u := <-seen
			require.Equal(t, body, u.body)
			require.Equal(t, sigv4.StreamingUnsignedTrailer, u.mode, "the SDK's default upload format over TLS")
			sum := crc32.ChecksumIEEE(body)
			want := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
			require.Equal(t, want, u.checksum)
			require.Equal(t, want, aws.ToString(out.ChecksumCRC32))
		})
	}
}

// TestCorruptedTrailerChecksumIsRefused sends an aws-chunked body whose trailing CRC32 does not match.
func TestCorruptedTrailerChecksumIsRefused(t *testing.T) {
	ts, seen := newEdge(t)
	payload := []byte("hello, trail")
	send := func(crc string) (int, string) {
		var b bytes.Buffer
		fmt.Fprintf(&b, "%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n", len(payload), payload, crc)
		req, err := http.NewRequest(http.MethodPut, ts.URL+"/logs/obj", bytes.NewReader(b.Bytes()))
		require.NoError(t, err)
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(payload)))
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
			req, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "s3", "us-east-1", time.Now()))
		resp, err := ts.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	sum := crc32.ChecksumIEEE(payload)
	good := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	status, body := send(good)
	require.Equal(t, 200, status, body)
	require.Equal(t, payload, (<-seen).body)

	status, body = send("AAAAAA==")
	require.Equal(t, 400, status)
	var e struct{ Code, Message string }
	require.NoError(t, xml.Unmarshal([]byte(body), &e))
	require.Equal(t, "BadDigest", e.Code)
	require.Equal(t, "The CRC32 you specified did not match the calculated checksum.", e.Message)
	select {
	case <-seen:
		t.Fatal("the service accepted a payload whose checksum failed")
	default:
	}
}

func TestSDKSeesS3AuthErrors(t *testing.T) {
	ts, _ := newEdge(t)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true, HTTPClient: ts.Client(),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, "wrong", ""), RetryMaxAttempts: 1})
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x")})
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, "SignatureDoesNotMatch", ae.ErrorCode())

	c = s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true, HTTPClient: ts.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIANOSUCHKEY0000000", secret, ""), RetryMaxAttempts: 1})
	_, err = c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x")})
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, "InvalidAccessKeyId", ae.ErrorCode())
}
