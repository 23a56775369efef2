// Package blobtest is the conformance suite for blob.Store implementations: every implementation runs Run
// from its own tests, so that they all behave the same way.
package blobtest

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
)

// Open returns a new, empty store for one test and releases it with t.Cleanup.
type Open func(t testing.TB) blob.Store

// Run runs the conformance suite against the stores that open returns, a new one for every subtest. One
// subtest measures the live heap while Put reads 64 MiB, so do not run Run in parallel with other tests.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		run  func(t *testing.T, s blob.Store)
	}{
		{"PutGet", testPutGet},
		{"EmptyBlob", testEmptyBlob},
		{"Overwrite", testOverwrite},
		{"Missing", testMissing},
		{"InvalidKeys", testInvalidKeys},
		{"Ranges", testRanges},
		{"FailingReader", testFailingReader},
		{"CancelledPut", testCancelledPut},
		{"ListOrder", testListOrder},
		{"ListStop", testListStop},
		{"Delete", testDelete},
		{"ConcurrentPut", testConcurrentPut},
		{"LargeStreamingPut", testLargeStreamingPut},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// put stores data under key and checks the returned Info.
func put(t *testing.T, s blob.Store, key string, data []byte) blob.Info {
	t.Helper()
	info, err := s.Put(context.Background(), key, bytes.NewReader(data))
	require.NoError(t, err, "put %s", key)
	require.Equal(t, key, info.Key)
	require.Equal(t, int64(len(data)), info.Size)
	return info
}

// get reads the whole blob under key.
func get(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	rc, info, err := s.Get(context.Background(), key)
	require.NoError(t, err, "get %s", key)
	defer func() { require.NoError(t, rc.Close()) }()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.Equal(t, key, info.Key)
	require.Equal(t, int64(len(data)), info.Size)
	return data
}

// pattern returns n bytes that differ from position to position, so misplaced ranges show.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// listKeys returns the keys List yields for prefix.
func listKeys(t *testing.T, s blob.Store, prefix string) []string {
	t.Helper()
	keys := []string{}
	err := s.List(context.Background(), prefix, func(i blob.Info) bool {
		keys = append(keys, i.Key)
		return true
	})
	require.NoError(t, err)
	return keys
}
