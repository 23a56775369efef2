package iam

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
)

const testAccount = "111122223333"

// fixture is an identity service on a fresh SQLite store, bootstrapped with testAccount.
type fixture struct {
	svc   *Service
	clock *clock.Fake
	root  *actor.Caller
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, store.Close()) })
	rnd := rand.NewChaCha8([32]byte{7})
	key, err := seal.Generate(rnd)
	require.NoError(t, err)
	fc := clock.NewFake(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	svc := New(Config{Store: store, Seal: key, Clock: fc, Rand: rnd})
	res, err := svc.Bootstrap(context.Background(), BootstrapInput{AccountID: testAccount, AccessKeyID: "AKIAROOTTESTKEY00001", SecretAccessKey: "root-secret"})
	require.NoError(t, err)
	root := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: res.Account.ID, ARN: actor.RootARN(res.Account.ID), ID: res.Account.ID}, Time: fc.Now(), Region: "us-east-1"}
	return &fixture{svc: svc, clock: fc, root: root}
}

// user creates a user and returns a caller signed in as it.
func (f *fixture) user(t testing.TB, name string) *actor.Caller {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), f.root, CreateUserInput{Name: name})
	require.NoError(t, err)
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: u.Account, ARN: u.ARN(), ID: u.ID, Name: u.Name}, Time: f.clock.Now(), Region: "us-east-1"}
}

// requireCode asserts that err is an AWS error with the given code and a message containing want.
func requireCode(t testing.TB, err error, code, want string) {
	t.Helper()
	require.Error(t, err)
	e, ok := awserr.As(err)
	require.True(t, ok, "not an AWS error: %v", err)
	require.Equal(t, code, e.Code, e.Message)
	require.Contains(t, e.Message, want)
}

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`

func allowDoc(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}
