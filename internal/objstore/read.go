package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/segment"
)

// Range is a requested byte range: bytes=Start-End, bytes=Start- (End < 0) or bytes=-Suffix.
type Range struct {
	Start, End int64
	Suffix     int64
	IsSuffix   bool
}

// Conditions are a read's preconditions.
type Conditions struct {
	IfMatch, IfNoneMatch               string
	IfModifiedSince, IfUnmodifiedSince *time.Time
}

// GetInput is a GetObject or HeadObject request.
type GetInput struct {
	Bucket, Key string
	// VersionID names a version; "" reads the current one.
	VersionID  string
	Range      *Range
	PartNumber int
	Conditions Conditions
	// attributes authorizes the read as GetObjectAttributes (s3:GetObject[Version]Attributes).
	attributes bool
}

// GetOutput is an object and, for GetObject, its body.
type GetOutput struct {
	Object *Object
	// Body yields the requested bytes; nil for HeadObject and when NotModified. The caller closes it.
	Body io.ReadCloser
	// Start and Length locate the bytes returned; Partial is set for ranges and parts (206).
	Start, Length int64
	Partial       bool
	// NotModified is set when a condition answers 304.
	NotModified bool
}

// HeadObject returns an object's metadata after its preconditions.
func (s *Service) HeadObject(ctx context.Context, c *actor.Caller, in GetInput) (*GetOutput, error) {
	return s.getObject(ctx, c, in, false)
}

// GetObjectAttributes returns an object's metadata for GetObjectAttributes, authorized as
// s3:GetObjectAttributes (s3:GetObjectVersionAttributes when in names a version).
func (s *Service) GetObjectAttributes(ctx context.Context, c *actor.Caller, in GetInput) (*Object, error) {
	in.attributes, in.Conditions, in.Range, in.PartNumber = true, Conditions{}, nil, 0
	out, err := s.getObject(ctx, c, in, false)
	if err != nil {
		return nil, err
	}
	return out.Object, nil
}

// GetObject returns an object's bytes, decrypted, after its preconditions.
func (s *Service) GetObject(ctx context.Context, c *actor.Caller, in GetInput) (*GetOutput, error) {
	return s.getObject(ctx, c, in, true)
}

func (s *Service) getObject(ctx context.Context, c *actor.Caller, in GetInput, body bool) (*GetOutput, error) {
	// An overwrite can retire the blobs of the version just loaded before the reader pins them; the read then
	// starts over with the new version (a few times at most: each retry means another write got in between).
	for attempt := 1; ; attempt++ {
		out, err := s.getObjectOnce(ctx, c, in, body)
		if !errors.Is(err, errReplaced) || attempt == 3 {
			return out, err
		}
	}
}

// errReplaced means the object was replaced while a GET was opening it.
var errReplaced = errors.New("object replaced while being opened")

func (s *Service) getObjectOnce(ctx context.Context, c *actor.Caller, in GetInput, body bool) (*GetOutput, error) {
	if in.VersionID != "" {
		if err := validVersionID(in.VersionID); err != nil {
			return nil, err
		}
	}
	b, obj, err := s.bucketAndObject(ctx, in.Bucket, in.Key, in.VersionID)
	if b == nil {
		return nil, err
	}
	action := "s3:GetObject"
	if in.attributes {
		action = "s3:GetObjectAttributes"
	}
	a := objectAccess(action, in.Bucket, in.Key)
	if in.VersionID != "" {
		a = versionAccess(strings.Replace(action, "Object", "ObjectVersion", 1), in.Bucket, in.Key, in.VersionID)
	}
	if obj != nil {
		for _, t := range obj.Tags {
			a.ctx.Set("s3:ExistingObjectTag/"+t.Key, t.Value)
		}
	}
	if aerr := s.authorize(ctx, c, b, a); aerr != nil {
		if obj == nil && isNoSuchKey(err) && s.mayList(ctx, c, b, in.Key) {
			return nil, err // S3 tells a caller who may list the bucket under the key that it is missing
		}
		return nil, aerr
	}
	if err != nil {
		return nil, err
	}
	if in.VersionID == "" {
		obj.Expiration = b.Expiration(obj)
	}
	out := &GetOutput{Object: obj, Length: obj.Size}
	if notModified, err := in.Conditions.check(obj); err != nil || notModified {
		out.NotModified = notModified
		return out, err
	}
	if err := out.locate(in); err != nil {
		return nil, err
	}
	if !body {
		return out, nil
	}
	dk, err := s.openDataKey(ctx, c, in.Bucket, in.Key, obj.SSE)
	if err != nil {
		return nil, err
	}
	r := &objectReader{ctx: ctx, s: s, key: dk, blobs: obj.Blobs, off: out.Start, remain: out.Length}
	if err := r.pin(); err != nil {
		return nil, err
	}
	out.Body = r
	return out, nil
}

