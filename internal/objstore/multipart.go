package objstore

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/meta"
)

// Multipart limits.
const (
	MaxParts    = 10000
	MinPartSize = 5 << 20
)

// Upload is a multipart upload in progress.
type Upload struct {
	ID           string
	Bucket, Key  string
	Initiated    time.Time
	Initiator    string // principal ARN or service
	Owner        string
	Headers      Headers
	Metadata     map[string]string `json:",omitempty"`
	Tags         []Tag             `json:",omitempty"`
	StorageClass string
	SSE          SSE
	Checksum     checksum.Algorithm `json:",omitempty"`
	// ChecksumType is FULL_OBJECT when the object's checksum is the CRC of all its bytes ("" is COMPOSITE).
	ChecksumType string `json:",omitempty"`
}

// Part is an uploaded part.
type Part struct {
	dataBlob
	LastModified time.Time
}

// CreateUploadInput is a CreateMultipartUpload request.
type CreateUploadInput struct {
	Bucket, Key  string
	Headers      Headers
	Metadata     map[string]string
	Tags         []Tag
	StorageClass string
	SSE          SSERequest
	Checksum     checksum.Algorithm
	// ChecksumType is x-amz-checksum-type: FULL_OBJECT, COMPOSITE or "" (the algorithm's default).
	ChecksumType string
}

func uploadKey(bucket, key, id string) string { return objectKey(bucket, key) + "\x00" + id }

func partKey(id string, n int) string { return fmt.Sprintf("%s/%05d", id, n) }

// CreateMultipartUpload starts an upload; its data key is generated now, as S3 does.
func (s *Service) CreateMultipartUpload(ctx context.Context, c *actor.Caller, in CreateUploadInput) (*Upload, error) {
	if err := validKey(in.Key); err != nil {
		return nil, err
	}
	if err := checkWriteArgs(in.StorageClass, in.Tags, ""); err != nil {
		return nil, err
	}
	ctype, err := uploadChecksumType(in.Checksum, in.ChecksumType)
	if err != nil {
		return nil, err
	}
	b, _, rec, err := s.prepareWrite(ctx, c, writeSpec{bucket: in.Bucket, key: in.Key, sse: in.SSE, class: in.StorageClass, tags: in.Tags})
	if err != nil {
		return nil, err
	}
	var id [24]byte
	if _, err := io.ReadFull(s.rand, id[:]); err != nil {
		return nil, fmt.Errorf("upload id: %w", err)
	}
	u := &Upload{ID: hex.EncodeToString(id[:]), Bucket: in.Bucket, Key: in.Key, Initiated: s.now(), Initiator: c.Who(),
		Owner: b.Owner, Headers: in.Headers, Metadata: in.Metadata, Tags: in.Tags, StorageClass: storageClass(in.StorageClass),
		SSE: rec, Checksum: in.Checksum, ChecksumType: ctype}
	v, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	if err := s.store.Update(ctx, func(tx meta.Tx) error {
		return tx.Insert(tableUploads, uploadKey(in.Bucket, in.Key, u.ID), v)
	}); err != nil {
		return nil, err
	}
	return u, nil
}

func getUpload(tx meta.Tx, bucket, key, id string) (*Upload, error) {
	v, err := tx.Get(tableUploads, uploadKey(bucket, key, id))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, errNoSuchUpload(id)
	}
	if err != nil {
		return nil, err
	}
	u := new(Upload)
	return u, json.Unmarshal(v, u)
}

func (s *Service) loadUpload(ctx context.Context, bucket, key, id string) (*Upload, error) {
	var u *Upload
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		u, err = getUpload(tx, bucket, key, id)
		return err
	})
	return u, err
}

// UploadPartInput is an UploadPart request.
type UploadPartInput struct {
	Bucket, Key, UploadID string
	PartNumber            int
	Body                  io.Reader
	Size                  int64
	ContentMD5            string
	Checksum              ChecksumInput
}

