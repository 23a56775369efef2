package shape

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
)

// TestCachedGroupsWriteWhatParquetGoWrites deconstructs every event of the sources' golden files against every
// table's schema twice, with the cached group fields and with parquet-go's own groups: the rows are the same.
func TestCachedGroupsWriteWhatParquetGoWrites(t *testing.T) {
	files, err := filepath.Glob("../../source/*/testdata/*.ocsf.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var (
		events []ocsf.Event
		raw    [][]byte
	)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var head struct {
				ClassUID int32 `json:"class_uid"`
			}
			require.NoError(t, json.Unmarshal(sc.Bytes(), &head))
			ev := ocsf.NewEvent(head.ClassUID)
			require.NotNil(t, ev, f)
			require.NoError(t, json.Unmarshal(sc.Bytes(), ev), f)
			events = append(events, ev)
			raw = append(raw, bytes.Clone(sc.Bytes()))
		}
	}
	require.Greater(t, len(events), 20)
	for _, name := range Names() {
		tb, _ := Lookup(name)
		cached := tb.ParquetSchema()
		cachedFields = false
		plain := tb.ParquetSchema()
		cachedFields = true
		for i, ev := range events {
			if len(tb.FitJSON(raw[i])) > 0 {
				continue // an event of another table: parquet-go cannot write it into this one either
			}
			ra, pa := deconstruct(cached, ev)
			rb, pb := deconstruct(plain, ev)
			require.Equal(t, pb, pa, "table %s, event %d: parquet-go's groups and the cached ones disagree on whether it can be written", name, i)
			if pa {
				continue // neither writes it by Deconstruct (decimal columns take floats only through a writer)
			}
			a, b := canonical(cached, ra), canonical(plain, rb)
			if !slices.Equal(a, b) {
				t.Fatalf("table %s, event %d: the rows differ (%d and %d values)", name, i, len(a), len(b))
			}
		}
	}
}

// canonical describes a row's values, those of maps (unmapped) sorted: Go ranges over a map in random order.
func canonical(sc *parquet.Schema, row parquet.Row) []string {
	var out, maps []string
	for _, v := range row {
		path := sc.Columns()[v.Column()]
		s := fmt.Sprintf("%v d%d %v", path, v.DefinitionLevel(), v)
		if slices.Contains(path, "key_value") {
			maps = append(maps, s)
			continue
		}
		out = append(out, fmt.Sprintf("%s r%d", s, v.RepetitionLevel()))
	}
	slices.Sort(maps)
	return append(out, maps...)
}

// deconstruct returns the row of ev, or that parquet-go panicked making it.
func deconstruct(sc *parquet.Schema, ev ocsf.Event) (row parquet.Row, panicked bool) {
	defer func() {
		if recover() != nil {
			row, panicked = nil, true
		}
	}()
	return sc.Deconstruct(nil, ev), false
}
