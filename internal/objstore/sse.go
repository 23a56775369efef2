package objstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/envelope"

	"github.com/seclake/seclake/internal/segment"
)

// DataKeys gives and opens SSE-KMS data keys for a requester, as S3 asks KMS for them (through S3, with S3's
// errors, on the audit trail); an *envelope.Client for "s3.amazonaws.com" with envelope.S3Failure satisfies it.
type DataKeys interface {
	NewKey(ctx context.Context, c *actor.Caller, req envelope.KeyRequest) (*envelope.DataKey, error)
	OpenKey(ctx context.Context, c *actor.Caller, req envelope.OpenRequest) ([]byte, error)
}

// contextKey is the encryption context key S3 adds.
const contextKey = "aws:s3:arn"

// defaultKMSKey is the key S3 uses for aws:kms without a key ID: the AWS managed key of S3.
const defaultKMSKey = "alias/aws/s3"

// SSERequest is what a write request says about encryption.
type SSERequest struct {
	// Algorithm is x-amz-server-side-encryption: "", AES256, aws:kms or aws:kms:dsse.
	Algorithm string
	// KMSKeyID is x-amz-server-side-encryption-aws-kms-key-id.
	KMSKeyID string
	// Context is x-amz-server-side-encryption-context: base64 of a JSON object.
	Context string
	// BucketKey is x-amz-server-side-encryption-bucket-key-enabled, if given.
	BucketKey *bool
}

// SSE describes how an object is encrypted, as the response headers report it.
type SSE struct {
	Algorithm string
	KeyARN    string `json:",omitempty"`
	BucketKey bool   `json:",omitempty"`
	// Wrapped is the data key: a KMS ciphertext blob, or sealed with the SSE-S3 key.
	Wrapped []byte
	// Context is the caller's encryption context as given (base64 JSON), without aws:s3:arn.
	Context string `json:",omitempty"`
}

// sseSettings is the encryption a write resolves to.
type sseSettings struct {
	algorithm string
	keyID     string
	bucketKey bool
	context   map[string]string
	rawCtx    string
}

