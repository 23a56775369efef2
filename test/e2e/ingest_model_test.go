package e2e

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// modelPath is the directory of seclake's own botocore models (the ingestion API's), for AWS_DATA_PATH.
func modelPath(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs("../../internal/api/ingest/model")
	require.NoError(t, err)
	return p
}
