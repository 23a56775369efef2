// Package envelope is how seclake's services use KMS for envelope encryption in-process: S3 for object data
// keys, and queues and the lake as they come. A Client calls KMS *as the requester through the service*
// (actor.Caller.Via: kms:ViaService is "<service>.<region>.amazonaws.com") or as the service principal that
// acts, with the encryption context the service adds; it reuses a data key for a while where the service
// allows (S3 bucket keys, SQS's KmsDataKeyReusePeriodSeconds) — per principal and resource, so KMS's decision
// for one principal never serves another; it records each KMS call on the audit trail as KMS's own CloudTrail
// event (userIdentity.invokedBy naming the service); and it turns KMS's failures into the calling service's
// own errors (Failure).
package envelope

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/kms"
)

// Keys is the key service the client calls; *kms.Service satisfies it.
type Keys interface {
	GenerateDataKey(ctx context.Context, c *actor.Caller, req kms.DataKeyRequest) (*kms.DataKey, error)
	Decrypt(ctx context.Context, c *actor.Caller, req kms.DecryptRequest) (*kms.Decrypted, error)
	DescribeKey(ctx context.Context, c *actor.Caller, keyID string) (*kms.KeyMetadata, error)
}

// Failure turns a KMS failure of action ("kms:GenerateDataKey") on keyID into the calling service's error.
// kerr is KMS's error; denial is set when KMS refused the caller.
type Failure func(c *actor.Caller, action, keyID string, kerr *awserr.Error, denial *actor.Denial) error

// Config holds what a Client needs. Keys and Service are required.
type Config struct {
	Keys Keys
	// Service is the service principal the client calls KMS for ("s3.amazonaws.com").
	Service string
	// Recorder puts each KMS call on the audit trail; nil records nothing (tests).
	Recorder actor.Recorder
	// Failure maps KMS's errors to the service's; nil returns KMS's errors as they are.
	Failure Failure
	Clock   clock.Clock
	// MaxReused bounds the data keys held for reuse (default 10,000); beyond it the cache starts over.
	MaxReused int
}

// Client calls KMS for one service. It is safe for concurrent use.
type Client struct {
	cfg   Config
	reuse *cache
}

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Keys == nil || cfg.Service == "" {
		return nil, errors.New("envelope: keys and service are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.MaxReused <= 0 {
		cfg.MaxReused = 10000
	}
	return &Client{cfg: cfg, reuse: newCache(cfg.MaxReused)}, nil
}

// KeyRequest asks for a new data key.
type KeyRequest struct {
	// KeyID names the KMS key: key ID, key ARN, alias name or alias ARN.
	KeyID string
	// Context is the encryption context, the service's keys included ("aws:s3:arn").
	Context map[string]string
	// Size is the data key's length in bytes; 0 means 32 (AES_256).
	Size int
	// ReuseFor, when positive, lets the client give the same data key again, for this long, to the same
	// principal acting for the same resource, with the same KeyID, Context and Scope (S3 bucket keys); it
	// is also kept for OpenKey of its ciphertext.
	ReuseFor time.Duration
	// Scope names what a reused key is for, beyond the key and context (a bucket).
	Scope string
	// DryRun asks KMS whether it would give the key, without one.
	DryRun bool
}

// DataKey is a data key in plaintext and as KMS's ciphertext blob.
type DataKey struct {
	Plaintext []byte
	Wrapped   []byte
	KeyARN    string
}

// NewKey returns a data key under req.KeyID for the requester c (as c.Via(service)), reusing one where
// req.ReuseFor allows. A dry run returns nil and nil when KMS would give the key.
func (cl *Client) NewKey(ctx context.Context, c *actor.Caller, req KeyRequest) (*DataKey, error) {
	kc := c.Via(cl.cfg.Service)
	var id string
	if req.ReuseFor > 0 && !req.DryRun {
		id = cacheID(kc, "gen", req.Scope, req.KeyID, contextText(req.Context))
		if e, ok := cl.reuse.get(id, cl.cfg.Clock.Now()); ok {
			return &DataKey{Plaintext: e.plain, Wrapped: e.wrapped, KeyARN: e.keyARN}, nil
		}
	}
	size := req.Size
	if size == 0 {
		size = 32
	}
	var dk *kms.DataKey
	err := cl.do(ctx, kc, "GenerateDataKey", dataKeyParams(req.KeyID, req.Context, size), func(ctx context.Context) error {
		var err error
		dk, err = cl.cfg.Keys.GenerateDataKey(ctx, kc, kms.DataKeyRequest{KeyID: req.KeyID, EncryptionContext: req.Context,
			NumberOfBytes: size, DryRun: req.DryRun})
		return err
	})
	if req.DryRun {
		if e, ok := awserr.As(err); err == nil || ok && e.Code == "DryRunOperationException" {
			return nil, nil // KMS would give the key
		}
	}
	if err != nil {
		return nil, cl.failure(kc, err, "kms:GenerateDataKey", req.KeyID)
	}
	out := &DataKey{Plaintext: dk.Plaintext, Wrapped: dk.CiphertextBlob, KeyARN: dk.KeyARN}
	if id != "" {
		until := cl.cfg.Clock.Now().Add(req.ReuseFor)
		cl.reuse.put(id, entry{plain: out.Plaintext, wrapped: out.Wrapped, keyARN: out.KeyARN, expires: until})
		cl.reuse.put(cacheID(kc, "open", contextText(req.Context), string(sum(out.Wrapped))), entry{plain: out.Plaintext, expires: until})
	}
	return out, nil
}