// mayList reports whether c may list bucket b under key (s3:ListBucket with s3:prefix = key).
func (s *Service) mayList(ctx context.Context, c *actor.Caller, b *Bucket, key string) bool {
	a := bucketAccess("s3:ListBucket", b.Name)
	a.ctx.Set("s3:prefix", key)
	return s.authorize(ctx, c, b, a) == nil
}

// bucketAndObject loads a bucket and one of its objects (the current version, or version id) in one read
// transaction. A missing bucket returns (nil, nil, NoSuchBucket); a missing object returns the bucket and the
// object's error: NoSuchKey, NoSuchVersion, or S3's answer for a delete marker.
func (s *Service) bucketAndObject(ctx context.Context, bucket, key, id string) (*Bucket, *Object, error) {
	if bucket == "" {
		return nil, nil, errNoSuchBucket(bucket)
	}
	var b *Bucket
	var obj *Object
	var objErr error
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		if b, err = getBucket(tx, bucket); err != nil {
			return err
		}
		obj, objErr, err = readVersion(tx, b, key, id)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return b, obj, objErr
}

// readVersion returns version id of key ("" for the current version), or the caller's error for it as the
// second result; the third is a failure of the store.
func readVersion(tx meta.Tx, b *Bucket, key, id string) (*Object, error, error) {
	var obj *Object
	var err error
	if id != "" {
		obj, _, err = findVersion(tx, b.Name, key, id)
	} else {
		obj, err = getObject(tx, b.Name, key)
		if isNoSuchKey(err) && b.Versioning != "" {
			m, merr := latestMarker(tx, b.Name, key)
			if merr != nil {
				return nil, nil, merr
			}
			if m != nil {
				m.versioned = true
				return nil, errDeleteMarker(m, false), nil
			}
		}
	}
	if _, ok := asAWS(err); ok {
		return nil, err, nil
	}
	if err != nil {
		return nil, nil, err
	}
	obj.versioned = b.Versioning != ""
	if obj.DeleteMarker {
		return nil, errDeleteMarker(obj, true), nil
	}
	return obj, nil, nil
}

func (s *Service) loadObject(ctx context.Context, bucket, key string) (*Object, error) {
	var obj *Object
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		obj, err = getObject(tx, bucket, key)
		return err
	})
	return obj, err
}

// check applies S3's precondition rules; it reports 304 as notModified and 412 as an error.
func (c Conditions) check(o *Object) (notModified bool, err error) {
	mod := o.LastModified.Truncate(time.Second)
	if c.IfMatch != "" {
		if !etagMatches(c.IfMatch, o.ETag) {
			return false, errPreconditionFailed("If-Match")
		}
	} else if c.IfUnmodifiedSince != nil && mod.After(*c.IfUnmodifiedSince) {
		return false, errPreconditionFailed("If-Unmodified-Since")
	}
	if c.IfNoneMatch != "" {
		return etagMatches(c.IfNoneMatch, o.ETag), nil
	}
	if c.IfModifiedSince != nil && !mod.After(*c.IfModifiedSince) {
		return true, nil
	}
	return false, nil
}

// locate resolves the range or part number against the object.
func (g *GetOutput) locate(in GetInput) error {
	o := g.Object
	switch {
	case in.PartNumber > 0:
		if in.Range != nil {
			return errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
		}
		if o.PartsCount == 0 {
			if in.PartNumber != 1 {
				return errInvalidPartNumber()
			}
			return nil
		}
		var off int64
		for _, p := range o.Blobs {
			if p.Number == in.PartNumber {
				g.Start, g.Length, g.Partial = off, p.Size, true
				return nil
			}
			off += p.Size
		}
		return errInvalidPartNumber()
	case in.Range != nil:
		r := in.Range
		size := o.Size
		if r.IsSuffix {
			if r.Suffix == 0 {
				return errInvalidRange(size)
			}
			n := min(r.Suffix, size)
			g.Start, g.Length, g.Partial = size-n, n, true
			return nil
		}
		if r.Start >= size {
			return errInvalidRange(size)
		}
		end := size - 1
		if r.End >= 0 && r.End < end {
			end = r.End
		}
		g.Start, g.Length, g.Partial = r.Start, end-r.Start+1, true
	}
	return nil
}

