package metatest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

var concurrencyTests = []test{
	{"Counter", testCounter},
	{"WriteSkew", testWriteSkew},
	{"InsertRace", testInsertRace},
	{"ConsistentReads", testConsistentReads},
}

// update runs fn through Update, starting over when the store gives up with ErrConflict (fn did not
// commit then). It counts the conflicts.
func update(s meta.Store, conflicts *int64, mu *sync.Mutex, fn func(meta.Tx) error) error {
	for {
		err := s.Update(context.Background(), fn)
		if !errors.Is(err, meta.ErrConflict) {
			return err
		}
		mu.Lock()
		*conflicts++
		mu.Unlock()
	}
}

func readInt(tx meta.Tx, table, key string) (uint64, error) {
	v, err := tx.Get(table, key)
	if errors.Is(err, meta.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%s/%s holds %d bytes, want 8", table, key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func putInt(tx meta.Tx, table, key string, n uint64) error {
	return tx.Put(table, key, binary.BigEndian.AppendUint64(nil, n))
}

// parallel runs fn(i) for i in [0,n) in goroutines and returns the first error.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// testCounter has N goroutines do M read-increment-write transactions on one counter: a lost update shows.
func testCounter(t *testing.T, h *harness) {
	const n, m = 8, 25
	s := h.open()
	var conflicts int64
	var mu sync.Mutex
	err := parallel(n, func(int) error {
		for range m {
			err := update(s, &conflicts, &mu, func(tx meta.Tx) error {
				c, err := readInt(tx, "t", "counter")
				if err != nil {
					return err
				}
				return putInt(tx, "t", "counter", c+1)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("%d updates gave up with ErrConflict and were started over", conflicts)
	err = s.View(context.Background(), func(tx meta.Tx) error {
		c, err := readInt(tx, "t", "counter")
		require.Equal(t, uint64(n*m), c)
		return err
	})
	require.NoError(t, err)
}

// testWriteSkew runs the on-call doctors anomaly: each transaction takes one doctor off call if both are on
// call. Snapshot isolation lets both succeed; serializability keeps at least one on call.
func testWriteSkew(t *testing.T, h *harness) {
	s := h.open()
	var conflicts int64
	var mu sync.Mutex
	for round := range 20 {
		put(t, s, "oncall", "alice", "1", "bob", "1")
		err := parallel(2, func(i int) error {
			me := []string{"alice", "bob"}[i]
			return update(s, &conflicts, &mu, func(tx meta.Tx) error {
				on := 0
				err := tx.Scan("oncall", meta.Range{}, func(_ string, v []byte) bool {
					if string(v) == "1" {
						on++
					}
					return true
				})
				if err != nil || on < 2 {
					return err
				}
				return tx.Put("oncall", me, []byte("0"))
			})
		})
		require.NoError(t, err)
		got := scanAll(t, s, "oncall", meta.Range{})
		require.NotEqual(t, []entry{{"alice", "0"}, {"bob", "0"}}, got, "round %d: nobody is on call: write skew", round)
	}
}

// testInsertRace has many transactions insert the same key: exactly one wins.
func testInsertRace(t *testing.T, h *harness) {
	const n = 8
	s := h.open()
	var mu sync.Mutex
	var conflicts int64
	wins, exists := 0, 0
	err := parallel(n, func(i int) error {
		err := update(s, &conflicts, &mu, func(tx meta.Tx) error {
			return tx.Insert("t", "k", []byte{byte(i)})
		})
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			wins++
		case errors.Is(err, meta.ErrExists):
			exists++
		default:
			return err
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 1, wins)
	require.Equal(t, n-1, exists)
}

// testConsistentReads moves amounts between accounts while readers add them up: every View must see the
// same total.
func testConsistentReads(t *testing.T, h *harness) {
	const accounts, writers, transfers, readers, reads = 10, 4, 40, 3, 40
	s := h.open()
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		for a := range accounts {
			if err := putInt(tx, "acct", fmt.Sprint(a), 100); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	var conflicts int64
	var mu sync.Mutex
	err = parallel(writers+readers, func(i int) error {
		if i >= writers {
			return sumLoop(s, reads, accounts*100)
		}
		for j := range transfers {
			from, to := fmt.Sprint((i+j)%accounts), fmt.Sprint((i+2*j+1)%accounts)
			err := update(s, &conflicts, &mu, func(tx meta.Tx) error {
				a, err := readInt(tx, "acct", from)
				if err != nil {
					return err
				}
				if err := putInt(tx, "acct", from, a-1); err != nil {
					return err
				}
				b, err := readInt(tx, "acct", to)
				if err != nil {
					return err
				}
				return putInt(tx, "acct", to, b+1)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, sumLoop(s, 1, accounts*100))
}

// sumLoop adds up all accounts n times, each in one View, and checks the total.
func sumLoop(s meta.Store, n int, want uint64) error {
	for range n {
		var sum uint64
		err := s.View(context.Background(), func(tx meta.Tx) error {
			sum = 0
			return tx.Scan("acct", meta.Range{}, func(_ string, v []byte) bool {
				sum += binary.BigEndian.Uint64(v)
				return true
			})
		})
		if err != nil {
			return err
		}
		if sum != want {
			return fmt.Errorf("a View saw a total of %d, want %d", sum, want)
		}
	}
	return nil
}
