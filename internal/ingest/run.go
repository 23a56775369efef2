package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/table"
)

// Run is one pass of the worker: it renews the leases of the objects it holds, claims the objects that are due
// (while its buffers have room), reads and normalizes them into the buffers, and commits the buffers that are
// due. An object that cannot be read or committed is released with the reason and retried after a backoff; Run
// returns an error only when the metadata store fails.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.renewHeld(ctx, true); err != nil {
		return err
	}
	if err := s.resolveStale(ctx); err != nil {
		return err
	}
	if s.state.total < s.cfg.Flush.MaxBufferBytes {
		objs, err := s.claim(ctx, s.cfg.Claims)
		if err != nil {
			return err
		}
		for _, c := range objs {
			if err := s.ingestObject(ctx, c); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	s.updateLag(ctx)
	return s.flushDue(ctx, false)
}

// Flush commits every buffer now (tests, shutdown).
func (s *Service) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushDue(ctx, true)
}

// renewHeld renews the leases of the held objects when half of a lease has passed (always, when force is
// false and any is due); objects it lost are dropped.
func (s *Service) renewHeld(ctx context.Context, onlyDue bool) error {
	if len(s.state.held) == 0 {
		return nil
	}
	now := s.cfg.Clock.Now()
	var ids []string
	due := !onlyDue
	for id, h := range s.state.held {
		ids = append(ids, id)
		if h.rec.Until.Sub(now) < s.cfg.Lease/2 {
			due = true
		}
	}
	if !due {
		return nil
	}
	lost, err := s.renew(ctx, ids)
	if err != nil {
		return fmt.Errorf("ingest: renew leases: %w", err)
	}
	until := now.Add(s.cfg.Lease)
	for _, h := range s.state.held {
		h.rec.Until = until
	}
	if len(lost) > 0 {
		s.cfg.Logger.Warn("ingest: lost the lease of objects; another worker takes them over", "objects", len(lost))
		s.drop(lost...)
	}
	return nil
}

// drop forgets the objects ids: their buffered events are removed (they are read again by whoever takes the
// objects over, from their watermarks).
func (s *Service) drop(ids ...string) {
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
		delete(s.state.held, id)
	}
	for k, b := range s.state.buffers {
		s.state.total -= b.drop(set)
		if len(b.events) == 0 {
			delete(s.state.buffers, k)
		}
	}
}

// ingestObject reads a claimed object into the buffers.
func (s *Service) ingestObject(ctx context.Context, c claimed) error {
	if err := s.resolveAll(ctx, c.id, c.rec.Commits); err != nil {
		return err
	}
	rec, err := s.reload(ctx, c.id)
	if err != nil || rec == nil {
		return err
	}
	h := &heldObject{id: c.id, rec: rec, produced: map[string]int64{}, pending: map[string]int64{}}
	s.state.held[c.id] = h
	if err := s.read(ctx, h); err != nil {
		var ab *abort
		if errors.As(err, &ab) && !errors.Is(ab.err, errLost) {
			s.drop(c.id)
			if ctx.Err() != nil {
				s.release(context.WithoutCancel(ctx), []string{c.id})
			}
			return ab.err
		}
		if _, still := s.state.held[c.id]; !still || errors.Is(err, errLost) {
			return nil // lost, or failed by a commit meanwhile
		}
		if ctx.Err() != nil { // stopped: not the object's fault
			s.drop(c.id)
			s.release(context.WithoutCancel(ctx), []string{c.id})
			return ctx.Err()
		}
		s.drop(c.id)
		s.metrics.object(rec.Ref.Source, "failed")
		if ferr := s.fail(ctx, c.id, err); ferr != nil {
			return fmt.Errorf("ingest: record the failure of %s: %w", objName(rec.Ref), ferr)
		}
		return nil
	}
	if _, still := s.state.held[c.id]; !still {
		return nil // lost meanwhile
	}
	h.readDone = true
	if err := s.storeSetAsides(ctx, h); err != nil {
		return err
	}
	if h.pendingTotal() == 0 {
		return s.finish(ctx, h)
	}
	return nil
}

