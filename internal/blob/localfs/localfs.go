// Package localfs is the blob.Store on a local directory, for the embedded mode.
//
// Layout: the blob under key "a/b/c" is the file data/a/b/c~ below the store's directory. The "~", which
// keys cannot contain, keeps a blob's file apart from the directory of longer keys ("a/b" and "a/b/c" can
// both exist, as in S3). Put writes into tmp/ and renames into place. One process uses a directory at a
// time: Open removes what earlier processes left in tmp/.
package localfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/seclake/seclake/internal/blob"
)

const (
	fileSuffix = "~"
	// maxSegment is the longest key segment whose file name (segment and suffix) fits in NAME_MAX.
	maxSegment = 255 - len(fileSuffix)
	// renameAttempts bounds how often Put recreates parent directories that a concurrent Delete pruned.
	renameAttempts = 100
)

// Store is a blob.Store on a directory.
type Store struct {
	data string // blobs
	tmp  string // Put's temporary files, on the same file system so rename is atomic
}

var _ blob.Store = (*Store)(nil)

// copyBuffers are the buffers Put streams through: a Put holds one buffer, never the whole blob.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Open opens the store in dir, creating it (mode 0700) if needed, and removes temporary files left by a
// Put that a crash interrupted.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open blob store: empty directory name")
	}
	s := &Store{data: filepath.Join(dir, "data"), tmp: filepath.Join(dir, "tmp")}
	for _, d := range []string{dir, s.data, s.tmp} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("open blob store %s: %w", dir, err)
		}
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("open blob store %s: %s is not a directory", dir, d)
		}
	}
	leftovers, err := os.ReadDir(s.tmp)
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", dir, err)
	}
	for _, e := range leftovers {
		if err := os.RemoveAll(filepath.Join(s.tmp, e.Name())); err != nil {
			return nil, fmt.Errorf("open blob store %s: remove leftover temporary file: %w", dir, err)
		}
	}
	return s, nil
}

// path returns the file of key after checking the key.
func (s *Store) path(key string) (string, error) {
	if err := blob.ValidKey(key); err != nil {
		return "", err
	}
	for _, seg := range strings.Split(key, "/") {
		if len(seg) > maxSegment {
			return "", fmt.Errorf("%w: %q: segment longer than %d bytes", blob.ErrInvalidKey, key, maxSegment)
		}
	}
	return filepath.Join(s.data, filepath.FromSlash(key)) + fileSuffix, nil
}

// notFound turns a missing file into blob.ErrNotFound.
func notFound(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%s %s: %w", op, key, blob.ErrNotFound)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

func info(key string, fi fs.FileInfo) blob.Info {
	return blob.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (blob.Info, error) {
	dst, err := s.path(key)
	if err != nil {
		return blob.Info{}, err
	}
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return blob.Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	tmp := f.Name()
	fi, err := write(ctx, f, r)
	if err == nil {
		err = s.rename(ctx, tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return blob.Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	return info(key, fi), nil
}

// write streams r into f, makes it durable and closes it.
func write(ctx context.Context, f *os.File, r io.Reader) (fs.FileInfo, error) {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	_, err := io.CopyBuffer(f, ctxReader{ctx, r}, *buf)
	if err == nil {
		err = f.Sync()
	}
	var fi fs.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return fi, err
}

// rename moves the finished temporary file into place and makes the new name durable. A concurrent Delete
// may prune the parent directories between their creation and the rename, so it tries again.
func (s *Store) rename(ctx context.Context, tmp, dst string) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.mkdirs(filepath.Dir(dst)); err == nil {
			err = os.Rename(tmp, dst)
			if err == nil {
				return syncDir(filepath.Dir(dst))
			}
			if !errors.Is(err, fs.ErrNotExist) || attempt == renameAttempts {
				return err
			}
		} else if !errors.Is(err, fs.ErrNotExist) || attempt == renameAttempts {
			return err
		}
	}
}

// mkdirs creates dir and its missing parents below the data directory, syncing each parent that gained an
// entry so that the new directories survive a crash.
func (s *Store) mkdirs(dir string) error {
	if dir == s.data {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := s.mkdirs(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return syncDir(filepath.Dir(dir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	f, fi, err := s.open(ctx, "get", key)
	if err != nil {
		return nil, blob.Info{}, err
	}
	return f, info(key, fi), nil
}

func (s *Store) open(ctx context.Context, op, key string) (*os.File, fs.FileInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, notFound(op, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("%s %s: %w", op, key, err)
	}
	return f, fi, nil
}

// section reads part of a file and closes the file.
type section struct {
	*io.SectionReader
	io.Closer
}

// GetRange implements blob.Store. A range that starts at the end of the blob is empty; one that starts
// beyond it is blob.ErrInvalidRange.
func (s *Store) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if off < 0 {
		return nil, fmt.Errorf("get %s: offset %d: %w", key, off, blob.ErrInvalidRange)
	}
	f, fi, err := s.open(ctx, "get", key)
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if off > size {
		_ = f.Close()
		return nil, fmt.Errorf("get %s: offset %d beyond size %d: %w", key, off, size, blob.ErrInvalidRange)
	}
	if n < 0 || n > size-off {
		n = size - off
	}
	return section{io.NewSectionReader(f, off, n), f}, nil
}

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	p, err := s.path(key)
	if err != nil {
		return blob.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob.Info{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return blob.Info{}, notFound("stat", key, err)
	}
	return info(key, fi), nil
}

// Delete implements blob.Store. It also removes the parent directories that it leaves empty.
func (s *Store) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	dir := filepath.Dir(p)
	for dir != s.data && syscall.Rmdir(dir) == nil { // stops at the first directory that is not empty
		dir = filepath.Dir(dir)
	}
	if err := syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}
