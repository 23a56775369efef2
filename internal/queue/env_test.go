package queue_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/queue"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
)

const acct = "111122223333"

var (
	ctx  = context.Background()
	root = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1"}
)

// env is the real stack (IAM, audit, KMS, queues) on SQLite, on a fake clock.
type env struct {
	st    *stack.Stack
	q     *queue.Service
	clock *clock.Fake
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	dir := tb.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() { store.Close() })
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	require.NoError(tb, err)
	sk, err := seal.Generate(rand.Reader)
	require.NoError(tb, err)
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st, err := stack.Start(ctx, stack.Config{Stores: stack.Stores{Meta: store, Blobs: blobs, Seal: sk}, Clock: clk})
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, st.Stop(ctx)) })
	return &env{st: st, q: st.Queues, clock: clk}
}

// queue creates a queue and returns its reference.
func (e *env) queue(tb testing.TB, name string, attrs map[string]string) queue.Ref {
	tb.Helper()
	q, err := e.q.CreateQueue(ctx, root, name, attrs, nil)
	require.NoError(tb, err)
	return queue.Ref{Account: q.Account, Name: q.Name, URL: name}
}

// kmsKey creates a customer managed key and returns its ARN.
func (e *env) kmsKey(tb testing.TB) string {
	tb.Helper()
	md, err := e.st.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{})
	require.NoError(tb, err)
	return md.ARN
}

type (
	metaTx    = meta.Tx
	metaRange = meta.Range
)

func containsSecret(s string) bool { return strings.Contains(s, "top-secret") }