// UploadPart stores one part, encrypted under the upload's data key (which S3 decrypts with KMS for it).
func (s *Service) UploadPart(ctx context.Context, c *actor.Caller, in UploadPartInput) (*Part, *Upload, error) {
	if in.PartNumber < 1 || in.PartNumber > MaxParts {
		return nil, nil, errInvalidArgument("partNumber", itoa(int64(in.PartNumber)), "Part number must be an integer between 1 and 10000, inclusive")
	}
	if in.Size > MaxPutSize {
		return nil, nil, errEntityTooLarge(in.Size, MaxPutSize)
	}
	u, dk, err := s.partKey(ctx, c, in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return nil, nil, err
	}
	alg := in.Checksum.Algorithm
	if alg == "" {
		alg = u.Checksum
	}
	blob, hashes, err := s.writeBlob(ctx, dk, in.Body, MaxPutSize, alg)
	if err != nil {
		return nil, nil, err
	}
	blob.Number, blob.ETag = in.PartNumber, hashes.etag()
	tmp := &Object{ETag: blob.ETag}
	ci := in.Checksum
	ci.Algorithm = alg
	if err := verifyBody(in.ContentMD5, ci, hashes, tmp); err != nil {
		s.dropBlob(blob.Blob)
		return nil, nil, err
	}
	if tmp.Checksum != nil {
		blob.Checksum = tmp.Checksum.Value
	}
	p := &Part{dataBlob: blob, LastModified: s.now()}
	if err := s.commitPart(ctx, u, p); err != nil {
		s.dropBlob(blob.Blob)
		return nil, nil, err
	}
	return p, u, nil
}

// partKey authorizes a part upload and recovers the upload's data key.
func (s *Service) partKey(ctx context.Context, c *actor.Caller, bucket, key, id string) (*Upload, []byte, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, nil, err
	}
	a := objectAccess("s3:PutObject", bucket, key)
	if err := s.authorize(ctx, c, b, a); err != nil {
		return nil, nil, err
	}
	u, err := s.loadUpload(ctx, bucket, key, id)
	if err != nil {
		return nil, nil, err
	}
	dk, err := s.openDataKey(ctx, c, bucket, key, u.SSE)
	return u, dk, err
}

func (s *Service) commitPart(ctx context.Context, u *Upload, p *Part) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	var retired []dataBlob
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		retired = nil
		if _, err := getUpload(tx, u.Bucket, u.Key, u.ID); err != nil {
			return err
		}
		if old, err := tx.Get(tableParts, partKey(u.ID, p.Number)); err == nil {
			var op Part
			if err := json.Unmarshal(old, &op); err != nil {
				return err
			}
			retired = []dataBlob{op.dataBlob}
			if err := retireBlobs(tx, retired); err != nil {
				return err
			}
		}
		if err := commitBlobs(tx, []dataBlob{p.dataBlob}); err != nil {
			return err
		}
		return tx.Put(tableParts, partKey(u.ID, p.Number), v)
	})
	if err == nil {
		s.collect(retired)
	}
	return err
}

func scanParts(tx meta.Tx, id string, after, limit int) ([]Part, error) {
	var out []Part
	var derr error
	r := meta.Range{Prefix: id + "/", Limit: limit}
	if after > 0 {
		r.Start = partKey(id, after) + "\x00"
	}
	err := tx.Scan(tableParts, r, func(_ string, v []byte) bool {
		var p Part
		if derr = json.Unmarshal(v, &p); derr != nil {
			return false
		}
		out = append(out, p)
		return true
	})
	return out, firstErr(err, derr)
}

// CompletedPart is a part named in CompleteMultipartUpload.
type CompletedPart struct {
	Number   int
	ETag     string
	Checksum string
}

// CompleteInput is a CompleteMultipartUpload request.
type CompleteInput struct {
	Bucket, Key, UploadID string
	Parts                 []CompletedPart
	IfNoneMatch, IfMatch  string
	// Checksum is the whole object's checksum the request gives (x-amz-checksum-*), verified; nil if none.
	Checksum *Checksum
}

// CompleteMultipartUpload assembles the listed parts into the object.
func (s *Service) CompleteMultipartUpload(ctx context.Context, c *actor.Caller, in CompleteInput) (*Object, error) {
	if err := (writeCond{ifNoneMatch: in.IfNoneMatch}).validate(); err != nil {
		return nil, err
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	a := objectAccess("s3:PutObject", in.Bucket, in.Key)
	if err := s.authorize(ctx, c, b, a); err != nil {
		return nil, err
	}
	if len(in.Parts) == 0 {
		return nil, errMalformedXML()
	}
	var u *Upload
	var parts []Part
	var done *Object
	err = s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		if u, err = getUpload(tx, in.Bucket, in.Key, in.UploadID); err != nil {
			if isNoSuchUpload(err) {
				// Completed already? S3 answers a second completion with the same result.
				if cur, cerr := getObject(tx, in.Bucket, in.Key); cerr == nil && cur.UploadID == in.UploadID {
					cur.versioned = b.Versioning != ""
					done = cur
					return nil
				}
			}
			return err
		}
		parts, err = scanParts(tx, in.UploadID, 0, 0)
		return err
	})
	if err != nil || done != nil {
		return done, err
	}
	obj, unused, err := assemble(u, parts, in.Parts)
	if err != nil {
		return nil, err
	}
	if err := verifyComplete(u, obj, in.Checksum); err != nil {
		return nil, err
	}
	obj.LastModified = s.now()
	cond := writeCond{ifNoneMatch: in.IfNoneMatch, ifMatch: in.IfMatch}
	if err := s.commitObject(ctx, c, obj, "ObjectCreated:CompleteMultipartUpload", cond, func(tx meta.Tx) error {
		if _, err := getUpload(tx, u.Bucket, u.Key, u.ID); err != nil {
			return err
		}
		return dropUpload(tx, u, parts, unused)
	}); err != nil {
		return nil, err
	}
	s.collect(unused)
	return obj, nil
}

