package ingest_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source/catalog"
	"github.com/seclake/seclake/internal/stack"
)

// memoryRecords is how many records the memory test's object holds: about 550 bytes each before compression;
// SECLAKE_TEST_BIG=1 makes it 5 GB.
func memoryRecords() int {
	if os.Getenv("SECLAKE_TEST_BIG") == "1" {
		return 9_500_000
	}
	return 300_000
}

// memoryChild is the memory test's child: "memput" writes the big gzip object (streamed, never whole in memory);
// "memory" ingests it with the default flush policy and prints the peak resident set (VmHWM, kB).
func memoryChild(ctx context.Context, st *stack.Stack, mode string) error {
	if mode == "memput" {
		if _, err := st.Lakes.Create(ctx, root, region, ""); err != nil {
			return err
		}
		if _, err := st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: raw}); err != nil {
			return err
		}
		if err := st.Objects.PutBucketPolicy(ctx, root, raw, rawPolicy); err != nil {
			return err
		}
		pr, pw := io.Pipe()
		go func() {
			zw := gzip.NewWriter(pw)
			bw := bufio.NewWriterSize(zw, 1<<20)
			err := writeCloudTrail(bw, "mem", 0, memoryRecords())
			if err == nil {
				err = bw.Flush()
			}
			if err == nil {
				err = zw.Close()
			}
			pw.CloseWithError(err)
		}()
		obj, err := st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: raw, Key: ctKey("mem"), Body: pr, Size: -1})
		if err != nil {
			return err
		}
		fmt.Println("ETAG", obj.ETag, obj.Size)
		return nil
	}
	s, err := ingest.New(ingest.Config{Meta: st.Meta, Lakes: st.Lakes, Objects: st.Objects, Seal: st.Seal,
		Sources: catalog.Registry(), Node: "memory", Flush: ingest.FlushPolicy{MaxBufferBytes: envInt("SECLAKE_INGEST_BUF")}})
	if err != nil {
		return err
	}
	if _, err := s.Enqueue(ctx, ingest.ObjectRef{Bucket: raw, Key: ctKey("mem"), Account: acct, Region: region,
		ETag: os.Getenv("SECLAKE_INGEST_ETAG")}); err != nil {
		return err
	}
	base := rss("VmRSS:")
	start := time.Now()
	if err := s.Run(ctx); err != nil {
		return err
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	took := time.Since(start)
	if path := os.Getenv("SECLAKE_INGEST_PPROF"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	status, err := s.Status(ctx)
	if err != nil {
		return err
	}
	if status.Done != 1 {
		return fmt.Errorf("not done: %+v", status)
	}
	fmt.Printf("EVENTS %d BYTES %d SECONDS %.1f VMHWM %d BASE %d\n", status.Sources[0].Events, status.Sources[0].Bytes,
		took.Seconds(), rss("VmHWM:"), base)
	return nil
}

// rss is a resident set size of the process from /proc/self/status in kB (field "VmHWM:", the peak, or "VmRSS:",
// the current), 0 when unknown.
func rss(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// TestMemoryBounded ingests a big generated gzip CloudTrail object in a child process with the default flush
// policy and checks its peak resident set: bounded whatever the input (SECLAKE_TEST_BIG=1: 5 GB).
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests hundreds of MB")
	}
	dir := t.TempDir()
	_, out := runChild(t, "memput", dir, 0)
	var etag string
	var size int64
	_, err := fmt.Sscanf(strings.TrimSpace(out[strings.Index(out, "ETAG"):]), "ETAG %s %d", &etag, &size)
	require.NoError(t, err, out)
	t.Setenv("SECLAKE_INGEST_ETAG", etag)
	_, out = runChild(t, "memory", dir, 0)
	var events, bytes, vmhwm, base int64
	var secs float64
	_, err = fmt.Sscanf(strings.TrimSpace(out[strings.Index(out, "EVENTS"):]), "EVENTS %d BYTES %d SECONDS %f VMHWM %d BASE %d",
		&events, &bytes, &secs, &vmhwm, &base)
	require.NoError(t, err, out)
	t.Logf("%d events, %d MB raw (%d MB gzip): peak RSS %d MB, %d MB before ingesting (the started stack, DuckDB's "+
		"sessions included), %.1f s", events, bytes>>20, size>>20, vmhwm>>10, base>>10, secs)
	require.EqualValues(t, memoryRecords(), events)
	require.Positive(t, vmhwm)
	require.Positive(t, base)
	// What ingestion adds to the started process is what must stay bounded whatever the input.
	require.Less(t, vmhwm-base, int64(192<<10), "ingestion adds under 192 MB to the resident set")
}

func envInt(name string) int64 {
	n, _ := strconv.ParseInt(os.Getenv(name), 10, 64)
	return n
}
