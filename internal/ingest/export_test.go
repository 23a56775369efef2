package ingest

// SetAfterAppend sets the hook that runs after each append and before its ledger transaction (tests).
func SetAfterAppend(s *Service, f func() error) { s.hooks.afterAppend = f }

// SetBeforeAppend sets the hook that runs after a commit's write-ahead record and before its append (tests).
func SetBeforeAppend(s *Service, f func() error) { s.hooks.beforeAppend = f }
