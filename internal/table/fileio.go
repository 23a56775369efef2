package table

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	iceio "github.com/apache/iceberg-go/io"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
)

// Objects is what the tables need of the object store: writes as a service (decided by the bucket policy and
// the key policy, encrypted with the bucket's default encryption), ranged reads, deletes, and listings (for
// orphan removal; the bucket policy must grant the lake's principal s3:ListBucket).
type Objects interface {
	ListObjects(ctx context.Context, c *actor.Caller, in objstore.ListInput) (*objstore.ListOutput, error)
	Deliver(ctx context.Context, in objstore.DeliveryInput) (*objstore.Object, error)
	HeadObject(ctx context.Context, c *actor.Caller, in objstore.GetInput) (*objstore.GetOutput, error)
	GetObject(ctx context.Context, c *actor.Caller, in objstore.GetInput) (*objstore.GetOutput, error)
	DeleteObject(ctx context.Context, c *actor.Caller, bucket, key string) error
}

// ioKey is the catalog property that names the lake whose object store serves a table's s3:// paths. Iceberg
// keeps one process-wide registry of file IOs by URL scheme; several lakes (servers in one test process) share
// the "s3" scheme and are told apart by this property.
const ioKey = "seclake.lake-io"

var (
	registerOnce sync.Once
	registerErr  error
	lakesMu      sync.RWMutex
	lakes        = map[string]*lakeIO{}
)

// lakeIO is the object store of one lake as an iceberg file IO: every data, manifest and metadata file is read
// and written by the lake's service principal, so the bucket policy and the key policy decide.
type lakeIO struct {
	objects Objects
	caller  func(context.Context) *actor.Caller
}

// registerIO makes id's paths go through lio, registering the "s3" scheme with iceberg on first use. It fails
// when another file IO (iceberg-go's gocloud S3, imported for its side effect) has the scheme already.
func registerIO(id string, lio *lakeIO) error {
	registerOnce.Do(func() {
		if slices.Contains(iceio.GetRegisteredSchemes(), "s3") {
			registerErr = errors.New("table: another iceberg file IO serves s3:// paths in this process")
			return
		}
		iceio.Register("s3", openIO)
	})
	if registerErr != nil {
		return registerErr
	}
	lakesMu.Lock()
	lakes[id] = lio
	lakesMu.Unlock()
	return nil
}

func unregisterIO(id string) {
	lakesMu.Lock()
	delete(lakes, id)
	lakesMu.Unlock()
}

// openIO is iceberg's factory for the "s3" scheme.
func openIO(ctx context.Context, _ *url.URL, props map[string]string) (iceio.IO, error) {
	lakesMu.RLock()
	lio := lakes[props[ioKey]]
	lakesMu.RUnlock()
	if lio == nil && props[ioKey] == "" {
		return newClientIO(ctx, props) // not a lake's catalog: an S3 client's paths
	}
	if lio == nil {
		return nil, fmt.Errorf("table: no lake serves s3:// paths for catalog property %s=%q", ioKey, props[ioKey])
	}
	return &boundIO{lakeIO: lio, ctx: context.WithoutCancel(ctx)}, nil
}

// boundIO is a lakeIO bound to the context of the operation that loaded it (iceberg's IO methods take none).
type boundIO struct {
	*lakeIO
	ctx context.Context
}

var (
	_ iceio.WriteFileIO = (*boundIO)(nil)
	_ iceio.ReadFileIO  = (*boundIO)(nil)
)

// splitPath returns the bucket and key of s3://bucket/key.
func splitPath(name string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(name, "s3://")
	if !ok {
		return "", "", fmt.Errorf("table: %q is not an s3:// path", name)
	}
	bucket, key, ok = strings.Cut(rest, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", fmt.Errorf("table: %q names no object", name)
	}
	return bucket, key, nil
}

// notExist turns NoSuchKey into an error that is fs.ErrNotExist, as iceberg expects of a missing file.
func notExist(err error, name string) error {
	if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchKey" {
		return &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return err
}

