package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

// crashChildEnv names the database that TestCrashChild writes to; it is set only in the child process.
const crashChildEnv = "SECLAKE_SQLITE_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashSafety: it commits Updates from several goroutines until
// it is killed, and prints "ack KEY" for each Update that returned nil.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashChildEnv)
	if spec == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	path, round, _ := strings.Cut(spec, "|")
	s, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex // one write(2) per line keeps lines whole
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("%s/%d/%06d", round, w, i)
				err := s.Update(context.Background(), func(tx meta.Tx) error {
					if err := tx.Insert("a", key, []byte(key)); err != nil {
						return err
					}
					return tx.Insert("b", key, []byte(strings.Repeat("x", 100*(i%50))))
				})
				if err != nil {
					fmt.Println("update:", err)
					os.Exit(2)
				}
				mu.Lock()
				_, _ = os.Stdout.WriteString("ack " + key + "\n")
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashSafety kills a process that is committing Updates and checks that every Update it acknowledged
// survived, that no transaction was torn, and that the database is intact. Killing the process (not the
// machine) leaves the page cache alone, so this checks SQLite's recovery and our acknowledgements, while
// synchronous=FULL covers power loss.
func TestCrashSafety(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	acked := map[string]bool{}
	for round, kills := range []int{1, 50, 300, 1000} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|r%d", crashChildEnv, path, round))
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() }) // in case the test fails before it kills the child
		n := 0
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			key, ok := strings.CutPrefix(sc.Text(), "ack ")
			if !ok {
				t.Logf("child: %s", sc.Text())
				continue
			}
			acked[key] = true
			if n++; n == kills {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			}
		}
		err = cmd.Wait()
		require.Error(t, err, "the child only stops when killed")
		require.GreaterOrEqual(t, n, kills, "round %d: the child died before it was killed: %v", round, err)
		checkAfterCrash(t, path, acked)
	}
}

// checkAfterCrash reopens the database and checks that it holds every acknowledged key and both halves of
// every transaction.
func checkAfterCrash(t *testing.T, path string, acked map[string]bool) {
	t.Helper()
	s, err := sqlite.Open(path, sqlite.Options{})
	require.NoError(t, err)
	tables := map[string]map[string]bool{"a": {}, "b": {}}
	err = s.View(context.Background(), func(tx meta.Tx) error {
		for name, keys := range tables {
			err := tx.Scan(name, meta.Range{}, func(k string, _ []byte) bool { keys[k] = true; return true })
			if err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	for k := range acked {
		require.True(t, tables["a"][k], "acknowledged key %s lost", k)
	}
	require.Equal(t, tables["a"], tables["b"], "a transaction was torn")

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	var res string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&res))
	require.Equal(t, "ok", res)
}
