package table_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/table"
)

// BenchmarkAddReplicated measures adding one replicated data file (100 VPC flow rows) to a rollup table: the
// replica's head, the contributing table's snapshot lookup and the add-files commit (the append in the
// contributing lake and S3 replication are not timed).
func BenchmarkAddReplicated(b *testing.B) {
	st := stacktest.Start(b, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)))
	from, _ := replicatingLakes(b, st)
	src, err := table.AWS("vpc_flow")
	require.NoError(b, err)
	l, err := st.Lakes.Open(ctx, acct, contrib)
	require.NoError(b, err)
	source, err := l.Table(ctx, src)
	require.NoError(b, err)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		got, err := source.Append(ctx, normalizeBytes(b, vpcflow.New(), flowLines(100, i, 1, acct), "vpc_flow", contrib))
		require.NoError(b, err)
		_, err = st.Objects.RunReplication(ctx)
		require.NoError(b, err)
		b.StartTimer()
		added, err := st.Lakes.AddReplicated(ctx, acct, rollup, []string{contrib}, strings.TrimPrefix(got.Files[0], "s3://"+from.Bucket+"/"))
		require.NoError(b, err)
		require.True(b, added)
	}
}
