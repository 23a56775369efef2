package query

import (
	"container/list"
	"fmt"
	"strings"
	"sync"
)

// DefaultFooterCacheBytes bounds the decrypted footers an engine keeps when its Config sets no bound.
const DefaultFooterCacheBytes = 64 << 20

// footer is what a sparse read learns from a data file's tail, kept for the next queries of the file: the tail's
// plaintext (written into each query's memfd) and the byte ranges of every column chunk. A data file is immutable
// (a commit writes new files under new names), and the entry is keyed by path, size and ETag: a ranged GET of the
// file as the query's reader (which authorizes s3:GetObject and, for SSE-KMS, kms:Decrypt on every query) must
// return the same ETag for the entry to be used.
type footer struct {
	key       string
	etag      string
	tailStart int64
	tail      []byte
	chunks    []chunk
}

// chunk is one column chunk of a row group: its top-level column (lower case) and its bytes [start, end).
type chunk struct {
	column     string
	start, end int64
}

// skip is the ranges of the chunks of the columns not needed.
func (f *footer) skip(needed map[string]bool) [][2]int64 {
	var out [][2]int64
	for _, c := range f.chunks {
		if c.column == "" || needed[c.column] {
			continue
		}
		out = append(out, [2]int64{c.start, c.end})
	}
	return out
}

func (f *footer) bytes() int64 {
	return int64(len(f.tail)) + int64(len(f.chunks))*48 + int64(len(f.key)) + 128
}

// footers is a bounded LRU (by bytes) of footers, in memory only (never written anywhere).
type footers struct {
	mu    sync.Mutex
	max   int64
	used  int64
	order *list.List // front: most recently used
	m     map[string]*list.Element
}

func newFooters(max int64) *footers {
	return &footers{max: max, order: list.New(), m: map[string]*list.Element{}}
}

func footerKey(path string, size int64) string { return fmt.Sprintf("%s\x00%d", path, size) }

// get returns the footer of the file at path of size bytes, or nil.
func (c *footers) get(path string, size int64) *footer {
	if c == nil || c.max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[footerKey(path, size)]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*footer)
}

// put keeps f, evicting the least recently used footers over the bound.
func (c *footers) put(f *footer) {
	if c == nil || c.max <= 0 || f.bytes() > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[f.key]; ok {
		c.used -= el.Value.(*footer).bytes()
		c.order.Remove(el)
	}
	c.m[f.key] = c.order.PushFront(f)
	c.used += f.bytes()
	for c.used > c.max {
		el := c.order.Back()
		old := el.Value.(*footer)
		c.order.Remove(el)
		delete(c.m, old.key)
		c.used -= old.bytes()
	}
}

// drop forgets the footer of key (its file's ETag changed).
func (c *footers) drop(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.used -= el.Value.(*footer).bytes()
		c.order.Remove(el)
		delete(c.m, key)
	}
}

// chunkOf is a column chunk's top-level column and byte range.
func chunkOf(path []string, dictOffset, dataOffset, size int64) chunk {
	start := dataOffset
	if dictOffset > 0 && dictOffset < start {
		start = dictOffset
	}
	c := chunk{start: start, end: start + size}
	if len(path) > 0 {
		c.column = strings.ToLower(path[0])
	}
	return c
}