// resolveSSE decides a write's encryption from its headers and the bucket's default.
func (s *Service) resolveSSE(b *Bucket, req SSERequest) (sseSettings, error) {
	def := b.defaultEncryption().Rules[0]
	out := sseSettings{algorithm: req.Algorithm}
	if req.Algorithm == "" {
		out.algorithm, out.keyID = def.Default.SSEAlgorithm, def.Default.KMSMasterKeyID
		out.bucketKey = def.BucketKeyEnabled != nil && *def.BucketKeyEnabled
		if req.KMSKeyID != "" {
			return out, errInvalidArgument("x-amz-server-side-encryption", "null",
				"Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
	}
	switch out.algorithm {
	case SSEAES256:
		if req.KMSKeyID != "" || req.Context != "" {
			return out, errInvalidArgument("x-amz-server-side-encryption-aws-kms-key-id", req.KMSKeyID,
				"Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
		return out, nil
	case SSEKMS, SSEKMSDSSE:
	default:
		return out, errInvalidArgument("x-amz-server-side-encryption", req.Algorithm,
			"The encryption method specified is not supported")
	}
	if s.keys == nil {
		return out, errNotImplemented("SSE-KMS on this server (no KMS is configured)")
	}
	if req.Algorithm != "" {
		out.keyID = req.KMSKeyID
		if def.Default.SSEAlgorithm == out.algorithm && out.keyID == "" {
			out.keyID = def.Default.KMSMasterKeyID
		}
		out.bucketKey = def.BucketKeyEnabled != nil && *def.BucketKeyEnabled
	}
	if out.keyID == "" {
		out.keyID = defaultKMSKey
	}
	if req.BucketKey != nil {
		out.bucketKey = *req.BucketKey
	}
	if req.Context != "" {
		m, err := decodeContext(req.Context)
		if err != nil {
			return out, err
		}
		out.context, out.rawCtx = m, req.Context
	}
	return out, nil
}

func decodeContext(raw string) (map[string]string, error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	m := map[string]string{}
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		return nil, errInvalidArgument("x-amz-server-side-encryption-context", raw,
			"The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map")
	}
	return m, nil
}

// encContext builds the encryption context for an object (or its bucket, with a bucket key).
func encContext(user map[string]string, arn string) map[string]string {
	m := make(map[string]string, len(user)+1)
	for k, v := range user {
		m[k] = v
	}
	if _, ok := m[contextKey]; !ok {
		m[contextKey] = arn
	}
	return m
}

// newDataKey returns a fresh data key for an object, and how to find it again.
func (s *Service) newDataKey(ctx context.Context, c *actor.Caller, bucket, key string, st sseSettings) ([]byte, SSE, error) {
	rec := SSE{Algorithm: st.algorithm}
	if st.algorithm == SSEAES256 {
		dk := make([]byte, segment.KeySize)
		if _, err := io.ReadFull(s.rand, dk); err != nil {
			return nil, rec, fmt.Errorf("data key: %w", err)
		}
		w, err := s.sse.wrap(dk)
		rec.Wrapped = w
		return dk, rec, err
	}
	rec.Context, rec.BucketKey = st.rawCtx, st.bucketKey
	ec, err := dataKeyContext(st, bucket, key)
	if err != nil {
		return nil, rec, err
	}
	req := envelope.KeyRequest{KeyID: st.keyID, Context: ec, Size: segment.KeySize}
	if st.bucketKey {
		req.ReuseFor, req.Scope = s.ttl, bucket
	}
	dk, err := s.keys.NewKey(ctx, c, req)
	if err != nil {
		return nil, rec, err
	}
	rec.KeyARN, rec.Wrapped = dk.KeyARN, dk.Wrapped
	return dk.Plaintext, rec, nil
}

// dataKeyContext returns the encryption context of an object's data key: the caller's, with aws:s3:arn set
// to the object's ARN (or the bucket's, with a bucket key).
func dataKeyContext(st sseSettings, bucket, key string) (map[string]string, error) {
	arn := ObjectARN(bucket, key)
	if st.bucketKey {
		arn = BucketARN(bucket)
	}
	if v, ok := st.context[contextKey]; ok && v != arn {
		return nil, errInvalidArgument("x-amz-server-side-encryption-context", st.rawCtx,
			"Your full encryption context will be validated to have the value equal to the object or bucket ARN")
	}
	return encContext(st.context, arn), nil
}

// openDataKey recovers an object's data key.
func (s *Service) openDataKey(ctx context.Context, c *actor.Caller, bucket, key string, rec SSE) ([]byte, error) {
	if rec.Algorithm == SSEAES256 {
		return s.sse.unwrap(rec.Wrapped)
	}
	if s.keys == nil {
		return nil, errNotImplemented("SSE-KMS on this server (no KMS is configured)")
	}
	arn := ObjectARN(bucket, key)
	if rec.BucketKey {
		arn = BucketARN(bucket)
	}
	var user map[string]string
	if rec.Context != "" {
		var err error
		if user, err = decodeContext(rec.Context); err != nil {
			return nil, err
		}
	}
	req := envelope.OpenRequest{Wrapped: rec.Wrapped, KeyARN: rec.KeyARN, Context: encContext(user, arn)}
	if rec.BucketKey {
		req.ReuseFor = s.ttl
	}
	return s.keys.OpenKey(ctx, c, req)
}

// sseS3 wraps SSE-S3 data keys with the internal key derived from the root key.
type sseS3 struct {
	aead cipher.AEAD
	rand io.Reader
}

func newSSES3(key []byte, rand io.Reader) (*sseS3, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sse-s3 key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sse-s3 key: %w", err)
	}
	return &sseS3{aead: aead, rand: rand}, nil
}

var sseS3AAD = []byte("seclake sse-s3 data key v1")

func (k *sseS3) wrap(dk []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(dk)+k.aead.Overhead())
	if _, err := io.ReadFull(k.rand, nonce); err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	return k.aead.Seal(nonce, nonce, dk, sseS3AAD), nil
}

func (k *sseS3) unwrap(w []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(w) < n {
		return nil, fmt.Errorf("unwrap data key: too short")
	}
	dk, err := k.aead.Open(nil, w[:n], w[n:], sseS3AAD)
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	return dk, nil
}
