package firewall

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/logdelivery"
)

// Publish hands the log files whose interval has ended (all of them when all, as on stop), and those that
// reached MaxFileBytes, to the log-delivery service. A file that cannot be held stays for the next Publish.
func (s *Service) Publish(ctx context.Context, all bool) error {
	if err := s.reload(ctx, false); err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	files := s.ready
	s.ready = nil
	for stream, f := range s.open {
		if all || now.Sub(f.opened) >= s.cfg.PublishInterval {
			files = append(files, f)
			delete(s.open, stream)
		}
	}
	s.mu.Unlock()
	var errs []error
	for i, f := range files {
		if err := s.publish(ctx, f, now); err != nil {
			errs = append(errs, fmt.Errorf("firewall %s, %s log: %w", f.fw.Name, f.logType, err))
			s.mu.Lock()
			s.ready = append(s.ready, files[i])
			s.mu.Unlock()
			continue
		}
		s.mu.Lock()
		s.buffered -= int64(f.body.Len())
		s.mu.Unlock()
	}
	if s.cfg.Safe != nil {
		s.cfg.Safe(ctx, s.safeBefore(now))
	}
	return errors.Join(errs...)
}

// safeBefore returns the time before which every observed line is held: the opening of the oldest file not
// yet held, or just after now when there is none.
func (s *Service) safeBefore(now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	safe := now.Add(time.Nanosecond)
	for _, f := range s.open {
		if f.opened.Before(safe) {
			safe = f.opened
		}
	}
	for _, f := range s.ready {
		if f.opened.Before(safe) {
			safe = f.opened
		}
	}
	return safe
}

// publish completes one log file and holds it for delivery to each S3 destination of its log type.
func (s *Service) publish(ctx context.Context, f *logFile, now time.Time) error {
	if grew := f.finish(); grew > 0 {
		s.mu.Lock()
		s.buffered += grew
		s.mu.Unlock()
	}
	for _, d := range f.fw.Logging {
		if d.LogType != f.logType || d.DestinationType != "S3" {
			continue
		}
		key, err := fileKey(f.fw, d.Destination["prefix"], f.logType, now, s.cfg.Rand)
		if err != nil {
			return err
		}
		err = s.cfg.Delivery.Enqueue(ctx, logdelivery.File{Stream: f.fw.stream(f.logType), Account: f.fw.Account, Region: f.fw.Region,
			SourceARN: f.fw.sourceARN(), Bucket: d.Destination["bucketName"], Key: key, Body: f.body.Bytes(),
			ContentType: "application/octet-stream"})
		if err != nil {
			return err
		}
	}
	return nil
}

// folder is the key prefix of a firewall's files under a destination's prefix.
func folder(account, prefix string) string {
	p := "AWSLogs/" + account + "/"
	if prefix != "" {
		p = prefix + "/" + p
	}
	return p
}

// fileKey is the key of a log file written at t, in Network Firewall's layout.
func fileKey(fw *Firewall, prefix, logType string, t time.Time, rnd io.Reader) (string, error) {
	var h [4]byte
	if _, err := io.ReadFull(rnd, h[:]); err != nil {
		return "", err
	}
	t = t.UTC()
	typ := map[string]string{LogAlert: "alert", LogFlow: "flow", LogTLS: "tls"}[logType]
	return folder(fw.Account, prefix) + "network-firewall/" + typ + "/" + fw.Region + "/" + fw.Name + "/" + t.Format("2006/01/02/15") + "/" +
		fw.Account + "_network-firewall_" + typ + "_" + fw.Region + "_" + fw.Name + "_" + t.Format("20060102T1504Z") + "_" +
		hex.EncodeToString(h[:]) + ".log.gz", nil
}
