package objstore

import (
	"context"
	"crypto/md5" //nolint:gosec // Content-MD5
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"

	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/meta"
)

// Limits of S3.
const (
	MaxPutSize    = 5 << 30 // a single PUT, and one part
	MaxObjectSize = 5 << 40
	maxKeyLength  = 1024
)

// Headers are the system headers stored with an object and returned on GET and HEAD.
type Headers struct {
	ContentType        string `json:",omitempty"`
	CacheControl       string `json:",omitempty"`
	ContentDisposition string `json:",omitempty"`
	ContentEncoding    string `json:",omitempty"`
	ContentLanguage    string `json:",omitempty"`
	Expires            string `json:",omitempty"`
	WebsiteRedirect    string `json:",omitempty"`
}

// Checksum is an object's additional checksum.
type Checksum struct {
	Algorithm checksum.Algorithm
	Value     string
	// Type is FULL_OBJECT or COMPOSITE (multipart objects: a checksum of the parts' checksums, "-N").
	Type string
}

// Object is a stored object's metadata.
type Object struct {
	Bucket       string
	Key          string
	Size         int64
	ETag         string // without quotes
	LastModified time.Time
	Headers      Headers
	Metadata     map[string]string `json:",omitempty"`
	StorageClass string
	Tags         []Tag     `json:",omitempty"`
	Checksum     *Checksum `json:",omitempty"`
	SSE          SSE
	Owner        string
	// PartsCount is the number of parts of a multipart object (0 otherwise).
	PartsCount int `json:",omitempty"`
	Blobs      []dataBlob
	// VersionID is the version's ID; "" for the null version.
	VersionID string `json:",omitempty"`
	// Seq orders the versions of a key (see version.go); 0 for objects written before versioning.
	Seq uint64 `json:",omitempty"`
	// DeleteMarker marks a delete marker: a version without data.
	DeleteMarker bool `json:",omitempty"`
	// UploadID is the multipart upload that made the object, so that completing it again answers the same.
	UploadID string `json:",omitempty"`
	// ReplicationStatus is PENDING, COMPLETED or FAILED on a replicated source version, REPLICA on a replica.
	ReplicationStatus string `json:",omitempty"`
	// Expiration is x-amz-expiration when a lifecycle rule will expire the object (set on PUT, GET and HEAD).
	Expiration string `json:"-"`
	// IsLatest is set by ListObjectVersions on the current version of a key.
	IsLatest bool `json:"-"`
	// versioned is set when the bucket has had versioning, so that the null version is named "null".
	versioned bool
}

// ChecksumInput is what a write request says about its checksum.
type ChecksumInput struct {
	// Algorithm is the algorithm of the checksum header or trailer (x-amz-checksum-<alg>, x-amz-trailer or
	// x-amz-sdk-checksum-algorithm); "" for none.
	Algorithm checksum.Algorithm
	// Value is the header's value; empty when it comes in the trailer or is to be computed.
	Value string
	// Trailer returns the verified trailing checksum once the body has been read.
	Trailer func() (checksum.Algorithm, string, bool)
}

// PutInput is a PutObject request.
type PutInput struct {
	Bucket, Key  string
	Body         io.Reader
	Size         int64 // -1 when unknown
	ContentMD5   string
	Checksum     ChecksumInput
	Headers      Headers
	Metadata     map[string]string
	Tags         []Tag
	StorageClass string
	SSE          SSERequest
	// ACL is the canned ACL of x-amz-acl (seclake keeps no ACLs; policies may require one, as for log delivery).
	ACL string
	// IfNoneMatch "*" writes only if the key does not exist; IfMatch only if its ETag matches.
	IfNoneMatch, IfMatch string
	// ReplicaVersionID, when set, makes the write a replica of that version of another server's object
	// (ReplicaVersionHeader).
	ReplicaVersionID string
	// copyKeys are the condition keys of the CopyObject this write is.
	copyKeys *copyKeys
}

// copyKeys are the S3 condition keys only a copy has.
type copyKeys struct {
	source    string // s3:x-amz-copy-source: "bucket/key"
	directive string // s3:x-amz-metadata-directive, when the header was given
}

func validKey(key string) error {
	if key == "" || len(key) > maxKeyLength || !utf8.ValidString(key) {
		return errInvalidArgument("key", key, "Object key must be 1 to 1024 bytes of UTF-8")
	}
	return nil
}

// PutObject stores an object, encrypted, and replaces any object under the same key.
func (s *Service) PutObject(ctx context.Context, c *actor.Caller, in PutInput) (*Object, error) {
	if in.ReplicaVersionID != "" {
		return s.putReplica(ctx, c, in)
	}
	return s.putObject(ctx, c, in, "ObjectCreated:Put")
}

