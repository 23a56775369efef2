package meta

import (
	"encoding/json"
	"fmt"
)

// ScanJSON scans a table whose values are JSON documents and returns them decoded as T, in key order. A value that
// does not decode ends the scan with an error naming the table and key.
func ScanJSON[T any](tx Tx, table string, r Range) ([]*T, error) {
	var (
		out  []*T
		derr error
	)
	err := tx.Scan(table, r, func(k string, v []byte) bool {
		x := new(T)
		if err := json.Unmarshal(v, x); err != nil {
			derr = fmt.Errorf("meta: %s %q: %w", table, k, err)
			return false
		}
		out = append(out, x)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, derr
}
