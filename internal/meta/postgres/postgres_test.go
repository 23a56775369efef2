package postgres_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/postgres"
)

func openTest(t *testing.T, dsn string, opts postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func putCounter(tx meta.Tx, n uint64) error {
	return tx.Put("t", "k", binary.BigEndian.AppendUint64(nil, n))
}

func getCounter(tx meta.Tx) (uint64, error) {
	v, err := tx.Get("t", "k")
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(v), nil
}

// TestSerializationFailure makes an Update read a key that another transaction then changes: its write
// fails to serialize, so it runs again (or, without attempts left, returns ErrConflict).
func TestSerializationFailure(t *testing.T) {
	dsn := testDSN(t)
	for _, tc := range []struct {
		attempts  int
		wantErr   error
		wantRuns  int
		wantFinal uint64
	}{
		{attempts: 2, wantRuns: 2, wantFinal: 11},
		{attempts: 1, wantErr: meta.ErrConflict, wantRuns: 1, wantFinal: 10},
	} {
		t.Run(fmt.Sprintf("attempts=%d", tc.attempts), func(t *testing.T) {
			s := openTest(t, dsn, postgres.Options{Schema: newSchema(t, dsn), MaxAttempts: tc.attempts})
			ctx := context.Background()
			require.NoError(t, s.Update(ctx, func(tx meta.Tx) error { return putCounter(tx, 0) }))
			read, other := make(chan struct{}), make(chan struct{})
			runs := 0
			done := make(chan error, 1)
			go func() {
				done <- s.Update(ctx, func(tx meta.Tx) error {
					runs++
					n, err := getCounter(tx)
					if err != nil {
						return err
					}
					if runs == 1 {
						close(read)
						<-other
					}
					return putCounter(tx, n+1)
				})
			}()
			<-read
			require.NoError(t, s.Update(ctx, func(tx meta.Tx) error { return putCounter(tx, 10) }))
			close(other)
			err := <-done
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.wantRuns, runs)
			require.NoError(t, s.View(ctx, func(tx meta.Tx) error {
				n, err := getCounter(tx)
				require.Equal(t, tc.wantFinal, n)
				return err
			}))
		})
	}
}

// TestNewerSchema refuses a schema that a newer seclake migrated.
func TestNewerSchema(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	s, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	conn, err := pgx.Connect(context.Background(), dsn)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	_, err = conn.Exec(context.Background(), "UPDATE "+pgx.Identifier{schema, "seclake_schema"}.Sanitize()+" SET version = 42")
	require.NoError(t, err)

	_, err = postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema})
	require.ErrorIs(t, err, meta.ErrIncompatible)
	require.Contains(t, err.Error(), "schema version 42")
	require.Contains(t, err.Error(), "upgrade seclake")
}

// TestConcurrentOpen starts several nodes on a new schema at once: one migrates, all work.
func TestConcurrentOpen(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	const nodes = 6
	stores := make([]*postgres.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			stores[i], errs[i] = postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema})
		})
	}
	wg.Wait()
	for i := range nodes {
		require.NoError(t, errs[i])
		t.Cleanup(func() { require.NoError(t, stores[i].Close()) })
	}
	require.NoError(t, stores[0].Update(context.Background(), func(tx meta.Tx) error { return putCounter(tx, 5) }))
	require.NoError(t, stores[nodes-1].View(context.Background(), func(tx meta.Tx) error {
		n, err := getCounter(tx)
		require.Equal(t, uint64(5), n, "nodes share the data")
		return err
	}))
}

// TestOpenErrorsHidePassword checks that a DSN's password never shows in an error.
func TestOpenErrorsHidePassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:hunter2secret@127.0.0.1:1/x?sslmode=nonsense",
		"postgres://u:hunter2secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=1",
		"host=127.0.0.1 port=1 user=u password=hunter2secret sslmode=disable connect_timeout=1",
		"postgres://u:hunter2secret@[::1/x",
	} {
		_, err := postgres.Open(context.Background(), dsn, postgres.Options{})
		require.Error(t, err)
		require.NotContains(t, err.Error(), "hunter2secret")
	}
}

// TestNodesCountTogether has several stores (as on several seclake nodes) increment one counter from many
// goroutines each: serializable Updates with retries lose no increment.
func TestNodesCountTogether(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	const nodes, workers, increments = 3, 4, 15
	stores := make([]*postgres.Store, nodes)
	for i := range stores {
		stores[i] = openTest(t, dsn, postgres.Options{Schema: schema, MaxAttempts: 200})
	}
	ctx := context.Background()
	require.NoError(t, stores[0].Update(ctx, func(tx meta.Tx) error { return putCounter(tx, 0) }))
	var wg sync.WaitGroup
	errs := make(chan error, nodes*workers)
	for n := range nodes {
		for range workers {
			wg.Go(func() {
				for range increments {
					err := stores[n].Update(ctx, func(tx meta.Tx) error {
						c, err := getCounter(tx)
						if err != nil {
							return err
						}
						return putCounter(tx, c+1)
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, stores[1].View(ctx, func(tx meta.Tx) error {
		c, err := getCounter(tx)
		require.Equal(t, uint64(nodes*workers*increments), c)
		return err
	}))
}
