package objstore

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // S3's ETag is an MD5 by definition
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/segment"
)

// dataBlob is one sealed blob holding part of an object's body (the whole body, or one multipart part):
// a blob in the blob store, or, for small bodies, the sealed bytes themselves.
type dataBlob struct {
	Blob   string `json:",omitempty"`
	Inline []byte `json:",omitempty"`
	Size   int64
	Salt   []byte
	// Number is the multipart part number (0 for single-part objects).
	Number int    `json:",omitempty"`
	ETag   string `json:",omitempty"`
	// Checksum is the part's checksum of the object's algorithm, base64 (multipart parts).
	Checksum string `json:",omitempty"`
}

// newBlobName returns a fresh, unguessable blob name.
func (s *Service) newBlobName() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", fmt.Errorf("blob name: %w", err)
	}
	h := hex.EncodeToString(b[:])
	return "objects/" + h[:2] + "/" + h, nil
}

// bodyHashes are the digests computed while a body streams in.
type bodyHashes struct {
	md5 hash.Hash
	alg checksum.Algorithm
	sum hash.Hash
}

func newBodyHashes(alg checksum.Algorithm) *bodyHashes {
	h := &bodyHashes{md5: md5.New(), alg: alg} //nolint:gosec // ETag
	if alg != "" {
		h.sum = alg.New()
	}
	return h
}

func (h *bodyHashes) Write(p []byte) (int, error) {
	h.md5.Write(p)
	if h.sum != nil {
		h.sum.Write(p)
	}
	return len(p), nil
}

func (h *bodyHashes) etag() string { return hex.EncodeToString(h.md5.Sum(nil)) }

func (h *bodyHashes) checksum() string {
	if h.sum == nil {
		return ""
	}
	return checksum.Encode(h.sum.Sum(nil))
}

// InlineLimit is the largest body kept sealed inside the object's metadata record instead of a blob of its
// own: small objects then cost one metadata commit and no file, as MinIO inlines small objects in xl.meta.
const InlineLimit = 16 << 10

// writeBlob seals body under dataKey: inline when it is small, else into a new blob recorded as pending until
// the caller commits it. It returns the data and the body's hashes; limit bounds the body's size.
func (s *Service) writeBlob(ctx context.Context, dataKey []byte, body io.Reader, limit int64, alg checksum.Algorithm) (dataBlob, *bodyHashes, error) {
	if body == nil {
		body = eofReader{}
	}
	h, err := segment.NewHeader(s.rand)
	if err != nil {
		return dataBlob{}, nil, err
	}
	hashes := newBodyHashes(alg)
	lr := &limitedReader{r: body, n: limit, max: limit}
	src := io.TeeReader(lr, hashes)
	head := make([]byte, InlineLimit+1)
	n, err := io.ReadFull(src, head)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return inlineBlob(dataKey, h, head[:n], hashes)
	case err != nil:
		return dataBlob{}, nil, fmt.Errorf("read body: %w", err)
	}
	return s.streamBlob(ctx, dataKey, h, io.MultiReader(bytes.NewReader(head), src), lr, hashes)
}

// inlineBlob seals a small body in memory.
func inlineBlob(dataKey []byte, h segment.Header, plain []byte, hashes *bodyHashes) (dataBlob, *bodyHashes, error) {
	var buf bytes.Buffer
	w, err := segment.NewWriter(&buf, dataKey, h)
	if err != nil {
		return dataBlob{}, nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return dataBlob{}, nil, err
	}
	if err := w.Close(); err != nil {
		return dataBlob{}, nil, err
	}
	return dataBlob{Inline: buf.Bytes(), Size: int64(len(plain)), Salt: h.Salt[:]}, hashes, nil
}

// streamBlob seals what src yields into a new blob, streaming.
func (s *Service) streamBlob(ctx context.Context, dataKey []byte, h segment.Header, src io.Reader, lr *limitedReader, hashes *bodyHashes) (dataBlob, *bodyHashes, error) {
	name, err := s.newBlobName()
	if err != nil {
		return dataBlob{}, nil, err
	}
	now, _ := s.clock.Now().MarshalText()
	if err := s.store.Update(ctx, func(tx meta.Tx) error { return tx.Put(tablePending, name, now) }); err != nil {
		return dataBlob{}, nil, fmt.Errorf("record pending blob: %w", err)
	}
	pr, pw := io.Pipe()
	var (
		size    int64
		bodyErr error
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		w, err := segment.NewWriter(pw, dataKey, h)
		if err == nil {
			size, err = w.ReadFrom(src)
			if err == nil && lr.over {
				err = errEntityTooLarge(size, lr.max)
			}
			if err != nil {
				bodyErr = err
			} else {
				err = w.Close()
			}
		}
		pw.CloseWithError(err)
	}()
	_, perr := s.blobs.Put(ctx, name, pr)
	pr.CloseWithError(errors.New("blob store stopped reading"))
	<-done
	if bodyErr != nil {
		s.dropBlob(name)
		return dataBlob{}, nil, fmt.Errorf("read body: %w", bodyErr)
	}
	if perr != nil {
		s.dropBlob(name)
		return dataBlob{}, nil, fmt.Errorf("store blob: %w", perr)
	}
	return dataBlob{Blob: name, Size: size, Salt: h.Salt[:]}, hashes, nil
}

