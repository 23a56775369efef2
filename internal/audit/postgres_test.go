package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/postgres"
)

// The store-backed tests and benchmarks also run on PostgreSQL when SECLAKE_TEST_POSTGRES holds a DSN
// (e.g. postgres://root@127.0.0.1:5432/test?sslmode=disable).
func init() {
	if os.Getenv("SECLAKE_TEST_POSTGRES") != "" {
		storeKinds["postgres"] = newPostgres
	}
}

// newPostgres opens a store in a new schema of the test database and drops the schema at the end.
func newPostgres(t testing.TB) meta.Store {
	dsn := os.Getenv("SECLAKE_TEST_POSTGRES")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "seclake_audit_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer func() { _ = conn.Close(ctx) }()
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		require.NoError(t, err)
	})
	s, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}
