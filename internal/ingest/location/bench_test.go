package location_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest/location"
)

// BenchmarkBackfill lists and queues the objects of a registered location (pages of 1000 keys, as the job
// does): objects per second, each recorded once in the ingestion queue.
func BenchmarkBackfill(b *testing.B) {
	const objects = 2000
	for range b.N {
		b.StopTimer()
		f := newFixture(b)
		keys := make([]string, objects)
		for i := range keys {
			keys[i] = fmt.Sprintf("AWSLogs/%06d", i)
		}
		f.bucket(b, "raw-logs", keys...)
		locs := newLocationsPaged(b, f, 1000, 100)
		out, err := locs.Add(ctx, f.root, location.AddInput{Bucket: "raw-logs", GrantAccess: true})
		require.NoError(b, err)
		b.StartTimer()
		require.NoError(b, locs.RunBackfill(ctx))
		b.StopTimer()
		l, err := locs.Get(ctx, f.root, out.Location.ID)
		require.NoError(b, err)
		require.Equal(b, location.Backfill{Listed: objects, Enqueued: objects, Complete: true}, l.Backfill)
	}
	b.ReportMetric(float64(objects*b.N)/b.Elapsed().Seconds(), "objects/s")
}
