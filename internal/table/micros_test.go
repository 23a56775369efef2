package table_test

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/table"
)

// timeDTs returns the time_dt of each event of b, in milliseconds.
func timeDTs(t *testing.T, b table.Batch) []int64 {
	t.Helper()
	out := make([]int64, 0, len(b.Events))
	for _, ev := range b.Events {
		out = append(out, int64(ev.(*ocsf.NetworkActivity).TimeDT))
	}
	return out
}

// TestIcebergScanFiltersOnTimestamps scans the lake's table with iceberg-go (as Trino, Spark or PyIceberg would
// through the REST catalog) with a row filter on time_dt: the files' bounds must be microseconds, as the Iceberg
// spec has timestamptz, or the scan prunes files that hold matching rows.
func TestIcebergScanFiltersOnTimestamps(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	b := normalizeBytes(t, vpcflow.New(), flowLines(200, 0, 1, acct), "vpc_flow", region)
	_, err := vpc.Append(ctx, b)
	require.NoError(t, err)

	times := timeDTs(t, b)
	lo, hi := times[0], times[0]
	for _, ms := range times {
		lo, hi = min(lo, ms), max(hi, ms)
	}
	mid := lo + (hi-lo)/2
	want := 0
	for _, ms := range times {
		if ms >= mid {
			want++
		}
	}
	require.Positive(t, want)
	require.Less(t, want, len(times))

	rows, files := count(t, vpc, iceberg.GreaterThanEqual(iceberg.Reference("time_dt"), iceberg.Timestamp(mid*1000)))
	require.Equal(t, 1, files, "the file holding the rows is planned")
	require.EqualValues(t, want, rows)
	rows, files = count(t, vpc, iceberg.GreaterThan(iceberg.Reference("time_dt"), iceberg.Timestamp(hi*1000)))
	require.Zero(t, files, "a file past the filter's time is pruned")
	require.Zero(t, rows)

	// The manifest's bounds, decoded as the spec says (int64 microseconds, little endian).
	it, err := vpc.Load(ctx)
	require.NoError(t, err)
	f, ok := it.Schema().FindFieldByName("time_dt")
	require.True(t, ok)
	tasks, err := it.Scan().PlanFiles(ctx)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	bound := func(b []byte) int64 { require.Len(t, b, 8); return int64(binary.LittleEndian.Uint64(b)) }
	require.Equal(t, lo*1000, bound(tasks[0].File.LowerBoundValues()[f.ID]))
	require.Equal(t, hi*1000, bound(tasks[0].File.UpperBoundValues()[f.ID]))

	// The data file's time_dt is a TIMESTAMP(MICROS) adjusted to UTC, holding the events' times.
	pf := readDataFile(t, e, tasks[0].File.FilePath())
	leaf, ok := pf.Schema().Lookup("time_dt")
	require.True(t, ok)
	ts, ok := leaf.Node.Type().LogicalType().Value.(*format.TimestampType)
	require.True(t, ok, "time_dt is a timestamp")
	require.True(t, ts.IsAdjustedToUTC)
	require.Equal(t, time.Microsecond, ts.Unit.Value.Duration())
	require.Equal(t, []int64{lo * 1000, hi * 1000}, columnRange(t, pf, leaf))
}

// columnRange reads the values of the unrepeated leaf of pf and returns the smallest and the largest.
func columnRange(t *testing.T, pf *parquet.File, leaf parquet.LeafColumn) []int64 {
	t.Helper()
	rows := pf.RowGroups()[0].Rows()
	defer rows.Close()
	buf := make([]parquet.Row, 64)
	var lo, hi int64
	seen := false
	for {
		n, err := rows.ReadRows(buf)
		for _, row := range buf[:n] {
			for _, v := range row {
				if v.Column() != leaf.ColumnIndex || v.IsNull() {
					continue
				}
				if !seen || v.Int64() < lo {
					lo = v.Int64()
				}
				if !seen || v.Int64() > hi {
					hi = v.Int64()
				}
				seen = true
			}
		}
		if err != nil || n == 0 {
			break
		}
	}
	require.True(t, seen)
	return []int64{lo, hi}
}

// TestCompactionRewritesMillisecondFiles starts from files the lake wrote before it wrote microseconds (their
// timestamps and bounds in milliseconds): Plan reads their bounds in their own unit, and the next compaction
// rewrites them in microseconds, a file alone in its partition too, after which iceberg-go's own scan prunes
// right. The rows read the same before and after.
func TestCompactionRewritesMillisecondFiles(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	restore := table.WriteMillis()
	old := openTable(t, e, "vpc_flow")
	restore()
	legacy := normalizeBytes(t, vpcflow.New(), flowLines(120, 0, 2, acct), "vpc_flow", region)
	_, err := old.Append(ctx, legacy) // two partitions, a file in milliseconds each
	require.NoError(t, err)
	vpc := openTable(t, e, "vpc_flow")
	current := normalizeBytes(t, vpcflow.New(), flowLines(50, 1, 1, acct), "vpc_flow", region)
	_, err = vpc.Append(ctx, current) // the first day's partition, a file in microseconds
	require.NoError(t, err)
	total := len(legacy.Events) + len(current.Events)
	lo := slices.Min(append(timeDTs(t, legacy), timeDTs(t, current)...))
	since := iceberg.GreaterThanEqual(iceberg.Reference("time_dt"), iceberg.Timestamp(lo*1000))

	rows, _ := count(t, vpc, since)
	require.EqualValues(t, len(current.Events), rows, "iceberg-go misses the rows of the millisecond files")
	plan, err := e.lake.Plan(ctx, vpc.Identifier()[0], vpc.Name(), []table.Predicate{
		{Column: "time_dt", Op: ">=", Values: []any{time.UnixMilli(lo)}}})
	require.NoError(t, err)
	require.Len(t, plan.Files, 3, "Plan reads each file's bounds in its unit")
	before := rowsAsJSON(t, vpc)
	require.Len(t, before, total)

	res, err := vpc.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	require.Equal(t, 3, res.FilesRemoved)
	require.Equal(t, 2, res.FilesAdded, "the first day's two files into one, the second day's file alone")

	rows, files := count(t, vpc, since)
	require.EqualValues(t, total, rows)
	require.Equal(t, 2, files)
	require.Equal(t, before, rowsAsJSON(t, vpc))
	it, err := vpc.Load(ctx)
	require.NoError(t, err)
	tasks, err := it.Scan().PlanFiles(ctx)
	require.NoError(t, err)
	for _, task := range tasks {
		leaf, ok := readDataFile(t, e, task.File.FilePath()).Schema().Lookup("time_dt")
		require.True(t, ok)
		ts, ok := leaf.Node.Type().LogicalType().Value.(*format.TimestampType)
		require.True(t, ok)
		require.Equal(t, time.Microsecond, ts.Unit.Value.Duration())
	}

	again, err := vpc.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	require.Zero(t, again.FilesRemoved, "files in microseconds are not rewritten again")
}
