package objstore

import (
	"context"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/actor"
)

// CopySource names the object a copy reads, with its preconditions and (for UploadPartCopy) a range.
type CopySource struct {
	Bucket, Key string
	// VersionID names the source's version ("" for the current one).
	VersionID  string
	Conditions Conditions
	Range      *Range
}

// CopyInput is a CopyObject request. Metadata and Tags replace the source's when their directives say
// REPLACE.
type CopyInput struct {
	Source          CopySource
	Bucket, Key     string
	ReplaceMetadata bool
	// MetadataDirective is the x-amz-metadata-directive header as given (the s3:x-amz-metadata-directive key).
	MetadataDirective string
	Headers           Headers
	Metadata          map[string]string
	ReplaceTags       bool
	Tags              []Tag
	StorageClass      string
	SSE               SSERequest
	IfNoneMatch       string
}

// CopyObject copies an object, decrypting it as the caller and encrypting it again with the destination's
// settings (the request's, or the destination bucket's default).
func (s *Service) CopyObject(ctx context.Context, c *actor.Caller, in CopyInput) (*Object, *Object, error) {
	src, err := s.openCopySource(ctx, c, in.Source)
	if err != nil {
		return nil, nil, err
	}
	defer src.Body.Close()
	so := src.Object
	if in.Source.Bucket == in.Bucket && in.Source.Key == in.Key && !in.ReplaceMetadata && in.SSE.Algorithm == "" && in.StorageClass == "" {
		return nil, nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	put := PutInput{Bucket: in.Bucket, Key: in.Key, Body: src.Body, Size: so.Size, Headers: so.Headers, Metadata: so.Metadata,
		Tags: so.Tags, StorageClass: so.StorageClass, SSE: in.SSE, IfNoneMatch: in.IfNoneMatch,
		copyKeys: &copyKeys{source: in.Source.Bucket + "/" + in.Source.Key, directive: in.MetadataDirective}}
	if in.ReplaceMetadata {
		put.Headers, put.Metadata = in.Headers, in.Metadata
	}
	if in.ReplaceTags {
		put.Tags = in.Tags
	}
	if in.StorageClass != "" {
		put.StorageClass = in.StorageClass
	}
	if so.Checksum != nil && so.Checksum.Type == "FULL_OBJECT" {
		put.Checksum = ChecksumInput{Algorithm: so.Checksum.Algorithm}
	}
	obj, err := s.putCopy(ctx, c, put)
	return obj, so, err
}

// putCopy is PutObject with the event a copy produces.
func (s *Service) putCopy(ctx context.Context, c *actor.Caller, in PutInput) (*Object, error) {
	return s.putObject(ctx, c, in, "ObjectCreated:Copy")
}

// openCopySource authorizes s3:GetObject on the source and opens it (the whole object, or the range).
func (s *Service) openCopySource(ctx context.Context, c *actor.Caller, cs CopySource) (*GetOutput, error) {
	out, err := s.GetObject(ctx, c, GetInput{Bucket: cs.Bucket, Key: cs.Key, VersionID: cs.VersionID, Range: cs.Range})
	if err != nil {
		return nil, err
	}
	if notModified, cerr := cs.Conditions.check(out.Object); cerr != nil || notModified {
		out.Body.Close()
		if cerr == nil {
			cerr = errPreconditionFailed("x-amz-copy-source-If-None-Match")
		}
		return nil, cerr
	}
	return out, nil
}

// UploadPartCopyInput is an UploadPartCopy request.
type UploadPartCopyInput struct {
	Source                CopySource
	Bucket, Key, UploadID string
	PartNumber            int
}

// UploadPartCopy uploads a part whose bytes are (a range of) another object.
func (s *Service) UploadPartCopy(ctx context.Context, c *actor.Caller, in UploadPartCopyInput) (*Part, *Upload, time.Time, error) {
	src, err := s.openCopySource(ctx, c, in.Source)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	defer src.Body.Close()
	if r := in.Source.Range; r != nil && !r.IsSuffix && r.End >= src.Object.Size {
		return nil, nil, time.Time{}, errInvalidRange(src.Object.Size) // a part's range lies within the source
	}
	if src.Length > MaxPutSize {
		return nil, nil, time.Time{}, fmt.Errorf("copy part: %w", errEntityTooLarge(src.Length, MaxPutSize))
	}
	p, u, err := s.UploadPart(ctx, c, UploadPartInput{Bucket: in.Bucket, Key: in.Key, UploadID: in.UploadID,
		PartNumber: in.PartNumber, Body: src.Body, Size: src.Length})
	return p, u, src.Object.LastModified, err
}
