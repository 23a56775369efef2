package table

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// LakeObjects is what Lakes needs of the object store: the lake's own reads and writes, and the bucket set-up a
// new lake needs.
type LakeObjects interface {
	Objects
	CreateBucket(ctx context.Context, c *actor.Caller, in objstore.CreateBucketInput) (*objstore.Bucket, error)
	PutBucketPolicy(ctx context.Context, c *actor.Caller, bucket, policy string) error
	PutBucketEncryption(ctx context.Context, c *actor.Caller, bucket string, enc *objstore.Encryption) error
}

// LakesConfig configures Lakes.
type LakesConfig struct {
	// DB and Dialect are the metadata store's database for the catalogs (Config.DB); Meta is the store itself,
	// where Lakes keeps the record of each lake (table table.lakes).
	DB      *sql.DB
	Dialect string
	Meta    meta.Store
	Objects LakeObjects
	Clock   clock.Clock
	// Sessions is each lake's Config.Sessions.
	Sessions Sessions
}

// Lakes is the data lakes of the server: one per account and region, each a bucket and its tables.
type Lakes struct {
	cfg  LakesConfig
	mu   sync.Mutex
	open map[string]*Lake
}

// LakeInfo is the record of a data lake.
type LakeInfo struct {
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Bucket  string    `json:"bucket"`
	KMSKey  string    `json:"kmsKey,omitempty"` // the key's ARN; empty: S3 managed keys (SSE-S3)
	Created time.Time `json:"created"`
	// Pending marks a lake whose bucket is being created: the name is reserved, the lake not yet usable.
	Pending bool `json:"pending,omitempty"`
}

// ARN is the data lake's ARN, as Security Lake names it.
func (i LakeInfo) ARN() string {
	return "arn:aws:securitylake:" + i.Region + ":" + i.Account + ":data-lake/default"
}

const lakesTable = "table.lakes"

// NewLakes returns the lakes of cfg's stores.
func NewLakes(cfg LakesConfig) (*Lakes, error) {
	if cfg.DB == nil || cfg.Meta == nil || cfg.Objects == nil || cfg.Dialect == "" {
		return nil, errors.New("table: LakesConfig needs DB, Dialect, Meta and Objects")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	return &Lakes{cfg: cfg, open: map[string]*Lake{}}, nil
}

func lakeKey(account, region string) string { return account + "/" + region }

// Get returns the record of account's lake in region.
func (ls *Lakes) Get(ctx context.Context, account, region string) (LakeInfo, bool, error) {
	var info LakeInfo
	found := false
	err := ls.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		v, err := tx.Get(lakesTable, lakeKey(account, region))
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(v, &info); err != nil {
			return err
		}
		found = !info.Pending
		return nil
	})
	return info, found, err
}

// List returns every lake, by account and region.
func (ls *Lakes) List(ctx context.Context) ([]LakeInfo, error) {
	var out []LakeInfo
	err := ls.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		var derr error
		err := tx.Scan(lakesTable, meta.Range{}, func(_ string, v []byte) bool {
			var info LakeInfo
			if derr = json.Unmarshal(v, &info); derr != nil {
				return false
			}
			if !info.Pending {
				out = append(out, info)
			}
			return true
		})
		return errors.Join(err, derr)
	})
	sort.Slice(out, func(i, j int) bool {
		return lakeKey(out[i].Account, out[i].Region) < lakeKey(out[j].Account, out[j].Region)
	})
	return out, err
}

// Create creates the owner account's lake in region if it has none, and returns its record: the bucket
// aws-security-data-lake-<region>-<suffix>, owned by the account, with default encryption (SSE-KMS under kmsKey,
// a key ARN, or SSE-S3 when it is empty) and a bucket policy that lets the Security Lake service principal read
// and write for the account only. An existing lake is returned as it is. The bucket's name is reserved in the
// store before the bucket is made, so creators racing on several nodes make one bucket, and a creator that
// stopped half way is finished by the next (each step is idempotent).
func (ls *Lakes) Create(ctx context.Context, owner *actor.Caller, region, kmsKey string) (LakeInfo, error) {
	info, mine, err := ls.reserve(ctx, owner.Account, region, kmsKey)
	if err != nil || !info.Pending {
		return info, err
	}
	if !mine {
		// Another creator reserved it: wait for it to finish, and finish it if that creator stopped.
		if info, err = ls.awaitCreated(ctx, owner.Account, region); err != nil || !info.Pending {
			return info, err
		}
	}
	c := *owner
	c.Region = region
	_, err = ls.cfg.Objects.CreateBucket(ctx, &c, objstore.CreateBucketInput{Bucket: info.Bucket, LocationConstraint: region})
	var ae *awserr.Error
	if err != nil && !(errors.As(err, &ae) && ae.Code == "BucketAlreadyOwnedByYou") {
		return LakeInfo{}, fmt.Errorf("create the lake bucket %s: %w", info.Bucket, err)
	}
	if err := ls.cfg.Objects.PutBucketPolicy(ctx, &c, info.Bucket, lakeBucketPolicy(info)); err != nil {
		return LakeInfo{}, fmt.Errorf("the lake bucket's policy: %w", err)
	}
	def, bucketKey := &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEAES256}, false
	if info.KMSKey != "" {
		bucketKey = true
		def = &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEKMS, KMSMasterKeyID: info.KMSKey}
	}
	if err := ls.cfg.Objects.PutBucketEncryption(ctx, &c, info.Bucket, &objstore.Encryption{
		Rules: []objstore.EncryptionRule{{Default: def, BucketKeyEnabled: &bucketKey}}}); err != nil {
		return LakeInfo{}, fmt.Errorf("the lake bucket's encryption: %w", err)
	}
	info.Pending = false
	v, err := json.Marshal(info)
	if err != nil {
		return LakeInfo{}, err
	}
	return info, ls.cfg.Meta.Update(ctx, func(tx meta.Tx) error { return tx.Put(lakesTable, lakeKey(info.Account, region), v) })
}

