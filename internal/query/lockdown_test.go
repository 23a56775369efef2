package query_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// TestUserSQLCannotTouchFiles: a query reads the catalog's tables and nothing else: local files cannot be read,
// written or attached, statements other than a query are refused, and the engine's settings cannot be changed.
func TestUserSQLCannotTouchFiles(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	q := e.st.Query
	dir := t.TempDir()
	victim := filepath.Join(dir, "secret.csv")
	require.NoError(t, os.WriteFile(victim, []byte("a,b\n1,2\n"), 0o600))

	for _, sql := range []string{
		"SELECT * FROM read_csv('" + victim + "')",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_parquet('/proc/self/fd/0')",
		"SELECT * FROM glob('/*')",
		"SELECT * FROM read_blob('/proc/self/environ')",
		"SELECT * FROM duckdb_secrets()",
		"SELECT count(*) FROM " + lakeDB + "." + name + " UNION ALL SELECT count(*) FROM read_csv('" + victim + "')",
	} {
		err := queryErr(t, q, alice, sql)
		require.Equal(t, query.CodePermissionDenied, err.Code, sql)
		require.Contains(t, err.Message, "disabled by configuration", sql)
	}
	for _, sql := range []string{
		"COPY (SELECT 1) TO '" + filepath.Join(dir, "out.csv") + "'",
		"ATTACH '" + filepath.Join(dir, "x.db") + "'",
		"SET enable_external_access = true",
		"INSTALL httpfs",
		"LOAD httpfs",
		"CREATE TABLE x AS SELECT 1",
		"SELECT 1; SELECT 2",
	} {
		err := queryErr(t, q, alice, sql)
		require.Equal(t, query.CodeSyntaxError, err.Code, sql)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing was written beside the victim file")

	_, rows, _ := run(t, q, alice, `SELECT current_setting('enable_external_access'), current_setting('temp_directory'),
	 current_setting('autoload_known_extensions'), current_setting('autoinstall_known_extensions'),
	 current_setting('lock_configuration'), current_setting('memory_limit')`)
	require.Equal(t, []string{"false", "", "false", "false", "true", "1.0 GiB"}, rows[0])
}

// TestMemoryLimit: a query over its memory limit fails with EXCEEDED_MEMORY_LIMIT, and the engine goes on.
func TestMemoryLimit(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	q := e.st.Query
	rows, err := q.Query(ctx, query.Request{Caller: alice, MemoryLimit: 32 << 20,
		SQL: "SELECT count(DISTINCT range::VARCHAR || 'some padding to make it big') FROM range(20000000)"})
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	require.Error(t, err)
	require.Contains(t, err.Error(), query.CodeExceededMemoryLimit+": Query exceeded the per-query memory limit of 32MB")

	// A limit below the data a query must read refuses it before reading.
	ae := queryErrReq(t, q, query.Request{Caller: alice, MemoryLimit: 1000, SQL: "SELECT count(*) FROM " + lakeDB + "." + name})
	require.Equal(t, query.CodeExceededMemoryLimit, ae.Code)

	_, got, _ := run(t, q, alice, "SELECT count(*) FROM "+lakeDB+"."+name)
	require.Equal(t, [][]string{{"6"}}, got)
}

// TestNoPlaintextOnDisk: after queries over rows holding a unique marker, no file under the test's directories
// (the stack's metadata and blobs) or the system's temporary directory holds it.
func TestNoPlaintextOnDisk(t *testing.T) {
	e := newLake(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	marker := "eni-" + hex.EncodeToString(b) // made at run time: not in the test binary
	var lines []string
	for i := range 2000 {
		lines = append(lines, flowLine(marker, "10.0.1.15", "198.51.100.7", 443, i+1, 1700000000+int64(i), "ACCEPT"))
	}
	name := e.appendTo(t, vpcflow.New(), []byte(strings.Join(lines, "\n")+"\n"), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	_, rows, _ := run(t, e.st.Query, alice, "SELECT DISTINCT src_endpoint.interface_uid FROM "+lakeDB+"."+name)
	require.Equal(t, [][]string{{marker}}, rows)
	_, rows, _ = run(t, e.st.Query, alice, "SELECT src_endpoint.interface_uid, count(*) FROM "+lakeDB+"."+name+
		" GROUP BY 1 ORDER BY 1")
	require.Equal(t, [][]string{{marker, "2000"}}, rows)

	// The scan finds the marker where it is in plaintext (a file written for the purpose), and nowhere else.
	control := filepath.Join(t.TempDir(), "control")
	require.NoError(t, os.WriteFile(control, []byte("x"+marker+"x"), 0o600))
	require.Equal(t, []string{control}, filesHolding(t, os.TempDir(), marker))
	wd, err := os.Getwd() // where DuckDB spills by default (.tmp)
	require.NoError(t, err)
	require.Empty(t, filesHolding(t, wd, marker))
}

func queryErrReq(t testing.TB, q *query.Engine, req query.Request) *awserr.Error {
	t.Helper()
	rows, err := q.Query(ctx, req)
	if err == nil {
		rows.Close()
	}
	require.Error(t, err)
	ae, ok := awserr.As(err)
	require.True(t, ok, "not an AWS error: %v", err)
	return ae
}

// filesHolding lists the regular files under dir whose bytes contain marker.
func filesHolding(t *testing.T, dir, marker string) []string {
	t.Helper()
	var found []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "go-build") { // compilers' caches, not ours
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(marker)) {
			found = append(found, path)
		}
		return nil
	})
	return found
}
