// Package meta defines seclake's metadata store: a transactional, ordered key-value store divided into tables.
//
// Every domain package keeps its state here, in tables it owns and that nobody else reads (iam's users, kms's
// keys, audit's records, …). A table is a namespace of keys; keys sort bytewise, so a package lays out its keys
// to make the scans it needs cheap (for example "bucket\x00objectkey" for listing, or a big-endian sequence
// number for logs). Values are opaque bytes that the owning package encodes.
//
// Implementations: meta/sqlite (the embedded default) and meta/postgres (distributed mode). Both pass the
// conformance suite in meta/metatest.
package meta

import (
	"context"
	"errors"
)

// Errors returned by stores. Implementations wrap them, so test with errors.Is.
var (
	// ErrNotFound is returned by Get and Delete when the key does not exist.
	ErrNotFound = errors.New("meta: not found")
	// ErrExists is returned by Insert when the key already exists.
	ErrExists = errors.New("meta: key exists")
	// ErrReadOnly is returned by writes inside a View transaction.
	ErrReadOnly = errors.New("meta: read-only transaction")
	// ErrConflict is returned by Update when a transaction could not be committed after its retries because
	// other transactions kept changing the same keys.
	ErrConflict = errors.New("meta: transaction conflict")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("meta: store closed")
	// ErrIncompatible is returned by a store's Open when the database was written by a newer seclake (its
	// schema version is higher than this binary knows) or is not a seclake metadata database at all.
	ErrIncompatible = errors.New("meta: incompatible database")
)

// Store is a metadata store. All methods are safe for concurrent use.
type Store interface {
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it if fn returns nil; if fn returns an error
	// the transaction is rolled back and Update returns that error unchanged. Transactions are serializable.
	// Update may run fn more than once when it conflicts with a concurrent transaction, so fn must not have
	// side effects outside the transaction. A nil return means the commit is durable.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the store. It waits for running transactions to finish.
	Close() error
}

// Tx is a transaction. It is valid only inside the function it was passed to and must not be used from
// other goroutines.
type Tx interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(table, key string) ([]byte, error)
	// Put stores value under key, replacing any previous value.
	Put(table, key string, value []byte) error
	// Insert stores value under key, or returns ErrExists if the key is already present.
	Insert(table, key string, value []byte) error
	// Delete removes key, or returns ErrNotFound if it is absent.
	Delete(table, key string) error
	// Scan calls fn for each key in the range, in key order (or reverse order), until fn returns false or the
	// range is exhausted. The value passed to fn belongs to fn. Writes made by this transaction are visible
	// to its scans; fn must not write to the table being scanned.
	Scan(table string, r Range, fn func(key string, value []byte) bool) error
}

// Range selects the keys of a Scan: those that start with Prefix, are at or after Start and before End
// (each bound ignored when empty), at most Limit of them (no limit when zero).
type Range struct {
	Prefix  string
	Start   string // inclusive
	End     string // exclusive
	Reverse bool
	Limit   int
}

// PrefixEnd returns the smallest key greater than every key with the given prefix, or "" if there is none
// (the prefix is empty or all 0xff bytes).
func PrefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// Bounds returns the effective inclusive lower and exclusive upper bound of r ("" for unbounded), combining
// Prefix with Start and End. Implementations use it to build their range queries.
func (r Range) Bounds() (lo, hi string) {
	lo, hi = r.Prefix, PrefixEnd(r.Prefix)
	if r.Start > lo {
		lo = r.Start
	}
	if r.End != "" && (hi == "" || r.End < hi) {
		hi = r.End
	}
	return lo, hi
}