// createWait is how long a creator waits for another one that reserved the same lake before finishing it itself.
const createWait = 30 * time.Second

// awaitCreated waits until the account's lake in region is no longer pending, or createWait has passed, and
// returns its record.
func (ls *Lakes) awaitCreated(ctx context.Context, account, region string) (LakeInfo, error) {
	deadline := time.Now().Add(createWait)
	for {
		var info LakeInfo
		err := ls.cfg.Meta.View(ctx, func(tx meta.Tx) error {
			v, err := tx.Get(lakesTable, lakeKey(account, region))
			if err != nil {
				return err
			}
			return json.Unmarshal(v, &info)
		})
		if err != nil || !info.Pending || time.Now().After(deadline) {
			return info, err
		}
		select {
		case <-ctx.Done():
			return LakeInfo{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// reserve returns the record of the account's lake in region, reserving a new bucket name (a Pending record)
// when there is none; mine says that this call reserved it.
func (ls *Lakes) reserve(ctx context.Context, account, region, kmsKey string) (info LakeInfo, mine bool, err error) {
	err = ls.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		mine = false
		v, err := tx.Get(lakesTable, lakeKey(account, region))
		if err == nil {
			return json.Unmarshal(v, &info)
		}
		if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		info = LakeInfo{Account: account, Region: region, Bucket: lakeBucket(region), KMSKey: kmsKey,
			Created: ls.cfg.Clock.Now().UTC(), Pending: true}
		if v, err = json.Marshal(info); err != nil {
			return err
		}
		mine = true
		return tx.Insert(lakesTable, lakeKey(account, region), v)
	})
	return info, mine, err
}

// lakeBucketPolicy lets the Security Lake service principal use the lake bucket for its account, and refuses
// requests that are not over TLS-equivalent transport as Security Lake's own policy does not (seclake's edge
// decides transport), so it holds only the service statement.
func lakeBucketPolicy(info LakeInfo) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"SecurityLakeServiceAccess","Effect":"Allow",` +
		`"Principal":{"Service":"` + Principal + `"},` +
		`"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject","s3:ListBucket"],` +
		`"Resource":["arn:aws:s3:::` + info.Bucket + `","arn:aws:s3:::` + info.Bucket + `/*"],` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":"` + info.Account + `"}}}]}`
}

// lakeBucket names a new lake bucket as Security Lake does: aws-security-data-lake-<region>-<suffix>, the suffix
// random lowercase letters and digits filling the name to S3's limit of 63 characters (30 for us-east-1).
func lakeBucket(region string) string {
	prefix := "aws-security-data-lake-" + region + "-"
	return prefix + suffix(max(63-len(prefix), 8))
}

// suffix returns n random lowercase letters and digits.
func suffix(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Open opens account's lake in region (once; later calls return the same *Lake). A region without a lake is
// ResourceNotFoundException.
func (ls *Lakes) Open(ctx context.Context, account, region string) (*Lake, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l, ok := ls.open[lakeKey(account, region)]; ok {
		return l, nil
	}
	info, ok, err := ls.Get(ctx, account, region)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, awserr.New("ResourceNotFoundException", 404,
			"account %s has no data lake in %s: create one first", account, region)
	}
	l, err := Open(ctx, Config{DB: ls.cfg.DB, Dialect: ls.cfg.Dialect, Objects: ls.cfg.Objects, Bucket: info.Bucket,
		Region: region, Account: account, Clock: ls.cfg.Clock, Sessions: ls.cfg.Sessions})
	if err != nil {
		return nil, err
	}
	ls.open[lakeKey(account, region)] = l
	return l, nil
}

// Close closes the lakes opened; the database stays open.
func (ls *Lakes) Close() error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for k, l := range ls.open {
		_ = l.Close()
		delete(ls.open, k)
	}
	return nil
}

// Maintain maintains the tables of every lake (Lake.Maintain with p): the stack's JobName job. A lake that fails
// does not stop the others; their errors are joined.
func (ls *Lakes) Maintain(ctx context.Context, p Policy) error {
	infos, err := ls.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, info := range infos {
		l, err := ls.Open(ctx, info.Account, info.Region)
		if err == nil {
			_, err = l.Maintain(ctx, p)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("lake %s in %s: %w", info.Account, info.Region, err))
		}
	}
	return errors.Join(errs...)
}
