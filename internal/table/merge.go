package table

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"
)

// errForeignSchema is a bin whose files do not share one Parquet schema with a time column (written by another
// engine, or before a schema change): it is left as it is.
var errForeignSchema = errors.New("the files do not share a Parquet schema with a time column")

// errNothingToRewrite is a bin of one file that is already as compaction would write it (its statistics looked
// like milliseconds, but its timestamps are microseconds before 1973).
var errNothingToRewrite = errors.New("the file needs no rewrite")

// mergeBatch is the number of rows read from each input at a time.
const mergeBatch = 256

// rewriteBin merges files, each sorted by time, into one zstd Parquet file sorted by time, written beside the
// first of them, and returns its Iceberg description. Timestamps in milliseconds (files written before the lake
// wrote microseconds) are rewritten in microseconds, statistics included. The inputs are read whole (the bin is at most the target
// size); the output is built in memory and written encrypted: no plaintext touches the disk.
func rewriteBin(ctx context.Context, wfs iceio.WriteFileIO, tbl *icetable.Table, files []iceberg.DataFile) (
	iceberg.DataFile, error) {
	inputs := make([]*mergeInput, 0, len(files))
	var schema *parquet.Schema
	var want int64
	converted := false
	for _, df := range files {
		data, err := readAll(wfs, df.FilePath())
		if err != nil {
			return nil, err
		}
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", df.FilePath(), err)
		}
		fileSchema, micros := microsSchema(f.Schema())
		if schema == nil {
			schema = fileSchema
		} else if !parquet.EqualNodes(schema, fileSchema) {
			return nil, errForeignSchema
		}
		converted = converted || micros != nil
		want += f.NumRows()
		inputs = append(inputs, &mergeInput{rows: parquet.MultiRowGroup(f.RowGroups()...).Rows(), micros: micros})
	}
	if len(files) == 1 && !converted {
		_ = inputs[0].rows.Close()
		return nil, errNothingToRewrite
	}
	leaf, ok := schema.Lookup("time")
	if !ok || leaf.MaxRepetitionLevel != 0 {
		return nil, errForeignSchema
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema, parquet.Compression(&parquet.Zstd))
	n, err := mergeRows(w, inputs, leaf)
	for _, in := range inputs {
		_ = in.rows.Close()
	}
	if err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if n != want {
		return nil, fmt.Errorf("merged %d rows of %d", n, want)
	}
	return writeDataFile(ctx, wfs, tbl, compactedName(files), buf.Bytes())
}

// readAll reads the file name through fs.
func readAll(fs iceio.IO, name string) ([]byte, error) {
	if r, ok := fs.(iceio.ReadFileIO); ok {
		return r.ReadFile(name)
	}
	f, err := fs.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// mergeInput is one input of a merge: its rows, read a batch at a time. The rows of a batch stay valid until
// the next batch is read, so the merge writes out what it holds before reading further.
type mergeInput struct {
	rows  parquet.Rows
	batch []parquet.Row
	next  int
	head  int64 // the time of batch[next]
	// micros marks the columns whose values are milliseconds to rewrite in microseconds (nil: none).
	micros []bool
}

// fill reads the input's next batch; it returns false at the end of the input.
func (in *mergeInput) fill(timeColumn parquet.LeafColumn) (bool, error) {
	if in.batch == nil {
		in.batch = make([]parquet.Row, mergeBatch)
	}
	in.batch = in.batch[:cap(in.batch)]
	n, err := in.rows.ReadRows(in.batch)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	in.batch, in.next = in.batch[:n], 0
	if n == 0 {
		return false, nil
	}
	if in.micros != nil {
		for _, row := range in.batch {
			microsColumns(row, in.micros)
		}
	}
	in.head = rowTime(in.batch[0], timeColumn)
	return true, nil
}

// rowTime is the time of row, or the smallest time when it has none.
func rowTime(row parquet.Row, timeColumn parquet.LeafColumn) int64 {
	if v, ok := find(row, timeColumn); ok && !v.IsNull() {
		return v.Int64()
	}
	return math.MinInt64
}

// mergeHeap orders inputs by the time of their next row.
type mergeHeap []*mergeInput

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return h[i].head < h[j].head }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(*mergeInput)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRows writes the rows of inputs, each sorted by time, to w in order of time, and returns their number.
func mergeRows(w *parquet.Writer, inputs []*mergeInput, timeColumn parquet.LeafColumn) (int64, error) {
	h := make(mergeHeap, 0, len(inputs))
	for _, in := range inputs {
		ok, err := in.fill(timeColumn)
		if err != nil {
			return 0, err
		}
		if ok {
			h = append(h, in)
		}
	}
	heap.Init(&h)
	var total int64
	pending := make([]parquet.Row, 0, mergeBatch)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		n, err := w.WriteRows(pending)
		total += int64(n)
		pending = pending[:0]
		return err
	}
	for h.Len() > 0 {
		in := h[0]
		pending = append(pending, in.batch[in.next])
		in.next++
		if in.next < len(in.batch) {
			in.head = rowTime(in.batch[in.next], timeColumn)
			heap.Fix(&h, 0)
			if len(pending) == cap(pending) {
				if err := flush(); err != nil {
					return total, err
				}
			}
			continue
		}
		// The input's batch is spent: write out the rows held before reading its next batch over them.
		if err := flush(); err != nil {
			return total, err
		}
		ok, err := in.fill(timeColumn)
		if err != nil {
			return total, err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return total, flush()
}
