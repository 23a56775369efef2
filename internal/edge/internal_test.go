package edge_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/edge"
)

func TestJobsEndpoint(t *testing.T) {
	get := func(jobs func(context.Context) (any, error)) (int, map[string]any) {
		h, err := edge.New(edge.Config{Clock: clock.System, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jobs: jobs})
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, edge.JobsPath, nil))
		var body map[string]any
		if rec.Code != http.StatusNotFound {
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		}
		return rec.Code, body
	}
	code, body := get(func(context.Context) (any, error) {
		return map[string]any{"node": "w1", "jobs": []string{"kms.due"}}, nil
	})
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "w1", body["node"])
	code, body = get(func(context.Context) (any, error) { return nil, errors.New("store down") })
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "store down", body["detail"])
	code, _ = get(nil)
	require.Equal(t, http.StatusNotFound, code)
}