// OpenRequest asks for the plaintext of a data key.
type OpenRequest struct {
	// Wrapped is KMS's ciphertext blob of the data key; KeyARN the key it names (checked by KMS).
	Wrapped []byte
	KeyARN  string
	// Context is the encryption context the key was generated with.
	Context map[string]string
	// ReuseFor, when positive, lets the client answer again from memory, for this long, to the same
	// principal acting for the same resource.
	ReuseFor time.Duration
}

// OpenKey returns the plaintext of a data key for the requester c (as c.Via(service)).
func (cl *Client) OpenKey(ctx context.Context, c *actor.Caller, req OpenRequest) ([]byte, error) {
	kc := c.Via(cl.cfg.Service)
	var id string
	if req.ReuseFor > 0 {
		id = cacheID(kc, "open", contextText(req.Context), string(sum(req.Wrapped)))
		if e, ok := cl.reuse.get(id, cl.cfg.Clock.Now()); ok {
			return e.plain, nil
		}
	}
	var out *kms.Decrypted
	params := struct {
		EncryptionContext   map[string]string
		EncryptionAlgorithm string
	}{req.Context, kms.AlgorithmSymmetric}
	err := cl.do(ctx, kc, "Decrypt", params, func(ctx context.Context) error {
		var err error
		out, err = cl.cfg.Keys.Decrypt(ctx, kc, kms.DecryptRequest{CiphertextBlob: req.Wrapped, EncryptionContext: req.Context, KeyID: req.KeyARN})
		return err
	})
	if err != nil {
		return nil, cl.failure(kc, err, "kms:Decrypt", req.KeyARN)
	}
	if id != "" {
		cl.reuse.put(id, entry{plain: out.Plaintext, expires: cl.cfg.Clock.Now().Add(req.ReuseFor)})
	}
	return out.Plaintext, nil
}

// DescribeKey describes a key for c (a service principal checking a destination, or a requester through the
// service).
func (cl *Client) DescribeKey(ctx context.Context, c *actor.Caller, keyID string) (*kms.KeyMetadata, error) {
	kc := c.Via(cl.cfg.Service)
	var md *kms.KeyMetadata
	params := struct{ KeyID string }{keyID}
	err := cl.do(ctx, kc, "DescribeKey", params, func(ctx context.Context) error {
		var err error
		md, err = cl.cfg.Keys.DescribeKey(ctx, kc, keyID)
		return err
	})
	return md, err
}

// do runs one KMS call as an in-process call on the audit trail.
func (cl *Client) do(ctx context.Context, c *actor.Caller, op string, params any, fn func(context.Context) error) error {
	call := &actor.Call{Caller: c, EventSource: kms.EventSource, Operation: op, ReadOnly: true, RequestParameters: params}
	return actor.Do(ctx, cl.cfg.Recorder, call, fn)
}

// dataKeyParams are GenerateDataKey's requestParameters as KMS writes them: keySpec for 16 and 32 bytes,
// numberOfBytes otherwise.
func dataKeyParams(keyID string, ec map[string]string, size int) any {
	p := struct {
		KeyID             string
		EncryptionContext map[string]string
		KeySpec           string
		NumberOfBytes     int
	}{KeyID: keyID, EncryptionContext: ec}
	switch size {
	case 32:
		p.KeySpec = kms.DataKeyAES256
	case 16:
		p.KeySpec = kms.DataKeyAES128
	default:
		p.NumberOfBytes = size
	}
	return p
}

func (cl *Client) failure(c *actor.Caller, err error, action, keyID string) error {
	e, ok := awserr.As(err)
	if !ok || cl.cfg.Failure == nil {
		return err
	}
	var d *actor.Denial
	errors.As(err, &d)
	return cl.cfg.Failure(c, action, keyID, e, d)
}

// contextText encodes an encryption context unambiguously (sorted, length-prefixed).
func contextText(ec map[string]string) string {
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b []byte
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(ec[k])))
		b = append(b, ec[k]...)
	}
	return string(b)
}

func sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
