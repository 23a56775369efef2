package sourcetest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
)

var update = flag.Bool("update", false, "rewrite the golden files of the sources' tests (review the diff!)")

// Golden files, for a case named <case> in a source's testdata directory:
//
//	<case>.<ext>            the input, as the vendor writes it (any extension; gzip works too)
//	<case>.object.json      optional: the source.Object fields beside the body ({"Format": …, "Region": …})
//	<case>.ocsf.jsonl       the events, one JSON line each
//	<case>.setaside.txt     the records set aside, "record N: reason" per line (absent when there are none)
const (
	eventsSuffix   = ".ocsf.jsonl"
	setAsideSuffix = ".setaside.txt"
	objectSuffix   = ".object.json"
)

// Golden normalizes every input file in dir with src, checks what comes out (Check: valid OCSF, fits the
// table, counts add up) and compares the events and set-aside records with the golden files. Run the test
// with -update to rewrite the golden files after reviewing a change.
func Golden(t *testing.T, src source.Source, dir string) {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	cases := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasSuffix(name, eventsSuffix) || strings.HasSuffix(name, setAsideSuffix) ||
			strings.HasSuffix(name, objectSuffix) || strings.HasPrefix(name, ".") || name == "README.md" {
			continue
		}
		cases++
		base := strings.TrimSuffix(name, filepath.Ext(name))
		t.Run(base, func(t *testing.T) { golden(t, src, dir, name, base) })
	}
	require.NotZero(t, cases, "no golden cases in %s", dir)
}

func golden(t *testing.T, src source.Source, dir, name, base string) {
	input, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	obj := source.Object{}
	if b, err := os.ReadFile(filepath.Join(dir, base+objectSuffix)); err == nil {
		require.NoError(t, json.Unmarshal(b, &obj), base+objectSuffix)
	}
	obj.Name, obj.Body = name, bytes.NewReader(input)
	m, counts := Run(t, src, obj)
	Check(t, src, m, counts)

	events := JSONLines(t, m.Received)
	var setAside bytes.Buffer
	for _, r := range m.SetAsides {
		fmt.Fprintf(&setAside, "record %d: %s\n", r.Record, r.Reason)
	}
	compare(t, filepath.Join(dir, base+eventsSuffix), events, true)
	compare(t, filepath.Join(dir, base+setAsideSuffix), setAside.Bytes(), false)
}

// compare compares got with a golden file, or rewrites the file with -update. A file that may be absent is
// absent when got is empty.
func compare(t *testing.T, path string, got []byte, always bool) {
	t.Helper()
	if *update {
		if len(got) == 0 && !always {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return
		}
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) && !always {
		want, err = nil, nil
	}
	require.NoError(t, err, "run the test with -update to write %s", path)
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run with -update to rewrite it after review):\n%s", path, lineDiff(want, got))
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 5; i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, a, c)
			shown++
		}
	}
	return b.String()
}

// CorpusFile is a file of the shared corpus to normalize.
type CorpusFile struct {
	// Path is the file's path.
	Path string
	// Object gives the Object fields beside the body (Format, Region, Account).
	Object source.Object
	// SetAside is the number of records the file is expected to set aside: 0 for well-formed input.
	SetAside int
}

// Corpus normalizes files of the shared corpus (../shared/corpus, when present: the test is skipped when the
// first file is missing) and requires valid events that fit their tables and the expected number of records
// set aside. It returns the total counts.
func Corpus(t *testing.T, src source.Source, files []CorpusFile) source.Counts {
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	if _, err := os.Stat(files[0].Path); err != nil {
		t.Skipf("corpus not present: %v", err)
	}
	var total source.Counts
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		require.NoError(t, err)
		obj := f.Object
		obj.Name, obj.Body = filepath.Base(f.Path), bytes.NewReader(data)
		m, counts := Run(t, src, obj)
		Check(t, src, m, counts)
		if len(m.SetAsides) != f.SetAside {
			for _, r := range m.SetAsides {
				t.Logf("%s record %d set aside: %s", f.Path, r.Record, r.Reason)
			}
			t.Errorf("%s: %d records set aside, want %d", f.Path, len(m.SetAsides), f.SetAside)
		}
		total.Add(counts)
	}
	t.Logf("corpus: %d files: %s", len(files), total)
	return total
}

// CorpusDir returns the shared corpus directory: $SECLAKE_CORPUS, else ../shared/corpus beside the module's
// root (the layout of the project's machines). Tests that read it skip when it is absent.
func CorpusDir() string {
	if d := os.Getenv("SECLAKE_CORPUS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "corpus")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
