package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf/schema"
)

// TestGeneratedFilesAreCurrent regenerates the types into a temporary directory and compares them with the
// committed ones: run `go generate ./internal/ocsf` when it fails.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, generate(schema.Default(), dir))
	want, err := filepath.Glob(filepath.Join(dir, "zz_*.go"))
	require.NoError(t, err)
	have, err := filepath.Glob("../../internal/ocsf/zz_*.go")
	require.NoError(t, err)
	require.Len(t, have, len(want), "run go generate ./internal/ocsf")
	for _, f := range want {
		w, err := os.ReadFile(f)
		require.NoError(t, err)
		h, err := os.ReadFile(filepath.Join("../../internal/ocsf", filepath.Base(f)))
		require.NoError(t, err, "run go generate ./internal/ocsf")
		require.Equal(t, string(w), string(h), "%s is stale: run go generate ./internal/ocsf", filepath.Base(f))
	}
}

func TestFieldNames(t *testing.T) {
	for in, want := range map[string]string{
		"src_endpoint": "SrcEndpoint", "type_uid": "TypeUID", "intermediate_ips": "IntermediateIPs",
		"time_dt": "TimeDT", "http_request": "HTTPRequest", "win/reg_key": "WinRegKey", "uid_alt": "UIDAlt",
	} {
		require.Equal(t, want, fieldName(in))
	}
}