// reload reads the record of an object this instance holds (nil when it was taken over meanwhile).
func (s *Service) reload(ctx context.Context, id string) (*objectRecord, error) {
	var rec *objectRecord
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		r, err := loadObject(tx, id)
		if err != nil {
			return err
		}
		if r.Owner == s.owner && r.State == stateQueued {
			rec = r
		}
		return nil
	})
	return rec, err
}

// objName names an object in failures and set-aside records: s3://bucket/key, after its remote's name and a
// colon when it is on another endpoint.
func objName(r ObjectRef) string {
	if r.Remote != "" {
		return r.Remote + ":s3://" + r.Bucket + "/" + r.Key
	}
	return "s3://" + r.Bucket + "/" + r.Key
}

// errIgnored ends the read of an object whose layout holds no records.
var errIgnored = errors.New("ignored")

// read normalizes the object into the buffers.
func (s *Service) read(ctx context.Context, h *heldObject) error {
	ref := h.rec.Ref
	layout := DetectLayout(ref.Key)
	if layout.Ignore != "" {
		h.noTableReason = layout.Ignore
		return nil
	}
	if ref.Source == "" {
		return fmt.Errorf("the source of %s cannot be told from its key: enqueue it with the source named",
			objName(ref))
	}
	src, ok := s.cfg.Sources.Lookup(ref.Source)
	if !ok {
		return fmt.Errorf("no source is named %q", ref.Source)
	}
	info, found, err := s.cfg.Lakes.Get(ctx, ref.Account, ref.Region)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("account %s has no data lake in %s: create one first", ref.Account, ref.Region)
	}
	raw, modified, err := s.open(ctx, ref, info)
	if err != nil {
		return err
	}
	defer raw.Close()
	body, err := source.Open(raw)
	if err != nil {
		return fmt.Errorf("read %s: %w", objName(ref), err)
	}
	cr := &countingReader{r: body}
	ev := layout
	if ev.Account == "" {
		ev.Account = ref.Account
	}
	if ev.Region == "" {
		ev.Region = ref.Region
	}
	sink := &objectSink{s: s, ctx: ctx, h: h, cr: cr, evAccount: ev.Account, evRegion: ev.Region}
	counts, err := src.Normalize(ctx, source.Object{Name: objName(ref), Body: cr, Account: layout.Account,
		Region: layout.Region, Time: modified}, sink)
	if err != nil {
		return fmt.Errorf("normalize %s: %w", objName(ref), err)
	}
	h.counts = counts
	return nil
}

// open opens the raw object of ref: from its remote with the remote's credentials, or from seclake's object
// store as the Security Lake service principal for the lake of info. Only the bytes of its identity are read.
func (s *Service) open(ctx context.Context, ref ObjectRef, info table.LakeInfo) (io.ReadCloser, time.Time, error) {
	if ref.Remote != "" {
		if s.cfg.Remotes == nil {
			return nil, time.Time{}, fmt.Errorf("read %s: no ingest remote named %q is configured", objName(ref), ref.Remote)
		}
		body, modified, err := s.cfg.Remotes.GetRaw(ctx, ref.Remote, ref.Bucket, ref.Key, ref.ETag)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("read %s: %w", objName(ref), err)
		}
		return body, modified, nil
	}
	in := objstore.GetInput{Bucket: ref.Bucket, Key: ref.Key, VersionID: ref.VersionID}
	if ref.VersionID == "" && ref.ETag != "" {
		in.Conditions.IfMatch = ref.ETag // the bytes of the identity, or none
	}
	out, err := s.cfg.Objects.GetObject(ctx, s.caller(info), in)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read %s as %s: %w", objName(ref), table.Principal, err)
	}
	return out.Body, out.Object.LastModified, nil
}

// caller is the Security Lake service principal acting for the data lake of info.
func (s *Service) caller(info table.LakeInfo) *actor.Caller {
	return actor.ServicePrincipal(table.Principal, info.Region, s.cfg.Clock.Now(), actor.Source{ARN: info.ARN(),
		Account: info.Account})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
