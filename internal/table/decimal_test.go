package table_test

import (
	"encoding/json"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source/securityhub"
)

// TestDecimalColumns: a Security Hub vulnerability finding, whose CVSS base score is a float in the event and a
// decimal(3,1) in sh_findings, is written (it was refused: "cannot create parquet value of type INT32 from go
// value of type float64"), in a file whose column is the table's DECIMAL over INT32.
func TestDecimalColumns(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	sh := openTable(t, e, "sh_findings")
	b := normalize(t, securityhub.New(), "../source/securityhub/testdata/vulnerability.jsonl", "sh_findings")
	got, err := sh.Append(ctx, b)
	require.NoError(t, err)
	require.Equal(t, len(b.Events), got.Rows)

	f := readDataFile(t, e, got.Files[0])
	require.EqualValues(t, len(b.Events), f.NumRows())
	leaf, ok := f.Schema().Lookup("vulnerabilities", "list", "element", "cve", "cvss", "list", "element", "base_score")
	require.True(t, ok, "the base_score column")
	require.Equal(t, parquet.Int32, leaf.Node.Type().Kind())
	require.Equal(t, "DECIMAL(3,1)", leaf.Node.Type().LogicalType().String())

	// iceberg-go reads it back: 7.5 (and the values around it in the nested lists).
	it, err := sh.Load(ctx)
	require.NoError(t, err)
	tbl, err := it.Scan().ToArrowTable(ctx)
	require.NoError(t, err)
	defer tbl.Release()
	require.EqualValues(t, len(b.Events), tbl.NumRows())
	var vulns string
	for i := range int(tbl.NumCols()) {
		if tbl.Schema().Field(i).Name == "vulnerabilities" {
			js, err := json.Marshal(tbl.Column(i).Data().Chunk(0))
			require.NoError(t, err)
			vulns = string(js)
		}
	}
	require.Contains(t, vulns, `"base_score":"7.5"`)
	require.Contains(t, vulns, `"uid":"CVE-2024-0001"`)
	require.Contains(t, vulns, `"name":"examplelib"`)
}
