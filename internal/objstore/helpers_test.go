package objstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/envelope"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
)

const account = "111122223333"

// fakeKeys is a DataKeys that records its calls. Its "ciphertext" is the key ID, the encryption context and
// the data key side by side: enough to check what S3 asked for.
type fakeKeys struct {
	mu       sync.Mutex
	gen, dec []kmsCall
	deny     string // an action to refuse with AccessDeniedException
}

type kmsCall struct {
	caller *actor.Caller
	keyID  string
	ctx    map[string]string
}

func (f *fakeKeys) GenerateDataKey(_ context.Context, c *actor.Caller, req kms.DataKeyRequest) (*kms.DataKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen = append(f.gen, kmsCall{c, req.KeyID, req.EncryptionContext})
	if f.deny == "kms:GenerateDataKey" {
		return nil, awserr.AccessDenied("User: %s is not authorized to perform: kms:GenerateDataKey on resource: %s", c.ARN, req.KeyID)
	}
	dk := make([]byte, 32)
	_, _ = rand.Read(dk)
	arn := "arn:aws:kms:us-east-1:" + account + ":key/" + strings.TrimPrefix(req.KeyID, "alias/")
	return &kms.DataKey{KeyARN: arn, Plaintext: dk, CiphertextBlob: append([]byte(arn+"|"), dk...)}, nil
}

func (f *fakeKeys) Decrypt(_ context.Context, c *actor.Caller, req kms.DecryptRequest) (*kms.Decrypted, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dec = append(f.dec, kmsCall{c, req.KeyID, req.EncryptionContext})
	if f.deny == "kms:Decrypt" {
		return nil, awserr.AccessDenied("User: %s is not authorized to perform: kms:Decrypt on resource: %s", c.ARN, req.KeyID)
	}
	arn, dk, _ := bytes.Cut(req.CiphertextBlob, []byte("|"))
	return &kms.Decrypted{KeyARN: string(arn), Plaintext: dk}, nil
}

func (f *fakeKeys) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.gen), len(f.dec)
}

type fixture struct {
	s     *Service
	keys  *fakeKeys
	clock *clock.Fake
	root  *actor.Caller
	dir   string
	iam   *iam.Service
}

func newFixture(t *testing.T) *fixture { return newFixtureTB(t) }

func newFixtureTB(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	key, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	clk := clock.NewFake(time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC))
	ids := iam.New(iam.Config{Store: store, Seal: key, Clock: clk, Rand: rand.Reader})
	keys := &fakeKeys{}
	env, err := envelope.New(envelope.Config{Keys: keys, Service: EventSource, Failure: envelope.S3Failure, Clock: clk})
	require.NoError(t, err)
	s, err := New(Config{Store: store, Blobs: blobs, Authz: ids, Keys: env, Seal: key, Clock: clk, Region: "us-east-1", Sessions: ids})
	require.NoError(t, err)
	root := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account}, Region: "us-east-1"}
	return &fixture{s: s, keys: keys, clock: clk, root: root, dir: dir, iam: ids}
}

func (f *fixture) bucket(t *testing.T, name string) {
	t.Helper()
	_, err := f.s.CreateBucket(context.Background(), f.root, CreateBucketInput{Bucket: name})
	require.NoError(t, err)
}

func (f *fixture) put(t *testing.T, bucket, key, body string, mod ...func(*PutInput)) *Object {
	t.Helper()
	in := PutInput{Bucket: bucket, Key: key, Body: strings.NewReader(body), Size: int64(len(body))}
	for _, m := range mod {
		m(&in)
	}
	o, err := f.s.PutObject(context.Background(), f.root, in)
	require.NoError(t, err)
	return o
}

func (f *fixture) read(t *testing.T, c *actor.Caller, bucket, key string) (string, error) {
	t.Helper()
	out, err := f.s.GetObject(context.Background(), c, GetInput{Bucket: bucket, Key: key})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}

func kmsDefault(key string, bucketKey bool) *Encryption {
	return &Encryption{Rules: []EncryptionRule{{Default: &EncryptionDefault{SSEAlgorithm: SSEKMS, KMSMasterKeyID: key}, BucketKeyEnabled: &bucketKey}}}
}

func newAWS(code string) error { return awserr.New(code, 400, "the key says no") }

func (f *fakeKeys) DescribeKey(_ context.Context, _ *actor.Caller, keyID string) (*kms.KeyMetadata, error) {
	return &kms.KeyMetadata{KeyID: keyID}, nil
}
