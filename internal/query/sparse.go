package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/parquet-go/parquet-go"
	"golang.org/x/sys/unix"

	"github.com/seclake/seclake/internal/objstore"
)

// tailSize is how much of a data file's end is read first: its footer (the Parquet metadata) usually fits.
const tailSize = 64 << 10

// rangeReader reads an object by ranged GETs as the job's reader, serving what it can from the tail read first.
type rangeReader struct {
	ctx       context.Context
	e         *Engine
	j         fetchJob
	size      int64
	tail      []byte
	tailStart int64
	read      int64  // bytes fetched
	etag      string // the object's ETag: every range must come from the same version
}

func (r *rangeReader) get(start, end int64) ([]byte, error) { // end exclusive
	if err := r.j.budget.take(end - start); err != nil {
		return nil, err
	}
	got, err := r.e.cfg.Objects.GetObject(r.ctx, r.j.reader, objstore.GetInput{Bucket: r.j.file.Bucket,
		Key: r.j.file.Key, Range: &objstore.Range{Start: start, End: end - 1}})
	if err != nil {
		return nil, objectError(err, r.j.file.Path)
	}
	defer got.Body.Close()
	if got.Object != nil {
		if r.etag == "" {
			r.etag = got.Object.ETag
		} else if got.Object.ETag != r.etag {
			return nil, errStale
		}
	}
	b := make([]byte, end-start)
	if _, err := io.ReadFull(got.Body, b); err != nil {
		return nil, fmt.Errorf("query: read %s: %w", r.j.file.Path, err)
	}
	r.read += end - start
	return b, nil
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	if off >= r.tailStart {
		n := copy(p, r.tail[off-r.tailStart:])
		if int64(n) < int64(len(p)) {
			return n, io.EOF
		}
		return n, nil
	}
	b, err := r.get(off, end)
	if err != nil {
		return 0, err
	}
	n := copy(p, b)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// errStale is a data file whose ETag is not the one its cached footer was read from.
var errStale = errors.New("query: the data file changed since its footer was cached")

// fetchSparse fills a memfd the size of the job's file with only what a query of the columns needed can read:
// the footer, and every byte but the column chunks of the other top-level columns (those stay holes, never read,
// decrypted or allocated). The footer comes from the engine's cache when an earlier query read it; every read
// still makes at least one ranged GET as the job's reader, so its s3:GetObject and kms:Decrypt decide each time.
// It returns the memfd and the bytes read from the store.
func (e *Engine) fetchSparse(ctx context.Context, j fetchJob, needed map[string]bool) (*memFile, int64, error) {
	m, n, err := e.fetchSparseOnce(ctx, j, needed)
	if errors.Is(err, errStale) { // the cached footer is of another version of the file: read it again
		e.footers.drop(footerKey(j.file.Path, j.file.Size))
		return e.fetchSparseOnce(ctx, j, needed)
	}
	return m, n, err
}

func (e *Engine) fetchSparseOnce(ctx context.Context, j fetchJob, needed map[string]bool) (*memFile, int64, error) {
	size := j.file.Size
	r := &rangeReader{ctx: ctx, e: e, j: j, size: size}
	f := e.footers.get(j.file.Path, size)
	if f == nil {
		var err error
		if f, err = e.readFooter(r); err != nil {
			return nil, 0, err
		}
		e.footers.put(f)
	} else {
		if err := j.budget.take(int64(len(f.tail))); err != nil {
			return nil, 0, err
		}
		r.etag, r.tail, r.tailStart = f.etag, f.tail, f.tailStart
	}
	m, err := newMemFile("seclake-query")
	if err != nil {
		return nil, 0, err
	}
	if err := unix.Ftruncate(int(m.f.Fd()), size); err != nil {
		m.Close()
		return nil, 0, fmt.Errorf("query: size the memfd: %w", err)
	}
	keep := keepRanges(f.skip(needed), f.tailStart)
	if n := len(keep); n > 0 && f.tailStart-keep[n-1][1] < mergeGap { // read up to the tail in one go
		keep[n-1][1] = f.tailStart
	}
	if len(keep) == 0 && r.read == 0 { // a footer from the cache: one ranged GET still authorizes the reader
		keep = [][2]int64{{0, min(size, 4)}}
	}
	for _, k := range keep {
		b, err := r.get(k[0], k[1])
		if err != nil {
			m.Close()
			return nil, 0, err
		}
		if _, err := m.f.WriteAt(b, k[0]); err != nil {
			m.Close()
			return nil, 0, fmt.Errorf("query: fill the memfd: %w", err)
		}
	}
	if _, err := m.f.WriteAt(f.tail, f.tailStart); err != nil {
		m.Close()
		return nil, 0, fmt.Errorf("query: fill the memfd: %w", err)
	}
	return m, r.read, nil
}

// readFooter reads the tail of r's file as its reader and learns the byte ranges of its column chunks.
func (e *Engine) readFooter(r *rangeReader) (*footer, error) {
	size := r.size
	r.tailStart = max(0, size-tailSize)
	tail, err := r.get(r.tailStart, size)
	if err != nil {
		return nil, err
	}
	r.tail = tail
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true),
		parquet.SkipMagicBytes(true))
	if err != nil {
		return nil, fmt.Errorf("query: read the footer of %s: %w", r.j.file.Path, err)
	}
	f := &footer{key: footerKey(r.j.file.Path, size), etag: r.etag, tailStart: r.tailStart, tail: tail}
	for _, rg := range pf.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			md := cc.MetaData
			f.chunks = append(f.chunks, chunkOf(md.PathInSchema, md.DictionaryPageOffset, md.DataPageOffset,
				md.TotalCompressedSize))
		}
	}
	return f, nil
}

// keepRanges are the ranges of [0, limit) outside the skipped ones, merged.
func keepRanges(skip [][2]int64, limit int64) [][2]int64 {
	sort.Slice(skip, func(a, b int) bool { return skip[a][0] < skip[b][0] })
	var keep [][2]int64
	pos := int64(0)
	for _, s := range skip {
		if s[0] > pos {
			keep = append(keep, [2]int64{pos, min(s[0], limit)})
		}
		pos = max(pos, s[1])
		if pos >= limit {
			break
		}
	}
	if pos < limit {
		keep = append(keep, [2]int64{pos, limit})
	}
	out := keep[:0]
	for _, k := range keep {
		if k[1] <= k[0] {
			continue
		}
		// A gap under a segment (64 KiB) costs less read than asked for again: the store decrypts whole segments.
		if n := len(out); n > 0 && k[0]-out[n-1][1] < mergeGap {
			out[n-1][1] = k[1]
			continue
		}
		out = append(out, k)
	}
	return out
}

// mergeGap is the largest gap between two ranges read as one.
const mergeGap = 64 << 10
