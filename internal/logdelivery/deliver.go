package logdelivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// maxPerRun bounds the files one stream delivers per run, so a stream far behind does not hold up the others.
const maxPerRun = 100

// Deliver delivers the held files of every stream, oldest first. A stream whose delivery is refused records why
// and waits for the next run; Deliver returns only errors of seclake itself.
func (s *Service) Deliver(ctx context.Context) error {
	var streams []string
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		streams = streams[:0]
		return tx.Scan(tableStreams, meta.Range{}, func(k string, v []byte) bool {
			var st Status
			if json.Unmarshal(v, &st) == nil && st.Held > 0 {
				streams = append(streams, k)
			}
			return true
		})
	})
	if err != nil {
		return fmt.Errorf("logdelivery: list streams: %w", err)
	}
	var errs []error
	for _, st := range streams {
		if err := s.deliverStream(ctx, st); err != nil {
			errs = append(errs, fmt.Errorf("stream %s: %w", st, err))
		}
	}
	return errors.Join(errs...)
}

// deliverStream delivers one stream's held files until one is refused.
func (s *Service) deliverStream(ctx context.Context, stream string) error {
	for i := 0; i < maxPerRun; i++ {
		key, h, err := s.oldest(ctx, stream)
		if err != nil || h == nil {
			return err
		}
		body, err := s.openBody(ctx, h)
		if err != nil {
			return err
		}
		caller := actor.ServicePrincipal(Principal, h.Region, s.cfg.Clock.Now(), actor.Source{ARN: h.SourceARN, Account: h.Account})
		_, derr := s.cfg.Objects.Deliver(ctx, objstore.DeliveryInput{Caller: caller, Object: objstore.PutInput{
			Bucket: h.Bucket, Key: h.Key, Body: bytes.NewReader(body), Size: int64(len(body)), ACL: "bucket-owner-full-control",
			Headers: headers(h)}})
		if derr != nil && !refused(derr) {
			return derr
		}
		if err := s.settle(ctx, stream, key, h, derr); err != nil || derr != nil {
			if derr != nil {
				s.cfg.Logger.Warn("log delivery refused; the file is held and delivered once the policy allows it",
					"stream", stream, "bucket", h.Bucket, "key", h.Key, "err", derr)
			}
			return err
		}
		_ = s.cfg.Blobs.Delete(ctx, h.Blob)
	}
	return nil
}

// refused reports an error that a policy or the bucket's state caused (the user's to fix), as opposed to one
// of seclake itself.
func refused(err error) bool {
	var de *objstore.DeliveryError
	if errors.As(err, &de) {
		return true
	}
	e, isAWS := asAWS(err)
	return isAWS && e.Status < 500
}

// settle records a delivery's outcome: on success the held file's record goes and the status counts it; on
// refusal the status keeps the reason.
func (s *Service) settle(ctx context.Context, stream, key string, h *heldFile, derr error) error {
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		st, err := getStatus(tx, stream)
		if err != nil {
			return err
		}
		now := s.cfg.Clock.Now().UTC()
		if derr != nil {
			st.LastError, st.LastErrorTime = reason(derr), now
			return putJSON(tx, tableStreams, stream, st)
		}
		if _, err := tx.Get(tableHeld, key); errors.Is(err, meta.ErrNotFound) {
			return nil // dropped meanwhile: nothing to count
		} else if err != nil {
			return err
		}
		if err := tx.Delete(tableHeld, key); err != nil {
			return err
		}
		st.Held--
		st.HeldBytes -= h.Size
		st.Delivered++
		st.LastDelivered, st.LastError, st.LastErrorTime = now, "", now
		return putJSON(tx, tableStreams, stream, st)
	})
}

// oldest returns the stream's oldest held file, or nil.
func (s *Service) oldest(ctx context.Context, stream string) (string, *heldFile, error) {
	var key string
	var h *heldFile
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		key, h = "", nil
		var derr error
		err := tx.Scan(tableHeld, meta.Range{Prefix: stream + "\x00"}, func(k string, v []byte) bool {
			key, h = k, &heldFile{}
			derr = json.Unmarshal(v, h)
			return false
		})
		if err != nil {
			return err
		}
		return derr
	})
	return key, h, err
}

// StreamStatus returns a stream's status (the zero Status for a stream with no files yet).
func (s *Service) StreamStatus(ctx context.Context, stream string) (Status, error) {
	var st *Status
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		st, err = getStatus(tx, stream)
		return err
	})
	if err != nil {
		return Status{}, err
	}
	return *st, nil
}

func headers(h *heldFile) objstore.Headers {
	return objstore.Headers{ContentType: h.ContentType, ContentEncoding: h.ContentEncoding}
}

// reason words a refusal for the stream's status: the delivery error says who lacks what and how to fix it.
func reason(err error) string { return err.Error() }

func asAWS(err error) (*awserr.Error, bool) { return awserr.As(err) }
