package location_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/ingest/location"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/s3notify"
	"github.com/seclake/seclake/internal/source/catalog"
	"github.com/seclake/seclake/internal/stack"
)

const acct = "111122223333"

var ctx = context.Background()

type fixture struct {
	st     *stack.Stack
	engine *ingest.Service
	locs   *location.Service
	root   *actor.Caller
	clock  *clock.Fake
}

// newFixture starts the stack and builds the engine and the locations over it (pages of two keys, one page
// per pass, so a backfill takes several passes).
func newFixture(t testing.TB, store ...meta.Store) *fixture {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	var st *stack.Stack
	if len(store) > 0 {
		st = stacktest.StartOn(t, clk, store[0])
	} else {
		st = stacktest.Start(t, clk)
	}
	eng, err := ingest.New(ingest.Config{Meta: st.Meta, Lakes: st.Lakes, Objects: st.Objects, Seal: st.Seal,
		Sources: catalog.Registry(), Clock: clk})
	require.NoError(t, err)
	f := &fixture{st: st, engine: eng, clock: clk,
		root: &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1"}}
	f.locs = newLocationsPaged(t, f, 2, 1)
	return f
}

// newLocationsPaged builds the locations over f's stack and engine with the given listing page size and
// pages per pass.
func newLocationsPaged(t testing.TB, f *fixture, pageSize, pages int) *location.Service {
	t.Helper()
	locs, err := location.New(location.Config{Meta: f.st.Meta, Objects: f.st.Objects, Lakes: f.st.Lakes, Engine: f.engine,
		Authz: f.st.IAM, Clock: f.clock, PageSize: pageSize, PagesPerRun: pages})
	require.NoError(t, err)
	return locs
}

func (f *fixture) bucket(t testing.TB, name string, keys ...string) {
	t.Helper()
	_, err := f.st.Objects.CreateBucket(ctx, f.root, objstore.CreateBucketInput{Bucket: name})
	require.NoError(t, err)
	for _, k := range keys {
		f.put(t, name, k, "{}")
	}
}

func (f *fixture) put(t testing.TB, bucket, key, body string) {
	t.Helper()
	_, err := f.st.Objects.PutObject(ctx, f.root, objstore.PutInput{Bucket: bucket, Key: key, Body: strings.NewReader(body), Size: int64(len(body))})
	require.NoError(t, err)
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return fmt.Sprint(err)
}

// TestAddChecksTheServicePrincipal: a bucket whose policy does not let securitylake.amazonaws.com read is
// refused with the exact statement to add; with GrantAccess the statement is added, the account's lake is
// created, and the location is listed; an unknown bucket is not found.
func TestAddChecksTheServicePrincipal(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "raw-logs")
	_, err := f.locs.Add(ctx, f.root, location.AddInput{Bucket: "raw-logs", Prefix: "AWSLogs/"})
	require.Equal(t, "BadRequestException", code(err))
	stmt := location.ReadStatement("raw-logs", "AWSLogs/", acct)
	require.Contains(t, err.Error(), stmt)
	_, ok, err := f.st.Lakes.Get(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.False(t, ok, "a refused add creates nothing")

	_, err = f.locs.Add(ctx, f.root, location.AddInput{Bucket: "no-such-bucket"})
	require.Equal(t, "ResourceNotFoundException", code(err))
	_, err = f.locs.Add(ctx, f.root, location.AddInput{Bucket: "raw-logs", Source: "Not A Source"})
	require.Equal(t, "BadRequestException", code(err))

	out, err := f.locs.Add(ctx, f.root, location.AddInput{Bucket: "raw-logs", Prefix: "AWSLogs/", GrantAccess: true})
	require.NoError(t, err)
	require.True(t, out.LakeCreated)
	require.Equal(t, stmt, out.PolicyStatement)
	pol, err := f.st.Objects.GetBucketPolicy(ctx, f.root, "raw-logs")
	require.NoError(t, err)
	require.Contains(t, pol, `"SecLakeIngestRead"`)
	require.Equal(t, location.SourceAuto, out.Location.Source)
	require.Equal(t, "us-east-1", out.Location.Region, "the bucket's region")

	// A second location in the same bucket reuses the lake and needs no grant.
	again, err := f.locs.Add(ctx, f.root, location.AddInput{Bucket: "raw-logs", Prefix: "AWSLogs/", Source: "cloudtrail"})
	require.NoError(t, err)
	require.False(t, again.LakeCreated)
	require.Empty(t, again.PolicyStatement)
	list, err := f.locs.List(ctx, f.root)
	require.NoError(t, err)
	require.Len(t, list, 2)

	other := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: "444455556666", ARN: actor.RootARN("444455556666"), ID: "444455556666"}, Region: "us-east-1"}
	_, err = f.locs.Get(ctx, other, out.Location.ID)
	require.Equal(t, "ResourceNotFoundException", code(err), "another account's location is not found")
	_, err = f.locs.Remove(ctx, f.root, again.Location.ID)
	require.NoError(t, err)
	_, err = f.locs.Get(ctx, f.root, again.Location.ID)
	require.Equal(t, "ResourceNotFoundException", code(err))
}

