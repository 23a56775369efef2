package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/meta"
)

var errCrash = errors.New("crash")

// exact checks that the CloudTrail tables hold each of the n events of prefix once.
func exact(t *testing.T, e *env, mgmt, data int) {
	t.Helper()
	m := e.uids("cloud_trail_mgmt")
	require.Equal(t, mgmt, len(m), "rows of cloud_trail_mgmt")
	require.Equal(t, mgmt, distinct(m), "no duplicates in cloud_trail_mgmt")
	d := e.uids("s3_data")
	require.Equal(t, data, len(d), "rows of s3_data")
	require.Equal(t, data, distinct(d), "no duplicates in s3_data")
}

// TestCrashBetweenAppendAndLedger: a worker that dies after an append and before its ledger transaction (and one
// that dies after its write-ahead record, before the append) leaves its objects to the next worker, which
// resolves the write-ahead records and commits each event once, over many commits of one object.
func TestCrashBetweenAppendAndLedger(t *testing.T) {
	for _, c := range []struct {
		name  string
		crash func(*ingest.Service, func() error)
	}{
		{"after append", ingest.SetAfterAppend},
		{"before append", ingest.SetBeforeAppend},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tiny := func(cfg *ingest.Config) { cfg.Flush.MaxBufferBytes = 64 << 10 }
			const n = 3000
			body, dataEvents := cloudTrail(t, "crash", 0, n)
			var refs []ingest.ObjectRef
			for i := range 2 {
				refs = append(refs, e.put(ctKey(fmt.Sprint("obj", i)), body))
			}
			// Each crash happens at a later commit than the one before, so every step is taken.
			for crashAt := 1; crashAt <= 6; crashAt++ {
				s := e.service(tiny)
				_, err := s.Enqueue(ctx, refs...)
				require.NoError(t, err)
				commits := 0
				c.crash(s, func() error {
					if commits++; commits == crashAt {
						return errCrash
					}
					return nil
				})
				err = s.Run(ctx)
				if commits < crashAt {
					require.NoError(t, err)
					e.clk.Advance(3 * time.Minute) // stop here: its leases run out too
					break
				}
				require.ErrorIs(t, err, errCrash)
				e.clk.Advance(3 * time.Minute) // the dead worker's leases run out
			}
			s := e.service(tiny)
			drain(t, s)
			st, err := s.Status(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 2, st.Done)
			// Both objects hold the same events: each event twice, once per object.
			m, d := e.uids("cloud_trail_mgmt"), e.uids("s3_data")
			require.Equal(t, 2*(n-dataEvents), len(m))
			require.Equal(t, 2*dataEvents, len(d))
			require.Equal(t, n-dataEvents, distinct(m))
			for i := 0; i+1 < len(m); i += 2 {
				if m[i] != m[i+1] {
					t.Fatalf("event %s is not there exactly twice", m[i])
				}
			}
		})
	}
}

// TestSetAsideOnceAcrossRetries: an object read again after a crash does not store its set-aside records twice,
// and its events are committed once.
func TestSetAsideOnceAcrossRetries(t *testing.T) {
	e := newEnv(t, nil)
	ref := e.putFile("flows/bad.log", "../source/vpcflow/testdata/bad.log")
	ref.Source = "vpcflow"
	crashed := e.service(nil)
	ingest.SetAfterAppend(crashed, func() error { return errCrash })
	_, err := crashed.Enqueue(ctx, ref)
	require.NoError(t, err)
	require.NoError(t, crashed.Run(ctx))
	first, err := crashed.SetAside(ctx, "vpcflow", 0)
	require.NoError(t, err)
	require.NotEmpty(t, first)
	require.ErrorIs(t, crashed.Flush(ctx), errCrash)
	rows := e.rows("vpc_flow")
	require.Positive(t, rows, "the append went through before the crash")

	e.clk.Advance(3 * time.Minute)
	s := e.service(nil)
	drain(t, s)
	require.Equal(t, rows, e.rows("vpc_flow"), "committed once")
	again, err := s.SetAside(ctx, "VPC_FLOW", 0)
	require.NoError(t, err)
	require.Equal(t, len(first), len(again), "set aside once")
	for _, r := range again {
		require.Equal(t, "s3://raw-logs/flows/bad.log", r.Object)
		require.NotEmpty(t, r.Raw)
		require.NotEmpty(t, r.Reason)
	}
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, len(first), st.Sources[0].SetAside)
	// Sealed at rest: the stored values do not hold the raw records.
	stored := 0
	require.NoError(t, e.st.Meta.View(ctx, func(tx meta.Tx) error {
		return tx.Scan("ingest.setaside", meta.Range{}, func(_ string, v []byte) bool {
			stored++
			for _, r := range again {
				if bytes.Contains(v, r.Raw) {
					t.Errorf("set-aside record %d stored in plaintext", r.Record)
				}
			}
			return true
		})
	}))
	require.Equal(t, len(again), stored)
}

// TestStoppedRunReleasesItsObjects: a run whose context ends in the middle of an object gives its objects up
// without counting a failure, and the next run commits them once.
func TestStoppedRunReleasesItsObjects(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(func(cfg *ingest.Config) { cfg.Flush.MaxBufferBytes = 64 << 10 })
	body, dataEvents := cloudTrail(t, "stop", 0, 3000)
	_, err := s.Enqueue(ctx, e.put(ctKey("stop"), body))
	require.NoError(t, err)
	stop, cancel := context.WithCancel(ctx)
	commits := 0
	ingest.SetAfterAppend(s, func() error {
		if commits++; commits == 3 {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, s.Run(stop), context.Canceled)
	fails, err := s.Failures(ctx, 0)
	require.NoError(t, err)
	require.Empty(t, fails, "not the object's fault")
	drain(t, s) // due again at once
	m := e.uids("cloud_trail_mgmt")
	require.Equal(t, 3000-dataEvents, len(m))
	require.Equal(t, len(m), distinct(m))
}
