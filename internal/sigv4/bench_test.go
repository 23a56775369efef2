package sigv4_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/sigv4"
)

// kmsBenchRequest is a KMS Encrypt request as aws-sdk-go-v2 sends it: header auth, eight signed headers
// (a session token among them) and a 200-byte JSON body.
func kmsBenchRequest(b *testing.B) (*http.Request, []byte) {
	body := []byte(`{"KeyId":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",` +
		`"Plaintext":"c2VjbGFrZSBiZW5jaG1hcmsgcGxhaW50ZXh0IGJ5dGVz","EncryptionContext":{"purpose":"bench"}}`)
	body = append(body, bytes.Repeat([]byte(" "), 200-len(body))...)
	r, err := http.NewRequest(http.MethodPost, "https://kms.us-east-1.amazonaws.com/", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "TrentService.Encrypt")
	r.Header.Set("Amz-Sdk-Invocation-Id", "8c0c4f0e-4d3b-4b7e-9f0e-2b8f3c1d5a6e")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7 os/linux lang/go#1.26 md/GOOS#linux api/kms#1.62.4")
	if err := v4.NewSigner().SignHTTP(context.Background(), sessionCreds, r, sha256Hex(body), "kms", testRegion, testTime); err != nil {
		b.Fatal(err)
	}
	return asServerRequest(r), body
}

func BenchmarkVerifyKMS(b *testing.B) {
	r, body := kmsBenchRequest(b)
	a, err := sigv4.Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	if len(a.SignedHeaders) != 8 {
		b.Fatalf("signed headers %v", a.SignedHeaders)
	}
	for _, tc := range []struct {
		name string
		warm bool // one Verifier for all iterations, so its key cache is warm
	}{{"warm-key-cache", true}, {"cold-key", false}} {
		b.Run(tc.name, func(b *testing.B) {
			v := sigv4.NewVerifier(sigv4.Config{Now: fixedNow(testTime)})
			b.ReportAllocs()
			defer reportCPU(b, cputime.Used(), 0)
			for b.Loop() {
				a, err := sigv4.Parse(r)
				if err != nil {
					b.Fatal(err)
				}
				if !tc.warm {
					v = sigv4.NewVerifier(sigv4.Config{Now: fixedNow(testTime)})
				}
				if _, err := v.Verify(sigv4.Request{HTTP: r, Auth: a, Secret: testSecret, Body: body}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkChunkDecode(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), (1<<20)/16) // 1 MiB
	tests := []struct {
		name string
		spec streamSpec
	}{
		{"signed", streamSpec{mode: signedMode, data: data, chunkSize: 64 << 10}},
		{"signed-trailer-crc32c", streamSpec{mode: signedTrailerMode, data: data, chunkSize: 64 << 10, trailer: checksum.CRC32C}},
		{"unsigned-trailer-crc32", streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 64 << 10, trailer: checksum.CRC32}},
		{"unsigned-trailer-crc64nvme", streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 64 << 10, trailer: checksum.CRC64NVME}},
		{"unsigned-no-checksum", streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 64 << 10}},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			t := &testing.T{}
			r := newStreamRequest(t, tc.spec, nil)
			encoded, err := io.ReadAll(r.Body)
			if err != nil {
				b.Fatal(err)
			}
			a, err := sigv4.Parse(r)
			if err != nil {
				b.Fatal(err)
			}
			v := sigv4.NewVerifier(sigv4.Config{Now: fixedNow(testTime)})
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			defer reportCPU(b, cputime.Used(), len(data))
			for b.Loop() {
				r.Body = io.NopCloser(bytes.NewReader(encoded))
				res, err := v.Verify(sigv4.Request{HTTP: r, Auth: a, Secret: testSecret, S3: true})
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, onlyReader{res.Body}, buf)
				if err != nil || n != int64(len(data)) {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// reportCPU adds the process CPU time per operation since start (and, for n bytes per operation, the
// throughput per CPU-second): unlike ns/op these do not grow when other work shares the machine.
func reportCPU(b *testing.B, start time.Duration, n int) {
	used := cputime.Used() - start
	if used <= 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	if n > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/used.Seconds()/1e6, "cpu-MB/s")
	}
}