func (b *boundIO) Open(name string) (iceio.File, error) {
	bucket, key, err := splitPath(name)
	if err != nil {
		return nil, err
	}
	out, err := b.objects.HeadObject(b.ctx, b.caller(b.ctx), objstore.GetInput{Bucket: bucket, Key: key})
	if err != nil {
		return nil, notExist(err, name)
	}
	return &objFile{name: name, key: key, size: out.Object.Size, mod: out.Object.LastModified,
		get: func(start, end int64) (io.ReadCloser, error) {
			out, err := b.objects.GetObject(b.ctx, b.caller(b.ctx), objstore.GetInput{Bucket: bucket, Key: key,
				Range: &objstore.Range{Start: start, End: end}})
			if err != nil {
				return nil, notExist(err, name)
			}
			return out.Body, nil
		}}, nil
}

func (b *boundIO) ReadFile(name string) ([]byte, error) {
	bucket, key, err := splitPath(name)
	if err != nil {
		return nil, err
	}
	out, err := b.objects.GetObject(b.ctx, b.caller(b.ctx), objstore.GetInput{Bucket: bucket, Key: key})
	if err != nil {
		return nil, notExist(err, name)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (b *boundIO) Remove(name string) error {
	bucket, key, err := splitPath(name)
	if err != nil {
		return err
	}
	return b.objects.DeleteObject(b.ctx, b.caller(b.ctx), bucket, key)
}

// WriteFile writes p as name, as the lake's service principal.
func (b *boundIO) WriteFile(name string, p []byte) error {
	bucket, key, err := splitPath(name)
	if err != nil {
		return err
	}
	_, err = b.objects.Deliver(b.ctx, objstore.DeliveryInput{Caller: b.caller(b.ctx), Object: objstore.PutInput{
		Bucket: bucket, Key: key, Body: bytes.NewReader(p), Size: int64(len(p))}})
	return err
}

// Create returns a writer that writes name when closed. The bytes wait in memory, never on disk in plaintext.
func (b *boundIO) Create(name string) (iceio.FileWriter, error) {
	if _, _, err := splitPath(name); err != nil {
		return nil, err
	}
	return &objWriter{write: func(p []byte) error { return b.WriteFile(name, p) }}, nil
}

// objWriter writes an object when closed, with write.
type objWriter struct {
	write  func(p []byte) error
	buf    bytes.Buffer
	closed bool
}

func (w *objWriter) Write(p []byte) (int, error)         { return w.buf.Write(p) }
func (w *objWriter) ReadFrom(r io.Reader) (int64, error) { return w.buf.ReadFrom(r) }
func (w *objWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.write(w.buf.Bytes())
}

// objFile reads an object by ranges, with get (start and end inclusive).
type objFile struct {
	name, key string
	size      int64
	mod       time.Time
	off       int64
	get       func(start, end int64) (io.ReadCloser, error)
}

func (f *objFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	end := min(off+int64(len(p)), f.size) - 1
	body, err := f.get(off, end)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	n, err := io.ReadFull(body, p[:end-off+1])
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (f *objFile) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if errors.Is(err, io.EOF) && n > 0 {
		err = nil
	}
	return n, err
}

func (f *objFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.size
	default:
		return 0, fmt.Errorf("table: seek %s: bad whence %d", f.name, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("table: seek %s: negative offset", f.name)
	}
	f.off = offset
	return offset, nil
}

func (f *objFile) Stat() (fs.FileInfo, error) { return fileInfo{f}, nil }
func (f *objFile) Close() error               { return nil }

type fileInfo struct{ f *objFile }

func (i fileInfo) Name() string       { return i.f.key[strings.LastIndexByte(i.f.key, '/')+1:] }
func (i fileInfo) Size() int64        { return i.f.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o400 }
func (i fileInfo) ModTime() time.Time { return i.f.mod }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }

// memIO reads one file from memory: the data file just written, for its statistics.
type memIO struct {
	name string
	data []byte
}

func (m memIO) Open(name string) (iceio.File, error) {
	if name != m.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return memFile{Reader: bytes.NewReader(m.data), m: m}, nil
}

func (m memIO) Remove(name string) error { return fmt.Errorf("table: cannot remove %s", name) }

type memFile struct {
	*bytes.Reader
	m memIO
}

func (f memFile) Stat() (fs.FileInfo, error) {
	return fileInfo{&objFile{key: f.m.name, size: int64(len(f.m.data))}}, nil
}
func (f memFile) Close() error { return nil }
