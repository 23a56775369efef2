package query

// SetSparseMin sets the smallest data file read sparsely, for tests; it returns the previous value.
func SetSparseMin(n int64) int64 {
	old := sparseMin
	sparseMin = n
	return old
}
