package objstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// ListPartsInput is a ListParts request.
type ListPartsInput struct {
	Bucket, Key, UploadID string
	After                 int
	MaxParts              int
}

// ListPartsOutput is a page of parts.
type ListPartsOutput struct {
	Upload      *Upload
	Parts       []Part
	IsTruncated bool
	Next        int
}

// ListParts lists an upload's parts by number.
func (s *Service) ListParts(ctx context.Context, c *actor.Caller, in ListPartsInput) (*ListPartsOutput, error) {
	if _, err := s.authorizedBucket(ctx, c, in.Bucket, objectAccess("s3:ListMultipartUploadParts", in.Bucket, in.Key)); err != nil {
		return nil, err
	}
	if in.MaxParts <= 0 || in.MaxParts > 1000 {
		in.MaxParts = 1000
	}
	out := &ListPartsOutput{}
	err := s.store.View(ctx, func(tx meta.Tx) error {
		u, err := getUpload(tx, in.Bucket, in.Key, in.UploadID)
		if err != nil {
			return err
		}
		parts, err := scanParts(tx, in.UploadID, in.After, in.MaxParts+1)
		if err != nil {
			return err
		}
		out.Upload = u
		if len(parts) > in.MaxParts {
			parts, out.IsTruncated = parts[:in.MaxParts], true
		}
		out.Parts = parts
		if len(parts) > 0 {
			out.Next = parts[len(parts)-1].Number
		}
		return nil
	})
	return out, err
}

// ListUploadsInput is a ListMultipartUploads request.
type ListUploadsInput struct {
	Bucket, Prefix, Delimiter string
	KeyMarker, UploadIDMarker string
	MaxUploads                int
}

// ListUploadsOutput is a page of uploads.
type ListUploadsOutput struct {
	Uploads               []*Upload
	CommonPrefixes        []string
	IsTruncated           bool
	NextKey, NextUploadID string
}

// ListMultipartUploads lists uploads in progress by key, then upload ID.
func (s *Service) ListMultipartUploads(ctx context.Context, c *actor.Caller, in ListUploadsInput) (*ListUploadsOutput, error) {
	a := bucketAccess("s3:ListBucketMultipartUploads", in.Bucket)
	a.ctx.Set("s3:prefix", in.Prefix)
	if _, err := s.authorizedBucket(ctx, c, in.Bucket, a); err != nil {
		return nil, err
	}
	if in.MaxUploads <= 0 || in.MaxUploads > 1000 {
		in.MaxUploads = 1000
	}
	out := &ListUploadsOutput{}
	base := in.Bucket + "/"
	err := s.store.View(ctx, func(tx meta.Tx) error {
		*out = ListUploadsOutput{}
		start := ""
		if in.KeyMarker != "" {
			start = base + in.KeyMarker + "\x00" + in.UploadIDMarker + "\x00"
			if in.UploadIDMarker == "" {
				start = base + in.KeyMarker + "\x01"
			}
		}
		seen := map[string]bool{}
		var derr error
		err := tx.Scan(tableUploads, meta.Range{Prefix: base + in.Prefix, Start: start}, func(k string, v []byte) bool {
			key, _, _ := strings.Cut(k[len(base):], "\x00")
			if len(out.Uploads)+len(out.CommonPrefixes) == in.MaxUploads {
				out.IsTruncated = true
				return false
			}
			if cp, ok := commonPrefix(key, in.Prefix, in.Delimiter); ok {
				if !seen[cp] {
					seen[cp] = true
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
				}
				return true
			}
			u := new(Upload)
			if derr = json.Unmarshal(v, u); derr != nil {
				return false
			}
			out.Uploads = append(out.Uploads, u)
			out.NextKey, out.NextUploadID = u.Key, u.ID
			return true
		})
		return firstErr(err, derr)
	})
	return out, err
}
