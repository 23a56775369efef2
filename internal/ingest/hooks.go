package ingest

// hooks are the points where tests inject failures.
type hooks struct {
	// afterAppend runs after a commit's append and before its ledger transaction; an error it returns ends the
	// flush there, as a crash would.
	afterAppend func() error
	// beforeAppend runs after a commit's write-ahead record and before its append, likewise.
	beforeAppend func() error
}
