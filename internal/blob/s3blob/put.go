package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/seclake/seclake/internal/blob"
)

const (
	// maxParts is S3's limit on the parts of one multipart upload.
	maxParts = 10000
	// abortTimeout bounds the request that aborts a failed upload, which runs after the caller's context
	// may have ended.
	abortTimeout = time.Minute
)

// ErrTooLarge is returned by Put for a blob with more bytes than a multipart upload of the configured part
// size can hold (55,000 parts' worth; see Store.partSize).
var ErrTooLarge = errors.New("s3blob: blob too large for a multipart upload")

// Put stores everything r yields under key. A blob of at most one part is sent with one PutObject once the
// reader has ended; a larger one is a multipart upload, completed only after the reader ended and every
// part was stored, and aborted otherwise.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (blob.Info, error) {
	name, err := s.objectKey(key)
	if err != nil {
		return blob.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob.Info{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	buf, n, eof, err := s.readFirst(r)
	if err != nil {
		s.buffers.put(buf)
		return blob.Info{}, fmt.Errorf("put blob %s: read: %w", key, err)
	}
	if !eof {
		size, err := s.putMultipart(ctx, name, buf, r)
		if err != nil {
			return blob.Info{}, fmt.Errorf("put blob %s: %w", key, err)
		}
		return blob.Info{Key: key, Size: size, ModTime: s.clock.Now()}, nil
	}
	defer s.buffers.put(buf)
	if err := ctx.Err(); err != nil {
		return blob.Info{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &name, Body: bytes.NewReader((*buf)[:n]), ContentLength: aws.Int64(int64(n)),
	})
	if err != nil {
		return blob.Info{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	return blob.Info{Key: key, Size: int64(n), ModTime: s.clock.Now()}, nil
}

// readFirst reads the start of a blob, up to one part, into the smallest buffer class that holds it, and
// reports whether the reader ended.
func (s *Store) readFirst(r io.Reader) (buf *[]byte, n int, eof bool, err error) {
	for class := range s.buffers.sizes {
		next := s.buffers.get(class)
		if buf != nil {
			copy(*next, (*buf)[:n])
			s.buffers.put(buf)
		}
		buf = next
		m, end, err := fill(r, (*buf)[n:])
		n += m
		if err != nil || end {
			return buf, n, end, err
		}
	}
	return buf, n, false, nil
}

// fill reads into b until it is full or the reader ends, and reports whether it ended.
func fill(r io.Reader, b []byte) (n int, eof bool, err error) {
	n, err = io.ReadFull(r, b)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return n, true, nil
	}
	return n, false, err
}

// partSize returns the size of part num (from 1): the configured size for the first 1000 parts, one more
// configured size for every 1000 after, so that 10,000 parts hold 55,000 configured sizes (430 GiB at 8 MiB)
// while small uploads keep small parts.
func (s *Store) partSize(num int) int64 { return s.part * int64(1+(num-1)/1000) }

// putMultipart uploads the blob that starts with the full part in first and continues in r, and returns its
// size. It aborts the upload on any failure.
func (s *Store) putMultipart(ctx context.Context, name string, first *[]byte, r io.Reader) (int64, error) {
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &name})
	if err != nil {
		s.buffers.put(first)
		return 0, fmt.Errorf("create multipart upload: %w", err)
	}
	id := aws.ToString(created.UploadId)
	size, parts, err := s.uploadParts(ctx, name, id, first, r)
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &s.bucket, Key: &name, UploadId: &id, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		if err != nil {
			err = fmt.Errorf("complete multipart upload: %w", err)
		}
	}
	if err != nil {
		return 0, s.abort(ctx, name, id, err)
	}
	return size, nil
}

// abort aborts a failed upload, so that its parts do not linger, and returns cause (with the abort's own
// failure, if any).
func (s *Store) abort(ctx context.Context, name, id string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &name, UploadId: &id})
	if err != nil && apiCode(err) != "NoSuchUpload" {
		return errors.Join(cause, fmt.Errorf("abort multipart upload %s (its parts stay until a lifecycle rule removes them): %w", id, err))
	}
	return cause
}

// uploadParts sends first and then the rest of r as parts of upload id, at most s.conc at once, and returns
// the size and the parts in order. The caller's cancellation and the reader's failure take precedence over
// the part failures they cause.
func (s *Store) uploadParts(ctx context.Context, name, id string, first *[]byte, r io.Reader) (int64, []types.CompletedPart, error) {
	pctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	g, gctx := errgroup.WithContext(pctx)
	g.SetLimit(s.conc)
	var (
		mu      sync.Mutex
		parts   []types.CompletedPart
		size    int64
		readErr error
	)
	buf, n, eof := first, len(*first), false
	for num := 1; ; num++ {
		if n > 0 && num > maxParts {
			s.buffers.put(buf)
			readErr = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, size)
			break
		}
		if n > 0 {
			size += int64(n)
			body := (*buf)[:n]
			release := buf
			g.Go(func() error {
				defer s.buffers.put(release)
				out, err := s.client.UploadPart(gctx, &s3.UploadPartInput{
					Bucket: &s.bucket, Key: &name, UploadId: &id, PartNumber: aws.Int32(int32(num)),
					Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
				})
				if err != nil {
					return fmt.Errorf("upload part %d: %w", num, err)
				}
				mu.Lock()
				parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(num))})
				mu.Unlock()
				return nil
			})
		} else {
			s.buffers.put(buf)
		}
		if eof || gctx.Err() != nil {
			break
		}
		buf = s.buffers.forPart(s.partSize(num + 1))
		if n, eof, readErr = fill(r, *buf); readErr != nil {
			s.buffers.put(buf)
			readErr = fmt.Errorf("read: %w", readErr)
			stop(readErr)
			break
		}
	}
	err := g.Wait()
	switch {
	case ctx.Err() != nil:
		return 0, nil, ctx.Err()
	case readErr != nil:
		return 0, nil, readErr
	case err != nil:
		return 0, nil, err
	}
	slices.SortFunc(parts, func(a, b types.CompletedPart) int { return int(aws.ToInt32(a.PartNumber) - aws.ToInt32(b.PartNumber)) })
	return size, parts, nil
}

// bufferPool hands out buffers in a few size classes (the largest is one part), so that a Put of a small
// blob holds a small buffer, and buffers are reused between Puts.
type bufferPool struct {
	sizes []int
	pools []sync.Pool
}

func newBufferPool(sizes ...int) *bufferPool {
	p := &bufferPool{sizes: sizes, pools: make([]sync.Pool, len(sizes))}
	for i, size := range sizes {
		p.pools[i].New = func() any { b := make([]byte, size); return &b }
	}
	return p
}

// get returns a buffer of class i.
func (p *bufferPool) get(i int) *[]byte { return p.pools[i].Get().(*[]byte) }

// forPart returns a buffer of size bytes: the largest class, or a new buffer for the larger parts of very
// large blobs.
func (p *bufferPool) forPart(size int64) *[]byte {
	if last := len(p.sizes) - 1; size == int64(p.sizes[last]) {
		return p.get(last)
	}
	b := make([]byte, size)
	return &b
}

// put returns a buffer to its class; buffers of no class are left to the garbage collector.
func (p *bufferPool) put(b *[]byte) {
	if b == nil {
		return
	}
	if i := slices.Index(p.sizes, len(*b)); i >= 0 {
		p.pools[i].Put(b)
	}
}