func (s *Service) putObject(ctx context.Context, c *actor.Caller, in PutInput, event string) (*Object, error) {
	if err := validKey(in.Key); err != nil {
		return nil, err
	}
	if in.Size > MaxPutSize {
		return nil, errEntityTooLarge(in.Size, MaxPutSize)
	}
	if err := checkWriteArgs(in.StorageClass, in.Tags, in.ContentMD5); err != nil {
		return nil, err
	}
	if err := (writeCond{ifNoneMatch: in.IfNoneMatch}).validate(); err != nil {
		return nil, err
	}
	b, dk, rec, err := s.prepareWrite(ctx, c, writeSpec{bucket: in.Bucket, key: in.Key, sse: in.SSE, class: in.StorageClass, tags: in.Tags, acl: in.ACL, copy: in.copyKeys})
	if err != nil {
		return nil, err
	}
	part, hashes, err := s.writeBlob(ctx, dk, in.Body, MaxPutSize, in.Checksum.Algorithm)
	if err != nil {
		return nil, err
	}
	obj := &Object{Bucket: in.Bucket, Key: in.Key, Size: part.Size, ETag: hashes.etag(), LastModified: s.now(),
		Headers: in.Headers, Metadata: in.Metadata, StorageClass: storageClass(in.StorageClass), Tags: in.Tags,
		SSE: rec, Owner: b.Owner, Blobs: []dataBlob{part}}
	if err := verifyBody(in.ContentMD5, in.Checksum, hashes, obj); err != nil {
		s.dropBlob(part.Blob)
		return nil, err
	}
	if err := s.commitObject(ctx, c, obj, event, writeCond{ifNoneMatch: in.IfNoneMatch, ifMatch: in.IfMatch}, nil); err != nil {
		s.dropBlob(part.Blob)
		return nil, err
	}
	obj.Expiration = b.Expiration(obj)
	return obj, nil
}

// writeSpec is what a write's authorization and encryption depend on.
type writeSpec struct {
	bucket, key string
	sse         SSERequest
	class       string
	tags        []Tag
	acl         string
	copy        *copyKeys
}

// prepareWrite resolves a write's encryption, authorizes it with the S3 condition keys of that encryption,
// and makes its data key.
func (s *Service) prepareWrite(ctx context.Context, c *actor.Caller, w writeSpec) (*Bucket, []byte, SSE, error) {
	b, err := s.bucket(ctx, w.bucket)
	if err != nil {
		return nil, nil, SSE{}, err
	}
	a, st, err := s.writeAccess(b, w)
	if err != nil {
		return nil, nil, SSE{}, err
	}
	if err := s.authorize(ctx, c, b, a); err != nil {
		return nil, nil, SSE{}, err
	}
	dk, rec, err := s.newDataKey(ctx, c, w.bucket, w.key, st)
	return b, dk, rec, err
}

// writeAccess resolves a write's encryption and returns the authorization question it asks, with the S3
// condition keys of that encryption and of its canned ACL.
func (s *Service) writeAccess(b *Bucket, w writeSpec) (access, sseSettings, error) {
	st, err := s.resolveSSE(b, w.sse)
	if err != nil {
		return access{}, st, err
	}
	a := objectAccess("s3:PutObject", w.bucket, w.key)
	a.ctx = writeContext(w.sse, w.class, w.tags)
	if w.copy != nil {
		a.ctx.Set("s3:x-amz-copy-source", w.copy.source)
		if w.copy.directive != "" {
			a.ctx.Set("s3:x-amz-metadata-directive", w.copy.directive)
		}
	}
	if w.acl != "" {
		if publicACL(w.acl) && b.PublicAccessBlock != nil && b.PublicAccessBlock.BlockPublicAcls {
			return access{}, st, errAccessDenied("Access Denied: the bucket's BlockPublicAcls setting refuses the public canned ACL " + w.acl)
		}
		a.ctx.Set("s3:x-amz-acl", w.acl)
	}
	return a, st, nil
}

func publicACL(acl string) bool {
	return acl == "public-read" || acl == "public-read-write" || acl == "authenticated-read"
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

func storageClass(sc string) string {
	if sc == "" {
		return "STANDARD"
	}
	return sc
}

func checkWriteArgs(sc string, tags []Tag, md5 string) error {
	if sc != "" && !StorageClasses[sc] {
		return errInvalidArgument("x-amz-storage-class", sc, "The storage class you specified is not valid")
	}
	if err := validTags(tags, 10); err != nil {
		return err
	}
	if md5 != "" {
		if b, err := base64.StdEncoding.DecodeString(md5); err != nil || len(b) != 16 {
			return errInvalidDigest()
		}
	}
	return nil
}

// writeContext returns the S3 condition keys of a write. The encryption keys come from the request's headers
// only, as on S3: a bucket's default encryption sets none of them, so that "deny uploads without the header"
// policies (Null: true) refuse what they are written to refuse.
func writeContext(sse SSERequest, sc string, tags []Tag) (pc policyContext) {
	if sse.Algorithm != "" {
		pc.Set("s3:x-amz-server-side-encryption", sse.Algorithm)
	}
	if sse.KMSKeyID != "" {
		pc.Set("s3:x-amz-server-side-encryption-aws-kms-key-id", sse.KMSKeyID)
	}
	if sc != "" {
		pc.Set("s3:x-amz-storage-class", sc)
	}
	if len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			keys[i] = t.Key
			pc.Set("s3:RequestObjectTag/"+t.Key, t.Value)
		}
		pc.Set("s3:RequestObjectTagKeys", keys...)
	}
	return pc
}

