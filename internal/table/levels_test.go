package table_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf/shape"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/cloudtrail"
	"github.com/seclake/seclake/internal/source/securityhub"
)

// TestRowLevels: every value that an event's row holds has its column's maximum definition level — a value
// one level short is a null to every reader, which is how the values inside lists were lost.
func TestRowLevels(t *testing.T) {
	for _, c := range []struct {
		src         source.Source
		file, table string
	}{
		{cloudtrail.New(), "../source/cloudtrail/testdata/management.json", "cloud_trail_mgmt"},
		{securityhub.New(), "../source/securityhub/testdata/vulnerability.jsonl", "sh_findings"},
		{securityhub.New(), "../source/securityhub/testdata/compliance.json", "sh_findings"},
	} {
		b := normalize(t, c.src, c.file, c.table)
		tb, ok := shape.Lookup(c.table)
		require.True(t, ok)
		sc := tb.ParquetSchema()
		cols := sc.Columns()
		values := 0
		for _, ev := range b.Events {
			for _, v := range tb.GoSchema().Deconstruct(nil, ev) {
				if v.IsNull() {
					continue
				}
				leaf, _ := sc.Lookup(cols[v.Column()]...)
				require.Equal(t, leaf.MaxDefinitionLevel, int(v.DefinitionLevel()), "%s: %v", c.file, cols[v.Column()])
				values++
			}
		}
		require.Positive(t, values)
	}
}
