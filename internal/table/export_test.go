package table

// SetBeforeCompactCommit makes Compact call f between writing its files and committing them, until the test
// ends (restore is called by the test's cleanup).
func SetBeforeCompactCommit(f func()) (restore func()) {
	beforeCompactCommit = f
	return func() { beforeCompactCommit = nil }
}
