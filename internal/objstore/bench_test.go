package objstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"
)

// BenchmarkPutObject and BenchmarkGetObject measure the object path below HTTP: encryption in segments,
// hashing, the blob store (local disk, fsync) and the metadata commit, with SSE-S3 and with SSE-KMS and a
// bucket key (the KMS here is the test fake, so the numbers leave out KMS itself, which a bucket key calls
// once per principal and lifetime).
func BenchmarkPutObject(b *testing.B) {
	for _, sse := range []string{"sse-s3", "sse-kms-bucket-key"} {
		for _, size := range []int{4 << 10, 1 << 20, 64 << 20} {
			b.Run(fmt.Sprintf("%s/%s", sse, sizeName(size)), func(b *testing.B) {
				f := benchFixture(b, sse)
				body := make([]byte, size)
				_, _ = rand.Read(body)
				b.SetBytes(int64(size))
				i := 0
				for b.Loop() {
					_, err := f.s.PutObject(context.Background(), f.root, PutInput{Bucket: "bench", Key: fmt.Sprintf("k%d", i%64), Body: bytes.NewReader(body), Size: int64(size)})
					if err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

func BenchmarkGetObject(b *testing.B) {
	for _, sse := range []string{"sse-s3", "sse-kms-bucket-key"} {
		for _, size := range []int{4 << 10, 1 << 20, 64 << 20} {
			b.Run(fmt.Sprintf("%s/%s", sse, sizeName(size)), func(b *testing.B) {
				f := benchFixture(b, sse)
				body := make([]byte, size)
				_, _ = rand.Read(body)
				if _, err := f.s.PutObject(context.Background(), f.root, PutInput{Bucket: "bench", Key: "k", Body: bytes.NewReader(body), Size: int64(size)}); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(size))
				for b.Loop() {
					out, err := f.s.GetObject(context.Background(), f.root, GetInput{Bucket: "bench", Key: "k"})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, out.Body); err != nil {
						b.Fatal(err)
					}
					out.Body.Close()
				}
			})
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

func benchFixture(b *testing.B, sse string) *fixture {
	f := newFixtureTB(b)
	if _, err := f.s.CreateBucket(context.Background(), f.root, CreateBucketInput{Bucket: "bench"}); err != nil {
		b.Fatal(err)
	}
	if sse == "sse-kms-bucket-key" {
		if err := f.s.PutBucketEncryption(context.Background(), f.root, "bench", kmsDefault("bench-key", true)); err != nil {
			b.Fatal(err)
		}
	}
	return f
}
