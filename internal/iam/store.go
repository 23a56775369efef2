package iam

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// getJSON loads and decodes the value under key; it reports false when the key does not exist.
func getJSON(tx meta.Tx, table, key string, v any) (bool, error) {
	b, err := tx.Get(table, key)
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %s %s: %w", table, key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode %s %s: %w", table, key, err)
	}
	return true, nil
}

// putJSON encodes v and stores it under key, replacing any previous value.
func putJSON(tx meta.Tx, table, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", table, key, err)
	}
	return tx.Put(table, key, b)
}

// insertJSON encodes v and stores it under a new key; it returns meta.ErrExists if the key is taken.
func insertJSON(tx meta.Tx, table, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", table, key, err)
	}
	return tx.Insert(table, key, b)
}

// scanKeys returns the keys under prefix, with the prefix removed, in order.
func scanKeys(tx meta.Tx, table, prefix string) ([]string, error) {
	var out []string
	err := tx.Scan(table, meta.Range{Prefix: prefix}, func(k string, _ []byte) bool {
		out = append(out, k[len(prefix):])
		return true
	})
	return out, err
}

// hasAny reports whether any key starts with prefix.
func hasAny(tx meta.Tx, table, prefix string) (bool, error) {
	found := false
	err := tx.Scan(table, meta.Range{Prefix: prefix, Limit: 1}, func(string, []byte) bool {
		found = true
		return false
	})
	return found, err
}

// scanJSON decodes every value under prefix, in key order.
func scanJSON[T any](tx meta.Tx, table, prefix string) ([]T, error) {
	var out []T
	var derr error
	err := tx.Scan(table, meta.Range{Prefix: prefix}, func(_ string, v []byte) bool {
		var item T
		if derr = json.Unmarshal(v, &item); derr != nil {
			return false
		}
		out = append(out, item)
		return true
	})
	return out, errors.Join(err, derr)
}
