package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/source/catalog"
	"github.com/seclake/seclake/internal/stack"
)

// The kill test's child process: SECLAKE_INGEST_CHILD=<mode>:<dir> runs the stack and ingestion on the SQLite
// store and blob directory in dir, then exits (see TestMain).
const childEnv = "SECLAKE_INGEST_CHILD"

// Sizes of the kill test's input: objects of records each.
const killObjects, killRecords = 4, 1500

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		mode, dir, _ := strings.Cut(v, ":")
		if err := child(mode, dir); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// openStack starts the stack on dir's stores with the system clock.
func openStack(ctx context.Context, dir string) (*stack.Stack, error) {
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	if err != nil {
		return nil, err
	}
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	keyFile := filepath.Join(dir, "root.key")
	key, err := seal.Load(keyFile, rand.Reader)
	if errors.Is(err, seal.ErrNoKey) {
		if key, err = seal.Generate(rand.Reader); err == nil {
			err = key.Save(keyFile)
		}
	}
	if err != nil {
		return nil, err
	}
	return stack.Start(ctx, stack.Config{Stores: stack.Stores{Meta: store, Blobs: blobs, Seal: key},
		Clock: clock.System})
}

// child is the child process: "setup" creates the lake, the raw bucket and the objects and enqueues them;
// "ingest" ingests until every object is done; "memput" and "memory" are the memory test's (memory_test.go).
func child(mode, dir string) error {
	ctx := context.Background()
	st, err := openStack(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Stop(ctx)
	s, err := ingest.New(ingest.Config{Meta: st.Meta, Lakes: st.Lakes, Objects: st.Objects, Seal: st.Seal,
		Sources: catalog.Registry(), Node: "child", Lease: 2 * time.Second, Margin: 500 * time.Millisecond,
		Flush: ingest.FlushPolicy{MaxBufferBytes: 64 << 10, MaxAge: 200 * time.Millisecond}})
	if err != nil {
		return err
	}
	switch mode {
	case "setup":
		return setup(ctx, st, s)
	case "memput", "memory":
		return memoryChild(ctx, st, mode)
	}
	for {
		if err := s.Run(ctx); err != nil {
			return err
		}
		status, err := s.Status(ctx)
		if err != nil {
			return err
		}
		if status.Done == killObjects {
			fmt.Println("DONE")
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func setup(ctx context.Context, st *stack.Stack, s *ingest.Service) error {
	if _, err := st.Lakes.Create(ctx, root, region, ""); err != nil {
		return err
	}
	if _, err := st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: raw}); err != nil {
		return err
	}
	if err := st.Objects.PutBucketPolicy(ctx, root, raw, rawPolicy); err != nil {
		return err
	}
	for i := range killObjects {
		var buf bytes.Buffer
		if err := writeCloudTrail(&buf, "kill", i*killRecords, killRecords); err != nil {
			return err
		}
		obj, err := st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: raw, Key: ctKey(fmt.Sprint("kill", i)),
			Body: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())})
		if err != nil {
			return err
		}
		if _, err := s.Enqueue(ctx, ingest.ObjectRef{Bucket: raw, Key: obj.Key, ETag: obj.ETag, Account: acct,
			Region: region}); err != nil {
			return err
		}
	}
	return nil
}

// runChild runs the test binary as a child in mode on dir; kill, when positive, sends it SIGKILL after that long.
// It reports whether the child finished by itself.
func runChild(t *testing.T, mode, dir string, kill time.Duration) (finished bool, out string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode+":"+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if kill > 0 {
		select {
		case err := <-done:
			require.NoError(t, err, "%.2000s", stderr.String())
			return true, stdout.String()
		case <-time.After(kill):
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			<-done
			return false, stdout.String()
		}
	}
	err := <-done
	require.NoError(t, err, "%.2000s", stderr.String())
	return true, stdout.String()
}

// TestKillNine: a process ingesting a few thousand records over many commits is killed with SIGKILL at random
// points and restarted, again and again; in the end each record is a row exactly once.
func TestKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	// The kills come at random times; a child that finished before the first of them (a fast machine) is set
	// up again and killed sooner, so that the test always kills whatever the machine's speed.
	var dir string
	kills := 0
	for longest := 1800; kills == 0 && longest >= 25; longest /= 2 {
		dir = t.TempDir()
		runChild(t, "setup", dir, 0)
		for i := 0; i < 6; i++ {
			finished, _ := runChild(t, "ingest", dir, time.Duration(longest/6+mrand.IntN(longest))*time.Millisecond)
			if finished {
				break
			}
			kills++
		}
	}
	_, out := runChild(t, "ingest", dir, 0)
	require.Contains(t, out, "DONE")
	t.Logf("killed %d times", kills)
	require.Positive(t, kills, "the child was killed at least once")

	st, err := openStack(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Stop(ctx) })
	e := &env{t: t, st: st}
	dataEvents := 0
	for i := range killObjects * killRecords {
		if i%10 == 9 {
			dataEvents++
		}
	}
	m, d := e.uids("cloud_trail_mgmt"), e.uids("s3_data")
	require.Equal(t, killObjects*killRecords-dataEvents, len(m), "rows of cloud_trail_mgmt")
	require.Equal(t, len(m), distinct(m), "no duplicates")
	require.Equal(t, dataEvents, len(d), "rows of s3_data")
	require.Equal(t, len(d), distinct(d), "no duplicates")
}
