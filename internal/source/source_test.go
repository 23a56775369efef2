package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
)

func lines(t *testing.T, input string) ([]string, []bool, *Lines) {
	l := NewLines(strings.NewReader(input))
	var out []string
	var cut []bool
	for l.Next() {
		out = append(out, string(l.Line()))
		cut = append(cut, l.Truncated())
		require.EqualValues(t, len(out), l.Number())
	}
	require.NoError(t, l.Err())
	return out, cut, l
}

func TestLines(t *testing.T) {
	got, _, l := lines(t, "a\r\nb\n\nc")
	require.Equal(t, []string{"a", "b", "", "c"}, got)
	require.EqualValues(t, 7, l.Bytes())
	got, _, _ = lines(t, "")
	require.Empty(t, got)
	got, _, _ = lines(t, "only\n")
	require.Equal(t, []string{"only"}, got)

	long := strings.Repeat("y", 200<<10)
	got, cut, _ := lines(t, "x\n"+long+"\nz")
	require.Equal(t, []string{"x", long, "z"}, got, "lines longer than the buffer and shorter than MaxRecord are whole")
	require.Equal(t, []bool{false, false, false}, cut)

	huge := strings.Repeat("h", MaxRecord+100)
	got, cut, _ = lines(t, huge+"\nz\n"+huge)
	require.Len(t, got, 3)
	require.Equal(t, huge[:MaxRecord], got[0])
	require.Equal(t, []bool{true, false, true}, cut)
	require.Equal(t, "z", got[1])
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLinesReportReadErrors(t *testing.T) {
	l := NewLines(io.MultiReader(strings.NewReader("a\n"), failing{}))
	require.True(t, l.Next())
	require.False(t, l.Next())
	require.ErrorContains(t, l.Err(), "disk on fire")
}

func TestOpen(t *testing.T) {
	var gz bytes.Buffer
	for _, part := range []string{"one\n", "two\n"} {
		w := gzip.NewWriter(&gz)
		_, _ = w.Write([]byte(part))
		require.NoError(t, w.Close())
	}
	for in, want := range map[string]string{gz.String(): "one\ntwo\n", "plain\n": "plain\n", "": "", "\x1f": "\x1f"} {
		r, err := Open(strings.NewReader(in))
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		require.Equal(t, want, string(b))
	}
	r, err := Open(bytes.NewReader(gz.Bytes()[:gz.Len()-4]))
	require.NoError(t, err)
	_, err = io.ReadAll(r)
	require.Error(t, err)
	_, err = Open(strings.NewReader("\x1f\x8bnot gzip at all"))
	require.ErrorContains(t, err, "gzip")
}

type sink struct {
	batches []Batch
	aside   []SetAside
	err     error
}

func (s *sink) Events(b Batch) error      { s.batches = append(s.batches, b); return s.err }
func (s *sink) SetAside(r SetAside) error { s.aside = append(s.aside, r); return s.err }

func TestCollectorBatchesPerTableAndCounts(t *testing.T) {
	s := &sink{}
	c := NewCollector(context.Background(), s, "obj")
	for i := range BatchSize + 3 {
		require.NoError(t, c.Event("a", &ocsf.NetworkActivity{}))
		if i%2 == 0 {
			require.NoError(t, c.More("b", &ocsf.DNSActivity{}))
		}
	}
	raw := []byte("bad record")
	require.NoError(t, c.SetAside(7, "because", raw, false))
	raw[0] = 'X'
	c.Skip()
	c.AddBytes(100)
	counts, err := c.Close()
	require.NoError(t, err)
	require.Equal(t, Counts{Read: BatchSize + 5, Normalized: BatchSize + 3, SetAside: 1, Skipped: 1,
		Events: BatchSize + 3 + (BatchSize+4)/2, Bytes: 100}, counts)
	require.Len(t, s.batches, 3)
	require.Equal(t, "a", s.batches[0].Table)
	require.Len(t, s.batches[0].Events, BatchSize)
	require.Equal(t, "a", s.batches[1].Table)
	require.Equal(t, "b", s.batches[2].Table)
	require.Equal(t, SetAside{Object: "obj", Record: 7, Reason: "because", Raw: []byte("bad record")}, s.aside[0])
	require.Contains(t, counts.String(), "517 records read")
}

func TestCollectorStopsOnSinkErrorAndContext(t *testing.T) {
	s := &sink{err: errors.New("full")}
	c := NewCollector(context.Background(), s, "obj")
	require.NoError(t, c.Event("a", &ocsf.NetworkActivity{}))
	_, err := c.Close()
	require.ErrorContains(t, err, "full")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c = NewCollector(ctx, &sink{}, "obj")
	require.NoError(t, c.Event("a", &ocsf.NetworkActivity{}))
	_, err = c.Close()
	require.ErrorIs(t, err, context.Canceled)
}

type fake struct{ info Info }

func (f fake) Info() Info { return f.info }
func (fake) Normalize(context.Context, Object, Sink) (Counts, error) {
	return Counts{}, nil
}

func TestRegistry(t *testing.T) {
	a := fake{Info{Name: "alpha", SecurityLake: "ALPHA"}}
	b := fake{Info{Name: "beta"}}
	r, err := NewRegistry(b, a)
	require.NoError(t, err)
	got, ok := r.Lookup("ALPHA")
	require.True(t, ok)
	require.Equal(t, "alpha", got.Info().Name)
	_, ok = r.Lookup("gamma")
	require.False(t, ok)
	require.Len(t, r.All(), 2)
	require.Equal(t, "alpha, beta", r.Names())
	_, err = NewRegistry(a, fake{Info{Name: "ALPHA"}})
	require.ErrorContains(t, err, `two sources are named "ALPHA"`)
}