// TestBackfillResumesAndEventsQueue: the objects present at add are listed page by page from a cursor kept in
// meta (a new Service over the same store continues where the last stopped), each queued once; an object
// written after add is queued through its S3 event; one written twice with the same content is one identity.
func TestBackfillResumesAndEventsQueue(t *testing.T) { testBackfill(t, newFixture(t)) }

// TestBackfillOnPostgres is TestBackfillResumesAndEventsQueue over PostgreSQL (SECLAKE_TEST_POSTGRES).
func TestBackfillOnPostgres(t *testing.T) { testBackfill(t, newFixture(t, stacktest.Postgres(t))) }

func testBackfill(t *testing.T, f *fixture) {
	f.bucket(t, "raw-logs", "AWSLogs/a", "AWSLogs/b", "AWSLogs/c", "AWSLogs/d", "AWSLogs/e", "other/x")
	out, err := f.locs.Add(ctx, f.root, location.AddInput{Bucket: "raw-logs", Prefix: "AWSLogs/", GrantAccess: true})
	require.NoError(t, err)
	id := out.Location.ID

	require.NoError(t, f.locs.RunBackfill(ctx))
	l, err := f.locs.Get(ctx, f.root, id)
	require.NoError(t, err)
	require.Equal(t, location.Backfill{Listed: 2, Enqueued: 2}, l.Backfill)

	restarted := newLocationsPaged(t, f, 2, 1)
	for range 3 {
		require.NoError(t, restarted.RunBackfill(ctx))
	}
	l, err = restarted.Get(ctx, f.root, id)
	require.NoError(t, err)
	require.Equal(t, location.Backfill{Listed: 5, Enqueued: 5, Complete: true}, l.Backfill)

	// New objects come through the subscription's events; the same bytes again are the same identity.
	notify, err := s3notify.New(s3notify.Config{Events: f.st.Objects, Queues: f.st.Queues, Clock: f.clock})
	require.NoError(t, err)
	notify.SetIngest(restarted)
	f.put(t, "raw-logs", "AWSLogs/f", "new")
	f.put(t, "raw-logs", "AWSLogs/f", "new")
	f.put(t, "raw-logs", "other/y", "not under the prefix")
	require.NoError(t, notify.Deliver(ctx))
	pending, err := f.st.Objects.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, pending, "every event delivered")

	st, err := f.locs.Status(ctx, f.root)
	require.NoError(t, err)
	var queued int64
	for _, s := range st.Sources {
		require.Equal(t, id, s.Location)
		queued += s.Queued + s.Done
	}
	require.EqualValues(t, 6, queued, "a–e from the backfill, f once from its two events")
	l, err = f.locs.Get(ctx, f.root, id)
	require.NoError(t, err)
	require.EqualValues(t, 6, l.Objects.Queued+l.Objects.Done, "the location's objects in the engine")

	// A location whose bucket is gone ends its backfill instead of failing every pass.
	f.bucket(t, "short-lived")
	gone, err := restarted.Add(ctx, f.root, location.AddInput{Bucket: "short-lived", GrantAccess: true})
	require.NoError(t, err)
	require.NoError(t, f.st.Objects.DeleteBucket(ctx, f.root, "short-lived"))
	require.NoError(t, restarted.RunBackfill(ctx))
	l, err = restarted.Get(ctx, f.root, gone.Location.ID)
	require.NoError(t, err)
	require.Equal(t, location.Backfill{Complete: true}, l.Backfill)
	added, err := f.engine.Enqueue(ctx, ingest.ObjectRef{Bucket: "raw-logs", Key: "AWSLogs/a", ETag: etag(t, f, "raw-logs", "AWSLogs/a"),
		Account: acct, Region: "us-east-1", Location: id})
	require.NoError(t, err)
	require.Zero(t, added, "the backfill queued a under its identity")
}

func etag(t *testing.T, f *fixture, bucket, key string) string {
	t.Helper()
	o, err := f.st.Objects.HeadObject(ctx, f.root, objstore.GetInput{Bucket: bucket, Key: key})
	require.NoError(t, err)
	return o.Object.ETag
}
