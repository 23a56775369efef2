package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

// rawExec runs statements on the database file behind seclake's back.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	for _, q := range stmts {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name         string
		prepare      func(t *testing.T, path string)
		incompatible bool
		msg          []string
	}{
		{
			name: "newer schema",
			prepare: func(t *testing.T, path string) {
				s, err := sqlite.Open(path, sqlite.Options{})
				require.NoError(t, err)
				require.NoError(t, s.Close())
				rawExec(t, path, "PRAGMA user_version = 99")
			},
			incompatible: true,
			msg:          []string{"schema version 99", "upgrade seclake or point --data at another directory"},
		},
		{
			name: "another program's database",
			prepare: func(t *testing.T, path string) {
				rawExec(t, path, "CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
			},
			incompatible: true,
			msg:          []string{"not a seclake metadata database", "point --data at another directory"},
		},
		{
			name: "not a database",
			prepare: func(t *testing.T, path string) {
				junk := []byte("this is a text file that someone put where the metadata database belongs\n")
				require.NoError(t, os.WriteFile(path, append(junk, junk...), 0o600))
			},
			incompatible: true,
			msg:          []string{"not a SQLite database"},
		},
		{
			name:    "directory",
			prepare: func(t *testing.T, path string) { require.NoError(t, os.Mkdir(path, 0o700)) },
			msg:     []string{"is a directory"},
		},
		{
			name:    "missing parent directory",
			prepare: func(t *testing.T, path string) { require.NoError(t, os.Remove(filepath.Dir(path))) },
			msg:     []string{"no such file or directory"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "meta.db")
			require.NoError(t, os.Mkdir(filepath.Dir(path), 0o700))
			tc.prepare(t, path)
			s, err := sqlite.Open(path, sqlite.Options{})
			require.Error(t, err)
			require.Nil(t, s)
			require.Equal(t, tc.incompatible, errors.Is(err, meta.ErrIncompatible), "wraps ErrIncompatible: %v", err)
			t.Log(err)
			require.Contains(t, err.Error(), path)
			for _, m := range tc.msg {
				require.Contains(t, err.Error(), m)
			}
		})
	}
}

func TestOpenBadPath(t *testing.T) {
	for _, p := range []string{"", "a?b", "x#y"} {
		_, err := sqlite.Open(p, sqlite.Options{})
		require.Error(t, err, "path %q", p)
	}
}

// TestFileModes checks that the database and its WAL are readable by their owner only.
func TestFileModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := sqlite.Open(path, sqlite.Options{})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	require.NoError(t, s.Update(context.Background(), func(tx meta.Tx) error { return tx.Put("t", "k", nil) }))
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), f)
	}
}

// TestReopenKeepsVersion opens the same file several times: migrations must not run twice.
func TestReopenKeepsVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	for range 3 {
		s, err := sqlite.Open(path, sqlite.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Close())
	}
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	var version, appID int
	require.NoError(t, db.QueryRow("SELECT user_version, application_id FROM pragma_user_version, pragma_application_id").
		Scan(&version, &appID))
	require.Equal(t, 1, version)
	require.Equal(t, 0x53434c4b, appID)
}
