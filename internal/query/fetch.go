package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/table"
)

// memFile is a decrypted data file in anonymous memory (memfd): DuckDB reads it at Path, /proc/self/fd/N; it never
// has a name on any file system.
type memFile struct {
	f    *os.File
	Path string
}

// newMemFile creates an empty memfd.
func newMemFile(name string) (*memFile, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("query: memfd_create: %w", err)
	}
	return &memFile{f: os.NewFile(uintptr(fd), name), Path: fmt.Sprintf("/proc/self/fd/%d", fd)}, nil
}

func (m *memFile) Close() error { return m.f.Close() }

// fetchJob is one data file to read as reader; needed, when set, are the top-level columns the query can read
// (the others' column chunks are not read: see fetchSparse).
type fetchJob struct {
	file   table.DataFile
	reader *actor.Caller
	needed map[string]bool
	budget *memBudget
}

// errOverBudget is a query's data over its memory limit.
var errOverBudget = errors.New("query: the data files to read are over the memory limit")

// memBudget is what a query's decrypted files may take of its memory limit, taken before each read.
type memBudget struct{ left int64 }

func (b *memBudget) take(n int64) error {
	if b == nil {
		return nil
	}
	if atomic.AddInt64(&b.left, -n) < 0 {
		return errOverBudget
	}
	return nil
}

// fetch reads the jobs' files through the object store, each as its reader, into memfds, a few at a time. On an
// error it closes what it made.
func (e *Engine) fetch(ctx context.Context, jobs []fetchJob, parallel int, budget int64) ([]*memFile, int64, error) {
	b := &memBudget{left: budget}
	for i := range jobs {
		jobs[i].budget = b
	}
	out := make([]*memFile, len(jobs))
	read := make([]int64, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, max(1, parallel))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], read[i], errs[i] = e.fetchOne(ctx, j)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeAll(out)
		if errors.Is(err, errOverBudget) {
			return nil, 0, errOverBudget
		}
		for _, e := range errs { // the first user-facing error is the answer
			var ae *awserr.Error
			if errors.As(e, &ae) {
				return nil, 0, ae
			}
		}
		return nil, 0, err
	}
	var n int64
	for _, r := range read {
		n += r
	}
	return out, n, nil
}

// objectError words an object store's refusal as Athena does, naming the S3 path.
func objectError(err error, path string) error {
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		return err
	}
	c := *ae
	c.Message = "Permission denied on S3 path: " + path + ": " + ae.Message
	if ae.Status != awserr.StatusForbidden {
		c.Message = "Error opening S3 path " + path + ": " + ae.Message
	}
	return &c
}

// sparseMin is the smallest data file read sparsely: below it, one GET of the whole file costs less.
var sparseMin int64 = 2 * tailSize

func (e *Engine) fetchOne(ctx context.Context, j fetchJob) (*memFile, int64, error) {
	if j.needed != nil && j.file.Size > sparseMin {
		return e.fetchSparse(ctx, j, j.needed)
	}
	if err := j.budget.take(j.file.Size); err != nil {
		return nil, 0, err
	}
	got, err := e.cfg.Objects.GetObject(ctx, j.reader, objstore.GetInput{Bucket: j.file.Bucket, Key: j.file.Key})
	if err != nil {
		return nil, 0, objectError(err, j.file.Path)
	}
	defer got.Body.Close()
	m, err := newMemFile("seclake-query")
	if err != nil {
		return nil, 0, err
	}
	if got.Length > 0 {
		if err := unix.Ftruncate(int(m.f.Fd()), got.Length); err == nil {
			_, _ = m.f.Seek(0, io.SeekStart)
		}
	}
	n, err := io.Copy(m.f, got.Body)
	if err != nil {
		m.Close()
		return nil, 0, fmt.Errorf("query: read %s: %w", j.file.Path, err)
	}
	return m, n, nil
}

func closeAll(files []*memFile) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
