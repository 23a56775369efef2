// Package blob defines seclake's byte store: where object bodies, queue payloads and lake files live, always
// as ciphertext (the packages above encrypt before they write).
//
// Implementations: blob/localfs (the embedded default) and blob/s3blob (any S3-compatible API). Both
// pass the conformance suite in blob/blobtest.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Errors returned by stores. Implementations wrap them, so test with errors.Is.
var (
	// ErrNotFound is returned when the key does not exist.
	ErrNotFound = errors.New("blob: not found")
	// ErrInvalidKey is returned for a key that ValidKey rejects.
	ErrInvalidKey = errors.New("blob: invalid key")
	// ErrInvalidRange is returned by GetRange for a range that starts beyond the end of the blob.
	ErrInvalidRange = errors.New("blob: invalid range")
)

// Store keeps blobs under keys. All methods are safe for concurrent use.
type Store interface {
	// Put stores everything r yields under key, atomically: readers see either the old blob or the whole new
	// one, never a part. If r returns an error (other than io.EOF) or ctx ends, nothing is stored and Put
	// returns that error. A nil return means the blob is durable.
	Put(ctx context.Context, key string, r io.Reader) (Info, error)
	// Get opens the blob for reading. The caller must close the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// GetRange opens n bytes of the blob starting at off (to the end if n < 0, fewer if the blob is shorter).
	GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error)
	// Stat returns the blob's size and modification time.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the blob. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for each blob whose key starts with prefix, in key order, until fn returns false.
	List(ctx context.Context, prefix string, fn func(Info) bool) error
}

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// ValidKey reports whether key can name a blob: non-empty, at most 1024 bytes, made of slash-separated
// segments of ASCII letters, digits and "-_.=", with no empty, "." or ".." segment. Blob keys are chosen by
// seclake itself (object IDs, partition paths), never taken verbatim from users.
func ValidKey(key string) error {
	if key == "" || len(key) > 1024 {
		return fmt.Errorf("%w: %q: length must be 1-1024", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q: empty, . or .. segment", ErrInvalidKey, key)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.=", c) >= 0
			if !ok {
				return fmt.Errorf("%w: %q: character %q not allowed", ErrInvalidKey, key, c)
			}
		}
	}
	return nil
}
