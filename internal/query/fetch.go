package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

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

// fetchJob is one data file to read as reader.
type fetchJob struct {
	file   table.DataFile
	reader *actor.Caller
}

// fetch reads the jobs' files through the object store, each as its reader, into memfds, a few at a time. On an
// error it closes what it made.
func (e *Engine) fetch(ctx context.Context, jobs []fetchJob, parallel int) ([]*memFile, error) {
	out := make([]*memFile, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, max(1, parallel))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = e.fetchOne(ctx, j)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeAll(out)
		for _, e := range errs { // the first user-facing error is the answer
			var ae *awserr.Error
			if errors.As(e, &ae) {
				return nil, ae
			}
		}
		return nil, err
	}
	return out, nil
}

func (e *Engine) fetchOne(ctx context.Context, j fetchJob) (*memFile, error) {
	got, err := e.cfg.Objects.GetObject(ctx, j.reader, objstore.GetInput{Bucket: j.file.Bucket, Key: j.file.Key})
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) {
			c := *ae
			c.Message = "Permission denied on S3 path: " + j.file.Path + ": " + ae.Message
			if ae.Status != awserr.StatusForbidden {
				c.Message = "Error opening S3 path " + j.file.Path + ": " + ae.Message
			}
			return nil, &c
		}
		return nil, err
	}
	defer got.Body.Close()
	m, err := newMemFile("seclake-query")
	if err != nil {
		return nil, err
	}
	if got.Length > 0 {
		if err := unix.Ftruncate(int(m.f.Fd()), got.Length); err == nil {
			_, _ = m.f.Seek(0, io.SeekStart)
		}
	}
	if _, err := io.Copy(m.f, got.Body); err != nil {
		m.Close()
		return nil, fmt.Errorf("query: read %s: %w", j.file.Path, err)
	}
	return m, nil
}

func closeAll(files []*memFile) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
