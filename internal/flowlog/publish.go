package flowlog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/logdelivery"
)

// Publish closes the aggregation windows that have ended (every window when all, as on stop) and hands each
// flow log's records to the log-delivery service as files: one per hour when the flow log partitions per hour,
// else one. Records whose file cannot be held stay for the next Publish.
func (s *Service) Publish(ctx context.Context, all bool) error {
	if err := s.reload(ctx, false); err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	type batch struct {
		w    *watched
		recs []*record
	}
	var batches []batch
	s.mu.Lock()
	for _, w := range s.logs {
		w.closeWindows(now, all)
		if len(w.ready) > 0 {
			batches = append(batches, batch{w, w.ready})
			w.ready = nil
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, b := range batches {
		if err := s.publish(ctx, b.w, b.recs, now); err != nil {
			errs = append(errs, fmt.Errorf("flow log %s: %w", b.w.log.ID, err))
			s.mu.Lock()
			b.w.ready = append(b.recs, b.w.ready...)
			s.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// publish writes one flow log's records as files and holds them for delivery.
func (s *Service) publish(ctx context.Context, w *watched, recs []*record, now time.Time) error {
	f := w.log
	groups := map[time.Time][]*record{}
	for _, r := range recs {
		h := time.Time{}
		if f.PerHourPartition {
			h = time.Unix(r.start, 0).UTC().Truncate(time.Hour)
		}
		groups[h] = append(groups[h], r)
	}
	for hour, rs := range groups {
		sortRecords(rs)
		var body []byte
		var err error
		ctype := "application/octet-stream"
		if f.FileFormat == FormatParquet {
			body, err = parquetFile(w.format, rs)
		} else {
			body, err = textFile(w.format, rs)
		}
		if err != nil {
			return err
		}
		key, err := fileKey(f, now, hour, s.cfg.Rand)
		if err != nil {
			return err
		}
		err = s.cfg.Delivery.Enqueue(ctx, logdelivery.File{Stream: f.stream(), Account: f.Account, Region: f.Region,
			SourceARN: f.sourceARN(), Bucket: f.Bucket, Key: key, Body: body, ContentType: ctype})
		if err != nil {
			return err
		}
	}
	return nil
}