// eofReader is an empty body.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// limitedReader reads at most n bytes and notes whether more followed.
type limitedReader struct {
	r    io.Reader
	n    int64
	over bool
	max  int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		k, err := l.r.Read(one[:])
		if k > 0 {
			l.over = true
			return 0, io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// dropBlob deletes a blob that was never committed, and its pending record.
func (s *Service) dropBlob(name string) {
	if name == "" {
		return // inline: nothing was stored
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.blobs.Delete(ctx, name); err != nil {
		s.log.Warn("delete uncommitted blob; the sweeper will retry", "blob", name, "err", err)
		return
	}
	_ = s.store.Update(ctx, func(tx meta.Tx) error {
		err := tx.Delete(tablePending, name)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		return err
	})
}

// commitBlobs marks blobs as part of a committed object (inside the commit's transaction).
func commitBlobs(tx meta.Tx, blobs []dataBlob) error {
	for _, b := range blobs {
		if b.Blob == "" {
			continue
		}
		if err := tx.Delete(tablePending, b.Blob); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
	}
	return nil
}

// retireBlobs schedules blobs that no object references any more for deletion (inside a transaction).
func retireBlobs(tx meta.Tx, blobs []dataBlob) error {
	for _, b := range blobs {
		if b.Blob == "" {
			continue
		}
		if err := tx.Put(tableGC, b.Blob, nil); err != nil {
			return err
		}
	}
	return nil
}

// collect deletes retired blobs in the background, off the request's path; blobs that GETs on this node are
// reading are deleted when the last of them finishes (see pins); what fails is left to the sweeper.
func (s *Service) collect(blobs []dataBlob) {
	names := make([]string, 0, len(blobs))
	for _, b := range blobs {
		if b.Blob != "" {
			names = append(names, b.Blob)
		}
	}
	s.deleteClaimed(s.pins.claim(names))
}

// deleteClaimed deletes blobs claimed for deletion, in the background.
func (s *Service) deleteClaimed(names []string) {
	if len(names) == 0 {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer s.pins.done(names)
		s.deleteRetired(names)
	}()
}

// Wait waits for the background deletions started by requests.
func (s *Service) Wait() { s.bg.Wait() }

func (s *Service) deleteRetired(names []string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var done []string
	for _, name := range names {
		if err := s.blobs.Delete(ctx, name); err != nil {
			s.log.Warn("delete retired blob; the sweeper will retry", "blob", name, "err", err)
			continue
		}
		done = append(done, name)
	}
	_ = s.store.Update(ctx, func(tx meta.Tx) error {
		for _, n := range done {
			if err := tx.Delete(tableGC, n); err != nil && !errors.Is(err, meta.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// Sweep deletes retired blobs and the blobs of writes that never committed (older than the pending TTL,
// which covers writes interrupted by a crash). It returns the number of blobs deleted.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	cutoff := s.clock.Now().Add(-s.pending)
	var names []string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		names = names[:0]
		if err := tx.Scan(tableGC, meta.Range{Limit: 10000}, func(k string, _ []byte) bool {
			names = append(names, "g"+k)
			return true
		}); err != nil {
			return err
		}
		return tx.Scan(tablePending, meta.Range{Limit: 10000}, func(k string, v []byte) bool {
			var t time.Time
			if t.UnmarshalText(v) == nil && t.Before(cutoff) {
				names = append(names, "p"+k)
			}
			return true
		})
	})
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	n := 0
	for _, tn := range names {
		table, name := tableGC, tn[1:]
		if tn[0] == 'p' {
			table = tablePending
		}
		if len(s.pins.claim([]string{name})) == 0 {
			continue // being read, or already being deleted
		}
		err := s.blobs.Delete(ctx, name)
		s.pins.done([]string{name})
		if err != nil {
			return n, fmt.Errorf("sweep blob %s: %w", name, err)
		}
		if err := s.store.Update(ctx, func(tx meta.Tx) error {
			err := tx.Delete(table, name)
			if errors.Is(err, meta.ErrNotFound) {
				return nil
			}
			return err
		}); err != nil {
			return n, fmt.Errorf("sweep %s: %w", name, err)
		}
		n++
	}
	return n, nil
}
