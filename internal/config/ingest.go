package config

import (
	"errors"
	"time"
)

// Ingest configures ingestion: when buffered events are committed to the lake's tables. Zero values take
// ingestion's defaults (a buffer's raw input reaching 128 MiB, or its oldest event 50 s; 4 MiB buffered in
// all), which live in internal/ingest.
type Ingest struct {
	// FlushBytes is the raw input size at which a table's buffer is committed.
	FlushBytes int64 `json:"flushBytes"`
	// FlushAge is how long the oldest buffered event waits at most.
	FlushAge Duration `json:"flushAge"`
	// BufferBytes bounds the raw input size buffered in all, also in the middle of an object (bounded memory).
	BufferBytes int64 `json:"bufferBytes"`
	// Remotes are other S3 endpoints whose buckets may be registered as remote ingest locations.
	Remotes []IngestRemote `json:"remotes"`
	// PollInterval is how often a remote location is listed for new objects (default 60s).
	PollInterval Duration `json:"pollInterval"`
}

// validate checks the ingestion settings.
func (i Ingest) validate() error {
	var errs []error
	if i.FlushBytes != 0 && i.FlushBytes < 64<<10 {
		errs = append(errs, errors.New("ingest.flushBytes must be at least 65536 (or 0 for the default)"))
	}
	if i.BufferBytes != 0 && i.BufferBytes < 64<<10 {
		errs = append(errs, errors.New("ingest.bufferBytes must be at least 65536 (or 0 for the default)"))
	}
	if i.FlushAge != 0 && i.FlushAge < Duration(100*time.Millisecond) {
		errs = append(errs, errors.New("ingest.flushAge must be at least 100ms (or 0 for the default)"))
	}
	if i.PollInterval != 0 && i.PollInterval < Duration(100*time.Millisecond) {
		errs = append(errs, errors.New("ingest.pollInterval must be at least 100ms (or 0 for the default)"))
	}
	errs = append(errs, validateIngestRemotes(i.Remotes)...)
	return errors.Join(errs...)
}
