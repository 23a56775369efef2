package ingest

// SetAfterAppend sets the hook that runs after each append and before its ledger transaction (tests).
func SetAfterAppend(s *Service, f func() error) { s.hooks.afterAppend = f }
