package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// setAsideChunk is how many set-aside records wait in memory before they are stored.
const setAsideChunk = 64

// storedSetAside is a set-aside record as sealed in ingest.setaside.
type storedSetAside struct {
	Object    string    `json:"object"`
	Record    int64     `json:"record"`
	Reason    string    `json:"reason"`
	Raw       []byte    `json:"raw"`
	Truncated bool      `json:"truncated,omitempty"`
	Time      time.Time `json:"time"`
}

// setAsideSeq is a source's set-aside counter: the records kept are those numbered First to Next-1.
type setAsideSeq struct {
	First, Next uint64
}

func setAsideKey(src string, seq uint64) string { return fmt.Sprintf("%s\x00%016x", src, seq) }

func setAsideAAD(key string) []byte { return []byte("seclake ingest set-aside " + key) }

// storeSetAsides stores the held object's waiting set-aside records, sealed, keeping the newest MaxSetAside of
// its source, and records the highest record number stored so that a later read does not store them again.
func (s *Service) storeSetAsides(ctx context.Context, h *heldObject) error {
	if len(h.setAsides) == 0 {
		return nil
	}
	src := h.rec.Ref.Source
	now := s.cfg.Clock.Now().UTC()
	err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		rec, err := loadObject(tx, h.id)
		if err != nil {
			return err
		}
		if rec.Owner != s.owner {
			return errLost
		}
		var seq setAsideSeq
		if err := getJSON(tx, statsTable, "a/"+src, &seq); err != nil && !isNotFound(err) {
			return err
		}
		for _, sa := range h.setAsides {
			if sa.Record <= rec.SetAsideMark {
				continue
			}
			rec.SetAsideMark = sa.Record
			key := setAsideKey(src, seq.Next)
			seq.Next++
			plain, err := json.Marshal(storedSetAside{Object: sa.Object, Record: sa.Record, Reason: sa.Reason,
				Raw: sa.Raw, Truncated: sa.Truncated, Time: now})
			if err != nil {
				return err
			}
			sealed, err := s.cfg.Seal.Seal(plain, setAsideAAD(key))
			if err != nil {
				return err
			}
			if err := tx.Put(setAsideTable, key, sealed); err != nil {
				return err
			}
		}
		if err := s.noteSetAside(tx, rec, h, now); err != nil {
			return err
		}
		for seq.Next-seq.First > uint64(s.cfg.MaxSetAside) {
			if err := tx.Delete(setAsideTable, setAsideKey(src, seq.First)); err != nil && !isNotFound(err) {
				return err
			}
			seq.First++
		}
		h.rec.SetAsideMark = rec.SetAsideMark
		if err := putJSON(tx, statsTable, "a/"+src, seq); err != nil {
			return err
		}
		return putJSON(tx, objectsTable, h.id, rec)
	})
	if err != nil {
		return fmt.Errorf("ingest: store set-aside records: %w", err)
	}
	h.setAsides = nil
	return nil
}

// SetAside returns the newest set-aside records of a source (its seclake name), newest first, at most limit
// (all that are kept when limit ≤ 0).
func (s *Service) SetAside(ctx context.Context, src string, limit int) ([]SetAsideRecord, error) {
	if sc, ok := s.cfg.Sources.Lookup(src); ok {
		src = sc.Info().Name
	}
	var out []SetAsideRecord
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var ferr error
		err := tx.Scan(setAsideTable, meta.Range{Prefix: src + "\x00", Reverse: true, Limit: max(limit, 0)},
			func(k string, v []byte) bool {
				plain, err := s.cfg.Seal.Open(v, setAsideAAD(k))
				if err != nil {
					ferr = fmt.Errorf("open set-aside record %q: %w", k, err)
					return false
				}
				var st storedSetAside
				if ferr = json.Unmarshal(plain, &st); ferr != nil {
					return false
				}
				out = append(out, SetAsideRecord{Source: src, Object: st.Object, Record: st.Record, Reason: st.Reason,
					Raw: st.Raw, Truncated: st.Truncated, Time: st.Time})
				return true
			})
		if err != nil {
			return err
		}
		return ferr
	})
	return out, err
}
