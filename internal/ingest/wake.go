package ingest

import "time"

// NextFlush is when the oldest buffered events come due to be committed by their age (zero when nothing is
// buffered): the server wakes the ingest.run job then rather than at its next slot.
func (s *Service) NextFlush() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, b := range s.state.buffers {
		if t := b.oldest.Add(s.cfg.Flush.MaxAge); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}
