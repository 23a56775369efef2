package table

import (
	"container/list"
	"context"
	"database/sql"
	"sync"

	icetable "github.com/apache/iceberg-go/table"

	"github.com/seclake/seclake/internal/objstore"
)

// metaCacheBytes bounds the parsed table metadata a lake keeps for reads.
const metaCacheBytes = 32 << 20

// metaCache keeps, for reads (LoadTable, Plan), tables as loaded from their metadata files, by the file's
// location. A metadata file is immutable (a commit writes a new one and moves the catalog's row to it), so the
// catalog's row (read on every use) says which one is current; each use also HEADs the file as the lake's
// service principal, so the bucket policy still decides and a file rewritten in place (another ETag) is read
// again. It lives in memory only, bounded (LRU by the metadata's size).
type metaCache struct {
	mu    sync.Mutex
	used  int64
	order *list.List
	m     map[string]*list.Element
}

type metaEntry struct {
	loc, etag string
	t         *icetable.Table
	info      *TableInfo
}

func (e *metaEntry) bytes() int64 { return 2*int64(len(e.info.Metadata)) + 256 }

func (c *metaCache) get(loc string) *metaEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[loc]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*metaEntry)
}

func (c *metaCache) put(e *metaEntry) {
	if e.bytes() > metaCacheBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m, c.order = map[string]*list.Element{}, list.New()
	}
	if el, ok := c.m[e.loc]; ok {
		c.used -= el.Value.(*metaEntry).bytes()
		c.order.Remove(el)
	}
	c.m[e.loc] = c.order.PushFront(e)
	c.used += e.bytes()
	for c.used > metaCacheBytes {
		el := c.order.Back()
		old := el.Value.(*metaEntry)
		c.order.Remove(el)
		delete(c.m, old.loc)
		c.used -= old.bytes()
	}
}

// readTable is loadTable for reads: the table and its TableInfo, from the cache when its current metadata file
// was loaded before (and still has the ETag it had). Callers must not change what it returns.
func (l *Lake) readTable(ctx context.Context, ns, name string) (*icetable.Table, *TableInfo, error) {
	if _, err := l.NamespaceProperties(ctx, ns); err != nil {
		return nil, nil, err
	}
	var loc sql.NullString
	err := l.cfg.DB.QueryRowContext(ctx, `SELECT metadata_location FROM iceberg_tables
WHERE catalog_name = $1 AND table_namespace = $2 AND table_name = $3`, l.cfg.Account, ns, name).Scan(&loc)
	if err == nil && loc.Valid {
		if e := l.meta.get(loc.String); e != nil {
			if etag, err := l.metadataETag(ctx, loc.String); err == nil && etag == e.etag {
				return e.t, e.info, nil
			}
		}
	}
	t, err := l.cat.LoadTable(ctx, icetable.Identifier{ns, name})
	if err != nil {
		return nil, nil, catalogError(err)
	}
	info, err := tableInfo(ns, name, t.Metadata(), t.MetadataLocation())
	if err != nil {
		return nil, nil, err
	}
	if etag, err := l.metadataETag(ctx, t.MetadataLocation()); err == nil && etag != "" {
		l.meta.put(&metaEntry{loc: t.MetadataLocation(), etag: etag, t: t, info: info})
	}
	return t, info, nil
}

// metadataETag HEADs the metadata file at loc as the lake (its resource-management role, or its service principal).
func (l *Lake) metadataETag(ctx context.Context, loc string) (string, error) {
	bucket, key, err := splitPath(loc)
	if err != nil {
		return "", err
	}
	out, err := l.cfg.Objects.HeadObject(ctx, l.caller(ctx), objstore.GetInput{Bucket: bucket, Key: key})
	if err != nil || out.Object == nil {
		return "", err
	}
	return out.Object.ETag, nil
}
