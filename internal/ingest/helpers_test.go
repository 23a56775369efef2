package ingest_test

import (
	"bytes"
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source/catalog"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
	raw    = "raw-logs"
)

var (
	ctx  = context.Background()
	root = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct},
		Region: region}
)

// rawPolicy lets the Security Lake service principal read the raw bucket for the account.
const rawPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"SecurityLakeRead","Effect":"Allow",
 "Principal":{"Service":"securitylake.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::raw-logs/*",
 "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`

type env struct {
	t    testing.TB
	clk  *clock.Fake
	st   *stack.Stack
	lake table.LakeInfo
}

// newEnv starts a stack (SQLite, or store when given) with the account's lake in us-east-1 (SSE-S3, or SSE-KMS
// under kmsKey made by the caller through edit) and a raw bucket the lake may read.
func newEnv(t testing.TB, store meta.Store) *env {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	var st *stack.Stack
	if store == nil {
		st = stacktest.Start(t, clk)
	} else {
		st = stacktest.StartOn(t, clk, store)
	}
	e := &env{t: t, clk: clk, st: st}
	e.createLake("")
	_, err := st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: raw})
	require.NoError(t, err)
	require.NoError(t, st.Objects.PutBucketPolicy(ctx, root, raw, rawPolicy))
	return e
}

func (e *env) createLake(kmsKey string) {
	info, err := e.st.Lakes.Create(ctx, root, region, kmsKey)
	require.NoError(e.t, err)
	e.lake = info
}

// service returns an ingestion service on the env's stack.
func (e *env) service(edit func(*ingest.Config)) *ingest.Service {
	e.t.Helper()
	cfg := ingest.Config{Meta: e.st.Meta, Lakes: e.st.Lakes, Objects: e.st.Objects, Audit: e.st.Audit, Seal: e.st.Seal,
		Sources: catalog.Registry(), Clock: e.clk}
	if edit != nil {
		edit(&cfg)
	}
	s, err := ingest.New(cfg)
	require.NoError(e.t, err)
	return s
}

// put writes a raw object and returns its ref.
func (e *env) put(key string, body []byte) ingest.ObjectRef {
	e.t.Helper()
	obj, err := e.st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: raw, Key: key, Body: bytes.NewReader(body),
		Size: int64(len(body))})
	require.NoError(e.t, err)
	return ingest.ObjectRef{Bucket: raw, Key: key, ETag: obj.ETag, Size: obj.Size, Account: acct, Region: region}
}

func (e *env) putFile(key, path string) ingest.ObjectRef {
	e.t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(e.t, err)
	return e.put(key, data)
}

// drain runs the service until nothing is waiting, then flushes.
func drain(t testing.TB, s *ingest.Service) {
	t.Helper()
	for i := 0; i < 50; i++ {
		require.NoError(t, s.Run(ctx))
		st, err := s.Status(ctx)
		require.NoError(t, err)
		if st.Queued-st.Failed == 0 {
			break
		}
	}
	require.NoError(t, s.Flush(ctx))
	require.NoError(t, s.Run(ctx))
}

// scan reads a table of the us-east-1 lake whole (nil when it has no snapshot).
func (e *env) scan(name string) arrow.Table { return e.scanIn(region, name) }

// lakeRows counts the rows of a table of the lake in reg.
func (e *env) lakeRows(reg, name string) int {
	e.t.Helper()
	at := e.scanIn(reg, name)
	if at == nil {
		return 0
	}
	defer at.Release()
	return int(at.NumRows())
}

// scanIn reads a table of the lake in reg whole (nil when it has no snapshot).
func (e *env) scanIn(reg, name string) arrow.Table {
	e.t.Helper()
	lake, err := e.st.Lakes.Open(ctx, acct, reg)
	require.NoError(e.t, err)
	src, err := table.AWS(name)
	require.NoError(e.t, err)
	tbl, err := lake.Table(ctx, src)
	require.NoError(e.t, err)
	it, err := tbl.Load(ctx)
	require.NoError(e.t, err)
	if it.CurrentSnapshot() == nil {
		return nil
	}
	at, err := it.Scan().ToArrowTable(ctx)
	require.NoError(e.t, err)
	return at
}

// uids returns the metadata.uid of every row of a table (sorted).
func (e *env) uids(name string) []string {
	e.t.Helper()
	at := e.scan(name)
	if at == nil {
		return nil
	}
	defer at.Release()
	var out []string
	idx := at.Schema().FieldIndices("metadata")
	require.NotEmpty(e.t, idx)
	for _, chunk := range at.Column(idx[0]).Data().Chunks() {
		st := chunk.(*array.Struct)
		f, ok := st.DataType().(interface{ FieldIdx(string) (int, bool) }).FieldIdx("uid")
		require.True(e.t, ok, "%s has no metadata.uid", name)
		col := st.Field(f)
		for i := 0; i < col.Len(); i++ {
			out = append(out, col.ValueStr(i))
		}
	}
	sort.Strings(out)
	return out
}

// rows counts the rows of a table of the us-east-1 lake.
func (e *env) rows(name string) int { return e.lakeRows(region, name) }

// distinct counts the distinct values of sorted.
func distinct(sorted []string) int {
	n := 0
	for i := range sorted {
		if i == 0 || sorted[i] != sorted[i-1] {
			n++
		}
	}
	return n
}
