package table

// SetBeforeCompactCommit makes Compact call f between writing its files and committing them, until the test
// ends (restore is called by the test's cleanup).
func SetBeforeCompactCommit(f func()) (restore func()) {
	beforeCompactCommit = f
	return func() { beforeCompactCommit = nil }
}

// WriteMillis makes the tables opened until restore is called write their timestamps in milliseconds, as the
// lake's writer did before it wrote microseconds.
func WriteMillis() (restore func()) {
	millisFiles = true
	return func() { millisFiles = false }
}
