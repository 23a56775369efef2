package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/postgres"
)

// dsnEnv names the environment variable that holds the DSN of a PostgreSQL database the tests may use.
const dsnEnv = "SECLAKE_TEST_POSTGRES"

// testDSN returns the test database's DSN, or skips the test when there is none.
func testDSN(t testing.TB) string {
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN (e.g. postgres://root@127.0.0.1:5432/test?sslmode=disable) to run the postgres store tests", dsnEnv)
	}
	return dsn
}

// newSchema names a schema for one test and drops it when the test ends.
func newSchema(t testing.TB, dsn string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "seclake_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer func() { _ = conn.Close(ctx) }()
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		require.NoError(t, err)
	})
	return schema
}

// setup returns a metatest.Setup that gives each test its own schema.
func setup(opts postgres.Options) metatest.Setup {
	return func(t testing.TB) metatest.Opener {
		dsn := testDSN(t)
		o := opts
		o.Schema = newSchema(t, dsn)
		return func() meta.Store {
			s, err := postgres.Open(context.Background(), dsn, o)
			require.NoError(t, err)
			return s
		}
	}
}

func TestConformance(t *testing.T) {
	testDSN(t)
	metatest.Run(t, setup(postgres.Options{}))
}
