package stack

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/table"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}

const acct = "111122223333"

var root = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1"}

// stores opens SQLite and a blob directory in a temporary directory, with a new root key.
func stores(t *testing.T) Stores {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	key, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	return Stores{Meta: st, Blobs: blobs, Seal: key}
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}

func TestTheServicesAreWiredAndTheirJobsDoTheirWork(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s, err := Start(ctx, Config{Stores: stores(t), Clock: clk})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Stop(ctx)) }()

	jobs := s.Jobs()
	var names []string
	for name, j := range jobs {
		names = append(names, name)
		require.True(t, j.RunsOn(component.Worker) && !j.RunsOn(component.API), name)
	}
	sort.Strings(names)
	require.Equal(t, []string{JobIAMJanitor, JobIngestAudit, JobIngestBackfill, JobIngestRun, JobKMSDue, JobLakeProvision, JobLakeReencrypt, JobLogDelivery, JobS3Lifecycle, JobS3Notify, JobS3Replicate, JobS3Sweep, JobQueueExpire, table.JobName, JobTrailDeliver}, names)
	require.Equal(t, time.Minute, jobs[JobKMSDue].Every)

	// KMS: a key scheduled for deletion is deleted by the job once its window has passed.
	md, err := s.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{})
	require.NoError(t, err)
	window := 7
	_, err = s.KMS.ScheduleKeyDeletion(ctx, root, md.KeyID, &window)
	require.NoError(t, err)
	clk.Advance(7*24*time.Hour + time.Minute)
	require.NoError(t, jobs[JobKMSDue].Run(ctx))
	_, err = s.KMS.DescribeKey(ctx, root, md.KeyID)
	require.Equal(t, "NotFoundException", code(err))

	// S3 uses that KMS, and its lifecycle job expires objects.
	_, err = s.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "logs"})
	require.NoError(t, err)
	_, err = s.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: "logs", Key: "old", Body: strings.NewReader("x"), Size: 1,
		SSE: objstore.SSERequest{Algorithm: objstore.SSEKMS}})
	require.NoError(t, err)
	days := objstore.LifecycleExpiration{Days: 1}
	require.NoError(t, s.Objects.PutBucketLifecycle(ctx, root, "logs", &objstore.Lifecycle{Rules: []objstore.LifecycleRule{
		{ID: "expire", Status: "Enabled", Prefix: new(string), Expiration: &days}}}))
	clk.Advance(48 * time.Hour)
	require.NoError(t, jobs[JobS3Lifecycle].Run(ctx))
	_, err = s.Objects.HeadObject(ctx, root, objstore.GetInput{Bucket: "logs", Key: "old"})
	require.Equal(t, "NoSuchKey", code(err))
	require.NoError(t, jobs[JobS3Sweep].Run(ctx))
	require.NoError(t, jobs[JobTrailDeliver].Run(ctx))
	require.NoError(t, jobs[JobIAMJanitor].Run(ctx))
}

func TestAFailedStartStopsWhatStarted(t *testing.T) {
	ctx := context.Background()
	st := stores(t)
	closed := false
	_, err := Start(ctx, Config{
		Open:  func(context.Context) (Stores, error) { return st, nil },
		Close: func() error { closed = true; return nil },
		Edit:  Edits{KMS: func(c *kms.Config) { c.Rand = nil }},
	})
	require.ErrorContains(t, err, "start kms: start key management service: kms: no randomness source")
	require.True(t, closed, "the stores opened by the stack are closed again")

	_, err = Start(ctx, Config{Open: func(context.Context) (Stores, error) { return Stores{}, errors.New("disk full") }})
	require.ErrorContains(t, err, "start stores: disk full")
	_, err = Start(ctx, Config{})
	require.ErrorContains(t, err, "the metadata store, the blob store and the root key are required")
}
