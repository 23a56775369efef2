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
	var events []ocsf.Event
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
			a, b := canonical(cached, cached.Deconstruct(nil, ev)), canonical(plain, plain.Deconstruct(nil, ev))
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
