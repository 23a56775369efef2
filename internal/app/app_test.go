package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// start runs Start on dir with the given environment and returns the server (or the error), stdout and logs.
func start(t *testing.T, dir string, env map[string]string) (*Server, string, string, error) {
	t.Helper()
	cfg := config.Default()
	cfg.Listen, cfg.DataDir, cfg.LogLevel = "127.0.0.1:0", dir, "debug"
	var stdout, logs bytes.Buffer
	srv, err := Start(context.Background(), cfg, Options{
		Stdout: &stdout, Stderr: &logs,
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	if err == nil {
		t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	}
	return srv, stdout.String(), logs.String(), err
}

func TestFirstStartCreatesAccountAndCredentialsOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv, stdout, logs, err := start(t, dir, nil)
	require.NoError(t, err)
	require.Regexp(t, `^[1-9][0-9]{11}$`, srv.AccountID)

	creds := filepath.Join(dir, "credentials")
	fi, err := os.Stat(creds)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	b, err := os.ReadFile(creds)
	require.NoError(t, err)
	require.Regexp(t, `^\[seclake\]\naws_access_key_id = AKIA[A-Z2-7]{16}\naws_secret_access_key = \S{40}\n$`, string(b))
	secret := strings.TrimSpace(strings.SplitN(string(b), "aws_secret_access_key = ", 2)[1])

	require.Contains(t, stdout, "management account "+srv.AccountID)
	require.Contains(t, stdout, creds)
	require.NotContains(t, stdout, secret, "the secret is in the file, never printed")
	require.NotContains(t, logs, secret, "secrets never appear in logs")
	key, err := os.ReadFile(filepath.Join(dir, "root.key"))
	require.NoError(t, err)
	require.NotContains(t, logs, strings.Split(string(key), "\n")[1])
	fi, err = os.Stat(filepath.Join(dir, "root.key"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	require.NoError(t, srv.Shutdown(context.Background()))

	again, stdout, _, err := start(t, dir, nil)
	require.NoError(t, err)
	require.Equal(t, srv.AccountID, again.AccountID, "a later start reuses the account")
	require.Empty(t, stdout, "the notice is printed once")
	b2, _ := os.ReadFile(creds)
	require.Equal(t, b, b2)
}

func TestPinnedIdentity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"SECLAKE_ACCOUNT_ID": "123456789012", "SECLAKE_ROOT_ACCESS_KEY_ID": "AKIAPINNED0000000001",
		"SECLAKE_ROOT_SECRET_ACCESS_KEY": "pinned-secret-pinned-secret-pinned-secret"}
	srv, _, _, err := start(t, dir, env)
	require.NoError(t, err)
	require.Equal(t, "123456789012", srv.AccountID)
	b, _ := os.ReadFile(filepath.Join(dir, "credentials"))
	require.Contains(t, string(b), "AKIAPINNED0000000001")
	require.NoError(t, srv.Shutdown(context.Background()))

	_, _, _, err = start(t, dir, map[string]string{"SECLAKE_ACCOUNT_ID": "999999999999"})
	require.ErrorContains(t, err, "belongs to account 123456789012")
	_, _, _, err = start(t, dir, map[string]string{"SECLAKE_ROOT_ACCESS_KEY_ID": "AKIAPINNED0000000001", "SECLAKE_ROOT_SECRET_ACCESS_KEY": "other"})
	require.ErrorContains(t, err, "does not match")
	_, _, _, err = start(t, t.TempDir(), map[string]string{"SECLAKE_ACCOUNT_ID": "12345"})
	require.ErrorContains(t, err, "not 12 digits")
}

func TestDataDirectoryProblemsStopTheServerWithAdvice(t *testing.T) {
	t.Run("newer format", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		srv, _, _, err := start(t, dir, nil)
		require.NoError(t, err)
		require.NoError(t, srv.Shutdown(context.Background()))
		require.NoError(t, os.WriteFile(filepath.Join(dir, formatFile), []byte(`{"format":99}`), 0o600))
		_, _, _, err = start(t, dir, nil)
		require.ErrorContains(t, err, "format 99, written by a newer seclake")
		require.ErrorContains(t, err, "upgrade seclake")
	})
	t.Run("missing root key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		srv, _, _, err := start(t, dir, nil)
		require.NoError(t, err)
		require.NoError(t, srv.Shutdown(context.Background()))
		require.NoError(t, os.Remove(filepath.Join(dir, "root.key")))
		_, _, _, err = start(t, dir, nil)
		require.ErrorContains(t, err, "root key")
		require.ErrorContains(t, err, "restore root.key")
	})
	t.Run("wrong root key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		srv, _, _, err := start(t, dir, nil)
		require.NoError(t, err)
		require.NoError(t, srv.Shutdown(context.Background()))
		other := make([]byte, 32)
		_, _ = rand.Read(other)
		_, _, _, err = start(t, dir, map[string]string{"SECLAKE_ROOT_KEY": base64.StdEncoding.EncodeToString(other)})
		require.ErrorContains(t, err, "does not belong to this data directory")
	})
	t.Run("not a seclake directory", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600))
		_, _, _, err := start(t, dir, nil)
		require.ErrorContains(t, err, "is not a seclake data directory")
	})
	t.Run("unreadable", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(file, nil, 0o600))
		_, _, _, err := start(t, filepath.Join(file, "data"), nil)
		require.ErrorContains(t, err, "cannot create data directory")
		require.ErrorContains(t, err, "--data")
	})
	t.Run("damaged database", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		srv, _, _, err := start(t, dir, nil)
		require.NoError(t, err)
		require.NoError(t, srv.Shutdown(context.Background()))
		for _, f := range []string{"meta.db-wal", "meta.db-shm"} {
			_ = os.Remove(filepath.Join(dir, f))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "meta.db"), bytes.Repeat([]byte("garbage!"), 1024), 0o600))
		_, _, _, err = start(t, dir, nil)
		require.ErrorContains(t, err, "metadata store")
	})
}

func TestInvalidConfigIsReportedBeforeStart(t *testing.T) {
	cfg := config.Default()
	cfg.Listen, cfg.LogLevel = "nope", "chatty"
	_, err := Start(context.Background(), cfg, Options{})
	require.ErrorContains(t, err, "invalid configuration")
	require.ErrorContains(t, err, "listen")
	require.ErrorContains(t, err, "logLevel")
}