// assemble builds the object from the parts the request lists, checking order, ETags and sizes.
func assemble(u *Upload, have []Part, want []CompletedPart) (*Object, []dataBlob, error) {
	byNum := make(map[int]Part, len(have))
	for _, p := range have {
		byNum[p.Number] = p
	}
	obj := &Object{Bucket: u.Bucket, Key: u.Key, Headers: u.Headers, Metadata: u.Metadata, StorageClass: u.StorageClass,
		Tags: u.Tags, SSE: u.SSE, Owner: u.Owner, PartsCount: len(want), UploadID: u.ID}
	var md5s, sums []byte
	used := map[int]bool{}
	for i, w := range want {
		if i > 0 && w.Number <= want[i-1].Number {
			return nil, nil, errInvalidPartOrder()
		}
		p, ok := byNum[w.Number]
		if !ok || trimQuotes(w.ETag) != p.ETag {
			return nil, nil, errInvalidPart(fmt.Sprintf("(part %d)", w.Number))
		}
		if i < len(want)-1 && p.Size < MinPartSize {
			return nil, nil, errEntityTooSmall()
		}
		raw, _ := hex.DecodeString(p.ETag)
		md5s = append(md5s, raw...)
		if u.Checksum != "" {
			v, err := u.Checksum.Decode(p.Checksum)
			if err != nil {
				return nil, nil, errInvalidPart(fmt.Sprintf("(part %d has no %s checksum)", w.Number, u.Checksum))
			}
			sums = append(sums, v...)
		}
		used[w.Number] = true
		obj.Size += p.Size
		obj.Blobs = append(obj.Blobs, p.dataBlob)
	}
	obj.ETag = fmt.Sprintf("%s-%d", md5Hex(md5s), len(want))
	if u.Checksum != "" {
		h := u.Checksum.New()
		h.Write(sums)
		obj.Checksum = &Checksum{Algorithm: u.Checksum, Value: fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(h.Sum(nil)), len(want)), Type: "COMPOSITE"}
		if u.ChecksumType == checksumFullObject {
			obj.Checksum = fullObjectChecksum(u.Checksum, sums, obj.Blobs)
		}
	}
	var unused []dataBlob
	for _, p := range have {
		if !used[p.Number] {
			unused = append(unused, p.dataBlob)
		}
	}
	return obj, unused, nil
}

func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// dropUpload deletes an upload and its part records, retiring the given blobs.
func dropUpload(tx meta.Tx, u *Upload, parts []Part, retire []dataBlob) error {
	if err := retireBlobs(tx, retire); err != nil {
		return err
	}
	for _, p := range parts {
		if err := tx.Delete(tableParts, partKey(u.ID, p.Number)); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
	}
	return tx.Delete(tableUploads, uploadKey(u.Bucket, u.Key, u.ID))
}

// AbortMultipartUpload discards an upload and its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, c *actor.Caller, bucket, key, id string) error {
	if _, err := s.authorizedBucket(ctx, c, bucket, objectAccess("s3:AbortMultipartUpload", bucket, key)); err != nil {
		return err
	}
	return s.abortUpload(ctx, bucket, key, id)
}

func (s *Service) abortUpload(ctx context.Context, bucket, key, id string) error {
	var retired []dataBlob
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		retired = nil
		u, err := getUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		parts, err := scanParts(tx, id, 0, 0)
		if err != nil {
			return err
		}
		for _, p := range parts {
			retired = append(retired, p.dataBlob)
		}
		return dropUpload(tx, u, parts, retired)
	})
	if err == nil {
		s.collect(retired)
	}
	return err
}
