package logdelivery

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/segment"
)

// heldFile is the stored record of a file waiting for delivery; its body is the sealed blob Blob.
type heldFile struct {
	Stream          string    `json:"stream"`
	Account         string    `json:"account"`
	Region          string    `json:"region"`
	SourceARN       string    `json:"sourceArn"`
	Bucket          string    `json:"bucket"`
	Key             string    `json:"key"`
	ContentType     string    `json:"contentType,omitempty"`
	ContentEncoding string    `json:"contentEncoding,omitempty"`
	Size            int64     `json:"size"`
	Blob            string    `json:"blob"`
	Wrapped         []byte    `json:"wrapped"` // the data key, sealed with the root key
	Created         time.Time `json:"created"`
}

// Enqueue holds f durably for delivery: it returns once f's sealed body and record are stored. When the
// stream's held files exceed the bound, its oldest are dropped (and counted in its status).
func (s *Service) Enqueue(ctx context.Context, f File) error {
	if f.Stream == "" || f.Bucket == "" || f.Key == "" {
		return errors.New("logdelivery: a file needs a stream, a bucket and a key")
	}
	h, err := s.sealBody(ctx, f)
	if err != nil {
		return err
	}
	var dropped []heldFile
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		dropped = dropped[:0]
		st, err := getStatus(tx, f.Stream)
		if err != nil {
			return err
		}
		seq := st.NextSeq
		st.NextSeq++
		if err := putJSON(tx, tableHeld, heldKey(f.Stream, seq), h); err != nil {
			return err
		}
		st.Held++
		st.HeldBytes += h.Size
		if dropped, err = s.dropOldest(tx, f.Stream, st); err != nil {
			return err
		}
		return putJSON(tx, tableStreams, f.Stream, st)
	})
	if err != nil {
		_ = s.cfg.Blobs.Delete(context.WithoutCancel(ctx), h.Blob)
		return fmt.Errorf("logdelivery: hold %s: %w", f.Key, err)
	}
	for _, d := range dropped {
		_ = s.cfg.Blobs.Delete(context.WithoutCancel(ctx), d.Blob)
		s.cfg.Logger.Warn("log delivery: a held file was dropped: the stream holds more than its bound while its deliveries are refused",
			"stream", d.Stream, "bucket", d.Bucket, "key", d.Key, "bytes", d.Size)
	}
	return nil
}

// dropOldest removes the stream's oldest files while it holds more than the bound, and returns them.
func (s *Service) dropOldest(tx meta.Tx, stream string, st *Status) ([]heldFile, error) {
	var out []heldFile
	for st.HeldBytes > s.cfg.MaxHeldBytes && st.Held > 1 {
		var key string
		var h heldFile
		var derr error
		err := tx.Scan(tableHeld, meta.Range{Prefix: stream + "\x00"}, func(k string, v []byte) bool {
			key, derr = k, json.Unmarshal(v, &h)
			return false
		})
		if err == nil {
			err = derr
		}
		if err != nil || key == "" {
			return out, err
		}
		if err := tx.Delete(tableHeld, key); err != nil {
			return out, err
		}
		st.Held--
		st.HeldBytes -= h.Size
		st.Dropped++
		out = append(out, h)
	}
	return out, nil
}

// sealBody stores f's body sealed under a fresh data key and returns its record.
func (s *Service) sealBody(ctx context.Context, f File) (*heldFile, error) {
	var id [16]byte
	dk := make([]byte, segment.KeySize)
	if _, err := io.ReadFull(s.cfg.Rand, id[:]); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(s.cfg.Rand, dk); err != nil {
		return nil, err
	}
	name := "logdelivery/" + hex.EncodeToString(id[:])
	wrapped, err := s.cfg.Seal.Seal(dk, aad(name))
	if err != nil {
		return nil, err
	}
	hdr, err := segment.NewHeader(s.cfg.Rand)
	if err != nil {
		return nil, err
	}
	var sealed bytes.Buffer
	w, err := segment.NewWriter(&sealed, dk, hdr)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(f.Body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if _, err := s.cfg.Blobs.Put(ctx, name, &sealed); err != nil {
		return nil, fmt.Errorf("logdelivery: store a held file: %w", err)
	}
	return &heldFile{Stream: f.Stream, Account: f.Account, Region: f.Region, SourceARN: f.SourceARN, Bucket: f.Bucket, Key: f.Key,
		ContentType: f.ContentType, ContentEncoding: f.ContentEncoding, Size: int64(len(f.Body)), Blob: name, Wrapped: wrapped,
		Created: s.cfg.Clock.Now().UTC()}, nil
}

// openBody reads and unseals a held file's body.
func (s *Service) openBody(ctx context.Context, h *heldFile) ([]byte, error) {
	dk, err := s.cfg.Seal.Open(h.Wrapped, aad(h.Blob))
	if err != nil {
		return nil, fmt.Errorf("logdelivery: unseal the key of %s: %w", h.Blob, err)
	}
	rc, _, err := s.cfg.Blobs.Get(ctx, h.Blob)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	r, err := segment.NewReader(rc, dk)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// aad binds a wrapped data key to its blob.
func aad(blob string) []byte { return []byte("seclake logdelivery held file v1\x00" + blob) }

func heldKey(stream string, seq uint64) string { return fmt.Sprintf("%s\x00%020d", stream, seq) }

func getStatus(tx meta.Tx, stream string) (*Status, error) {
	st := &Status{}
	b, err := tx.Get(tableStreams, stream)
	if errors.Is(err, meta.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	return st, json.Unmarshal(b, st)
}

func putJSON(tx meta.Tx, table, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, key, b)
}
