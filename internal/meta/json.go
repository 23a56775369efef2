package meta

import (
	"encoding/json"
	"errors"
	"fmt"
)

// GetJSON decodes the JSON value of key into v, reporting whether the key exists.
func GetJSON(tx Tx, table, key string, v any) (bool, error) {
	b, err := tx.Get(table, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

// PutJSON stores v as the JSON value of key.
func PutJSON(tx Tx, table, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, key, b)
}

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