func errInvalidPartNumber() error {
	return errRangeNotSatisfiable("InvalidPartNumber", "The requested partnumber is not satisfiable")
}

// objectReader streams [off, off+remain) of an object, opening each blob's range when it gets there.
type objectReader struct {
	ctx    context.Context
	s      *Service
	key    []byte
	blobs  []dataBlob
	off    int64 // offset within the current blob list position
	remain int64
	cur    io.Reader
	closer io.Closer
	err    error
	pinned []string // blobs this reader keeps from deletion until Close
}

func (r *objectReader) Read(p []byte) (int, error) {
	for {
		if r.err != nil {
			return 0, r.err
		}
		if r.remain == 0 {
			return 0, io.EOF
		}
		if r.cur == nil {
			if r.err = r.open(); r.err != nil {
				continue
			}
		}
		n, err := r.cur.Read(p)
		r.remain -= int64(n)
		if errors.Is(err, io.EOF) {
			r.closeCur()
			err = nil
			if n == 0 {
				continue
			}
		}
		if err != nil {
			r.err = fmt.Errorf("read object: %w", err)
		}
		return n, r.err
	}
}

// open opens the range of the blob that holds r.off.
func (r *objectReader) open() error {
	for len(r.blobs) > 0 && r.off >= r.blobs[0].Size && r.blobs[0].Size > 0 {
		r.off -= r.blobs[0].Size
		r.blobs = r.blobs[1:]
	}
	if len(r.blobs) == 0 {
		return fmt.Errorf("read object: %w: fewer bytes than recorded", segment.ErrCorrupt)
	}
	b := r.blobs[0]
	n := min(b.Size-r.off, r.remain)
	h := segment.Header{SegmentSize: segment.Size}
	copy(h.Salt[:], b.Salt)
	c, err := segment.NewCipher(r.key, h)
	if err != nil {
		return err
	}
	rg := segment.Locate(b.Size, r.off, n, c.SegmentSize())
	var rc io.ReadCloser
	if b.Blob == "" {
		if rg.Offset+rg.Length > int64(len(b.Inline)) {
			return fmt.Errorf("read object: %w: inline body shorter than recorded", segment.ErrCorrupt)
		}
		rc = io.NopCloser(bytes.NewReader(b.Inline[rg.Offset : rg.Offset+rg.Length]))
	} else if rc, err = r.s.blobs.GetRange(r.ctx, b.Blob, rg.Offset, rg.Length); err != nil {
		return fmt.Errorf("open blob %s: %w", b.Blob, err)
	}
	r.cur, r.closer = segment.NewRangeReader(rc, c, rg), rc
	r.blobs = r.blobs[1:]
	r.off = 0
	return nil
}

func (r *objectReader) closeCur() {
	if r.closer != nil {
		r.closer.Close()
	}
	r.cur, r.closer = nil, nil
}

// pin keeps the object's blobs from being deleted while it is read, and opens the first of them, so that a
// missing blob is an error before the response starts rather than a cut-off body. It returns errReplaced
// when the object was replaced since it was loaded.
func (r *objectReader) pin() error {
	for _, b := range r.blobs {
		if b.Blob != "" {
			r.pinned = append(r.pinned, b.Blob)
		}
	}
	if !r.s.pins.pin(r.pinned) {
		r.pinned = nil
		return errReplaced
	}
	if r.remain == 0 {
		return nil
	}
	if err := r.open(); err != nil {
		r.Close()
		if errors.Is(err, blob.ErrNotFound) {
			return errReplaced
		}
		return err
	}
	return nil
}

// Close releases the blobs; retired ones whose deletion waited for this reader are deleted now.
func (r *objectReader) Close() error {
	r.closeCur()
	if r.pinned != nil {
		r.s.deleteClaimed(r.s.pins.unpin(r.pinned))
		r.pinned = nil
	}
	return nil
}
