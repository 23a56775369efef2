package sigv4_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/sigv4"
)

// TestSDKSignerOverHTTP signs awkward requests with aws-sdk-go-v2's signer and presigner and sends them
// through a real HTTP server, so the verifier sees them exactly as net/http delivers them.
func TestSDKSignerOverHTTP(t *testing.T) {
	tests := []struct {
		name    string
		s3      bool
		service string
		method  string
		target  string // path and query
		headers [][2]string
		body    string
	}{
		{"kms json", false, "kms", http.MethodPost, "/", [][2]string{
			{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "TrentService.ListKeys"},
		}, `{"Limit":5}`},
		{"header spaces", false, "kms", http.MethodPost, "/", [][2]string{
			{"X-Custom", "  a   b    c  "}, {"X-Other", "x y"},
		}, "{}"},
		{"repeated header", false, "kms", http.MethodPost, "/", [][2]string{
			{"X-Dup", "one"}, {"X-Dup", " two  three "}, {"X-Dup", "one"},
		}, "{}"},
		{"tab in header", false, "kms", http.MethodPost, "/", [][2]string{{"X-Tab", "a\tb  c"}}, "{}"},
		{"query oddities", false, "sqs", http.MethodGet,
			"/?b=2&a=1&a=0&empty=&novalue&sp=a%20b&plus=a+b&tilde=~x&utf=%E2%9C%93&br=%5B%5D&slash=a/b&%C3%A9=1", nil, ""},
		{"escaped path", false, "sqs", http.MethodPost, "/123456789012/my%20queue%2Fx", nil, "Action=SendMessage"},
		{"s3 escaped path", true, "s3", http.MethodPut, "/bucket/a%20b/%E2%9C%93/%2F/~x.y_z-//end", nil, "data"},
		{"s3 sub-delimiters raw", true, "s3", http.MethodPut, "/bucket/a+b/c!d*e(f)g'h$i,j;k=l:m@n&o", nil, "data"},
		{"s3 query", true, "s3", http.MethodGet, "/bucket?list-type=2&prefix=logs%2F2026&delimiter=%2F&max-keys=10", nil, ""},
		{"s3 amz headers", true, "s3", http.MethodPut, "/bucket/key", [][2]string{
			{"X-Amz-Server-Side-Encryption", "aws:kms"}, {"X-Amz-Meta-Owner", "  security   team "}, {"Content-Type", "text/plain"},
		}, "data"},
	}
	for _, tc := range tests {
		for _, creds := range []aws.Credentials{plainCreds, sessionCreds} {
			t.Run(tc.name+"/token="+boolName(creds.SessionToken != ""), func(t *testing.T) {
				vs := newVerifyServer(t, false, tc.s3, testSecret)
				vs.now = fixedNow(testTime)
				signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = tc.s3 })

				// Header auth.
				r := newSignerRequest(t, vs, tc.method, tc.target, tc.headers, tc.body)
				payload := sha256Hex([]byte(tc.body))
				if tc.s3 {
					r.Header.Set("X-Amz-Content-Sha256", payload)
				}
				require.NoError(t, signer.SignHTTP(context.Background(), creds, r, payload, tc.service, testRegion, testTime))
				s := send(t, vs, r)
				require.NoError(t, s.err)
				require.Equal(t, tc.service, s.auth.Service)
				require.Equal(t, creds.SessionToken, s.auth.SecurityToken)
				require.Equal(t, tc.body, string(s.body))

				// Presigned.
				target := tc.target
				if strings.Contains(target, "?") {
					target += "&X-Amz-Expires=900"
				} else {
					target += "?X-Amz-Expires=900"
				}
				r = newSignerRequest(t, vs, tc.method, target, tc.headers, tc.body)
				if tc.s3 {
					payload = "UNSIGNED-PAYLOAD"
				}
				u, hdr, err := signer.PresignHTTP(context.Background(), creds, r, payload, tc.service, testRegion, testTime)
				require.NoError(t, err)
				r = newSignerRequest(t, vs, tc.method, strings.TrimPrefix(u, vs.URL), nil, tc.body)
				for k, v := range hdr {
					if k != "Host" {
						r.Header[k] = v
					}
				}
				s = send(t, vs, r)
				require.NoError(t, s.err)
				require.Equal(t, sigv4.QueryAuth, s.auth.Mode)
				require.Equal(t, creds.SessionToken, s.auth.SecurityToken)
			})
		}
	}
}

func boolName(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func newSignerRequest(t *testing.T, vs *verifyServer, method, target string, headers [][2]string, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, vs.URL+target, strings.NewReader(body))
	require.NoError(t, err)
	for _, h := range headers {
		r.Header.Add(h[0], h[1])
	}
	return r
}

func send(t *testing.T, vs *verifyServer, r *http.Request) seen {
	t.Helper()
	resp, err := vs.Client().Do(r)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return vs.last(t)
}
