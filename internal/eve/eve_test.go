package eve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

// collect is a sink that keeps copies of the lines.
type collect struct {
	mu    sync.Mutex
	lines []string
}

func (c *collect) sink(l []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, string(l))
}

func (c *collect) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

func TestLineReaderSkipsLongLinesAndKeepsAnUnfinishedOne(t *testing.T) {
	long := strings.Repeat("x", MaxLine+10)
	lr := newLineReader(strings.NewReader("a\r\n" + long + "\nb\n\nc"))
	var got []string
	var longs int
	for {
		l, err := lr.next()
		if errors.Is(err, errLong) {
			longs++
			continue
		}
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		got = append(got, string(l))
	}
	require.Len(t, got, 3, "lines: a, b and the empty one")
	require.Equal(t, []string{"a", "b", ""}, got)
	require.Equal(t, 1, longs)
	require.Equal(t, int64(3+len(long)+1+2+1), lr.completed(), "the unfinished c is not completed")
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nb\n"), uint8(3))
	f.Add([]byte("no newline"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		// Lines come out the same however the input is split into reads.
		want := wholeLines(in)
		lr := newLineReader(&chunked{b: in, n: int(chunk)%7 + 1})
		var got []string
		for {
			l, err := lr.next()
			if err != nil {
				break
			}
			got = append(got, string(l))
		}
		require.Equal(t, want, got)
	})
}

func wholeLines(in []byte) []string {
	var out []string
	for {
		i := bytes.IndexByte(in, '\n')
		if i < 0 {
			return out
		}
		out = append(out, string(bytes.TrimRight(in[:i+1], "\r\n")))
		in = in[i+1:]
	}
}

type chunked struct {
	b []byte
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[n:]
	return n, nil
}

func TestListenerOverTCPAndUnix(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "unix:" + filepath.Join(t.TempDir(), "eve.sock")} {
		var c collect
		l, err := Listen(addr, c.sink, nil)
		require.NoError(t, err)
		network := "tcp"
		if strings.HasPrefix(addr, "unix:") {
			network = "unix"
		}
		conn, err := net.Dial(network, l.Addr().String())
		require.NoError(t, err)
		_, err = conn.Write([]byte(`{"event_type":"alert"}` + "\n" + strings.Repeat("y", MaxLine+1) + "\n" + `{"event_type":"netflow"}` + "\n"))
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		require.Eventually(t, func() bool { return len(c.get()) == 2 }, 5*time.Second, 5*time.Millisecond)
		require.Equal(t, []string{`{"event_type":"alert"}`, `{"event_type":"netflow"}`}, c.get())
		lines, long, conns := l.Stats()
		require.Equal(t, [3]uint64{2, 1, 1}, [3]uint64{lines, long, conns})
		require.NoError(t, l.Close(context.Background()))
	}
}

// A tailed file is read from its end the first time, followed across truncation and rotation, and resumed
// after a restart from the last checkpoint.
func TestTailFollowsRotationAndResumesFromItsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	defer store.Close()
	path := filepath.Join(dir, "eve.json")
	appendTo := func(s string) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		require.NoError(t, err)
		_, err = f.WriteString(s)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	appendTo("old1\nold2\n")
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	var c collect
	tail, err := TailFile(path, "node", c.sink, store, clk, nil)
	require.NoError(t, err)
	appendTo("a\nb")
	require.Eventually(t, func() bool { return len(c.get()) == 1 }, 5*time.Second, 5*time.Millisecond)
	appendTo("\n")
	require.Eventually(t, func() bool { return len(c.get()) == 2 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{"a", "b"}, c.get(), "what was there before is not read the first time")

	// Rotation: the old file is renamed and gets one more line; a new file takes the path.
	require.NoError(t, os.Rename(path, path+".1"))
	f, err := os.OpenFile(path+".1", os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("c\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	appendTo("d\n")
	require.Eventually(t, func() bool { return len(c.get()) == 4 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{"a", "b", "c", "d"}, c.get())

	// Everything so far is safe; then e is read and the process stops before e is.
	clk.Advance(time.Second)
	require.NoError(t, tail.Checkpoint(context.Background(), clk.Now()))
	appendTo("e\n")
	require.Eventually(t, func() bool { return len(c.get()) == 5 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, tail.Close(context.Background()))

	var again collect
	tail, err = TailFile(path, "node", again.sink, store, clk, nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(again.get()) == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{"e"}, again.get(), "resumed after d, the last line made safe")

	// Truncation: read again from the start.
	require.NoError(t, os.Truncate(path, 0))
	time.Sleep(3 * pollInterval) // let the tail see the empty file before it grows again
	appendTo("f\n")
	require.Eventually(t, func() bool { return len(again.get()) == 2 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{"e", "f"}, again.get())
	require.NoError(t, tail.Close(context.Background()))
}
