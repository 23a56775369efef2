package kms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/postgres"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}

const (
	acct   = "111122223333"
	other  = "444455556666"
	region = "us-east-1"
)

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// recorder is an audit.Appender that keeps the records.
type recorder struct {
	mu   sync.Mutex
	recs []*audit.Record
}

func (r *recorder) Append(_ context.Context, rec *audit.Record) error {
	r.AppendAsync(rec)
	return nil
}

func (r *recorder) AppendAsync(rec *audit.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
}

func (r *recorder) all() []*audit.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*audit.Record(nil), r.recs...)
}

// directory is a PrincipalDirectory that knows a fixed set of ARNs and accounts.
type directory map[string]bool

func (d directory) PrincipalExists(_ context.Context, p policy.Principal) (bool, error) {
	if p.Type == policy.Root {
		return d[p.Account], nil
	}
	return d[p.ARN], nil
}

type testEnv struct {
	svc   *Service
	store meta.Store
	clock *clock.Fake
	trail *recorder
}

// storeKinds are the metadata stores forEachStore runs on: SQLite always, PostgreSQL when
// SECLAKE_TEST_POSTGRES holds a DSN (e.g. postgres://root@127.0.0.1:5432/test?sslmode=disable).
var storeKinds = map[string]func(t testing.TB) meta.Store{"sqlite": newSQLite}

func init() {
	if os.Getenv("SECLAKE_TEST_POSTGRES") != "" {
		storeKinds["postgres"] = newPostgres
	}
}

func newSQLite(t testing.TB) meta.Store {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, store.Close()) })
	return store
}

// newPostgres opens a store in a new schema of the test database and drops the schema at the end.
func newPostgres(t testing.TB) meta.Store {
	dsn := os.Getenv("SECLAKE_TEST_POSTGRES")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "seclake_kms_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		require.NoError(t, err)
		defer func() { _ = conn.Close(context.Background()) }()
		_, err = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		require.NoError(t, err)
	})
	s, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// forEachStore runs fn with a fresh environment on each store kind.
func forEachStore(t *testing.T, fn func(t *testing.T, e *testEnv)) {
	for name, open := range storeKinds {
		t.Run(name, func(t *testing.T) { fn(t, newTestEnvOn(t, open(t))) })
	}
}

func newTestEnv(t testing.TB, edit ...func(*Config)) *testEnv {
	t.Helper()
	return newTestEnvOn(t, newSQLite(t), edit...)
}

func newTestEnvOn(t testing.TB, store meta.Store, edit ...func(*Config)) *testEnv {
	t.Helper()
	root, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	clk := clock.NewFake(testTime)
	rec := &recorder{}
	cfg := Config{
		Store:    store,
		Seal:     root,
		Identity: iam.New(iam.Config{Store: store, Seal: root, Clock: clk, Rand: rand.Reader}),
		Recorder: audit.NewRecorder(rec, clk),
		Clock:    clk,
		Rand:     rand.Reader,
	}
	for _, e := range edit {
		e(&cfg)
	}
	svc, err := New(cfg)
	require.NoError(t, err)
	return &testEnv{svc: svc, store: store, clock: clk, trail: rec}
}

// Callers.

func rootOf(account string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account},
		Region: region, Time: testTime, SourceIP: "192.0.2.1"}
}

func userOf(account, name string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: account, ARN: "arn:aws:iam::" + account + ":user/" + name,
		ID: "AIDA" + strings.ToUpper(name) + "0000000000", Name: name}, Region: region, Time: testTime, SourceIP: "192.0.2.2"}
}

// sessionOf is a session of the role with the given path-qualified name ("service-role/Replication").
func sessionOf(account, role, session string) *actor.Caller {
	name := role[strings.LastIndexByte(role, '/')+1:]
	roleARN := "arn:aws:iam::" + account + ":role/" + role
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeAssumedRole, Account: account,
		ARN:     "arn:aws:sts::" + account + ":assumed-role/" + name + "/" + session,
		ID:      "AROA" + strings.ToUpper(strings.ReplaceAll(name, "-", "")) + ":" + session,
		Name:    name,
		Session: &actor.Session{RoleARN: roleARN, RoleID: "AROA" + strings.ToUpper(strings.ReplaceAll(name, "-", "")), Name: session, Issued: testTime}},
		Region: region, Time: testTime, SourceIP: "192.0.2.3"}
}

func serviceOf(name string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeService, Service: name}, Region: region, Time: testTime}
}

// via returns a copy of c acting through service (c.InvokedBy).
func via(c *actor.Caller, service string) *actor.Caller {
	out := *c
	out.InvokedBy = service
	return &out
}

// createKey makes a key as root with the given policy ("" for the default).
func (e *testEnv) createKey(t testing.TB, pol string) *KeyMetadata {
	t.Helper()
	md, err := e.svc.CreateKey(context.Background(), rootOf(acct), CreateKeyRequest{Policy: pol, BypassPolicyLockoutSafetyCheck: pol != ""})
	require.NoError(t, err)
	return md
}

// code returns the AWS error code of err ("" for nil).
func code(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	ae, ok := awserr.As(err)
	require.True(t, ok, "not an AWS error: %v", err)
	return ae.Code
}

// message returns the AWS error message of err.
func message(t testing.TB, err error) string {
	t.Helper()
	ae, ok := awserr.As(err)
	require.True(t, ok, "not an AWS error: %v", err)
	return ae.Message
}

var ctx = context.Background()

// withSource returns a copy of c acting for the resource arn of account (aws:SourceArn, aws:SourceAccount).
func withSource(c *actor.Caller, arn, account string) *actor.Caller {
	cp := *c
	cp.Source = actor.Source{ARN: arn, Account: account}
	return &cp
}