// verifyBody checks the body against the digests the request declared and records its checksum.
func verifyBody(contentMD5 string, ci ChecksumInput, h *bodyHashes, obj *Object) error {
	if contentMD5 != "" {
		want, _ := base64.StdEncoding.DecodeString(contentMD5)
		if fmt.Sprintf("%x", want) != obj.ETag {
			return errBadDigest("Content-MD5")
		}
	}
	if ci.Algorithm == "" {
		return nil
	}
	got := h.checksum()
	value := ci.Value
	if value == "" && ci.Trailer != nil {
		if alg, v, ok := ci.Trailer(); ok && alg == ci.Algorithm {
			value = v
		}
	}
	if value != "" && value != got {
		return errBadDigest(checksumName(ci.Algorithm))
	}
	obj.Checksum = &Checksum{Algorithm: ci.Algorithm, Value: got, Type: "FULL_OBJECT"}
	return nil
}

func checksumName(a checksum.Algorithm) string { return strings.ToLower(a.HeaderName()) }

// writeCond is a conditional write's precondition.
type writeCond struct{ ifNoneMatch, ifMatch string }

// validate refuses an If-None-Match other than "*": S3 answers a PUT that asks for any other value 501
// NotImplemented, naming the header, before it reads the body.
func (w writeCond) validate() error {
	if w.ifNoneMatch != "" && w.ifNoneMatch != "*" {
		return awserr.New("NotImplemented", awserr.StatusNotImplemented,
			"A header you provided implies functionality that is not implemented.").With("Header", "If-None-Match")
	}
	return nil
}

func (w writeCond) check(old *Object) error {
	if w.ifNoneMatch == "*" && old != nil {
		return errPreconditionFailed("If-None-Match")
	}
	if w.ifMatch != "" && (old == nil || !etagMatches(w.ifMatch, old.ETag)) {
		if old == nil {
			return errNoSuchKey("")
		}
		return errPreconditionFailed("If-Match")
	}
	return nil
}

// commitObject records obj as the current version of its key — the previous one becoming noncurrent or, in an
// unversioned bucket, retired with its blobs — and records the event; extra runs inside the same transaction.
func (s *Service) commitObject(ctx context.Context, c *actor.Caller, obj *Object, event string, cond writeCond, extra func(meta.Tx) error) error {
	var retired []dataBlob
	recorded := false
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		retired, recorded = nil, false
		b, err := getBucket(tx, obj.Bucket)
		if err != nil {
			return err
		}
		old, err := getObject(tx, obj.Bucket, obj.Key)
		if err != nil && !isNoSuchKey(err) {
			return err
		}
		if err := cond.check(old); err != nil {
			return err
		}
		if obj.Seq, obj.VersionID, retired, err = s.supersede(tx, b, obj.Key, old); err != nil {
			return err
		}
		obj.versioned = b.Versioning != ""
		if err := s.enqueueReplication(tx, b, obj); err != nil {
			return err
		}
		if err := retireBlobs(tx, retired); err != nil {
			return err
		}
		if err := commitBlobs(tx, obj.Blobs); err != nil {
			return err
		}
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		val, err := encodeObject(obj)
		if err != nil {
			return err
		}
		if err := tx.Put(tableObjects, objectKey(obj.Bucket, obj.Key), val); err != nil {
			return err
		}
		recorded = len(b.allDestinations(event, obj.Key)) > 0
		return s.recordEvent(tx, b, c, event, obj)
	})
	if err != nil {
		return err
	}
	if recorded {
		s.eventRecorded()
	}
	s.collect(retired)
	return nil
}

func getObject(tx meta.Tx, bucket, key string) (*Object, error) {
	v, err := tx.Get(tableObjects, objectKey(bucket, key))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, errNoSuchKey(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read object %s/%s: %w", bucket, key, err)
	}
	o := new(Object)
	if err := decodeObject(v, o, true); err != nil {
		return nil, fmt.Errorf("decode object %s/%s: %w", bucket, key, err)
	}
	return o, nil
}

func isNoSuchKey(err error) bool {
	e, ok := asAWS(err)
	return ok && e.Code == "NoSuchKey"
}

// etagMatches compares an If-Match/If-None-Match list with an ETag.
func etagMatches(list, etag string) bool {
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		v = strings.TrimPrefix(v, "W/")
		if v == "*" || strings.Trim(v, `"`) == etag {
			return true
		}
	}
	return false
}

func md5Hex(b []byte) string {
	s := md5.Sum(b) //nolint:gosec // ETag
	return fmt.Sprintf("%x", s)
}
