package shape

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
)

func TestTables(t *testing.T) {
	require.Len(t, Tables(), 8)
	require.Equal(t, []string{"cloud_trail_mgmt", "eks_audit", "lambda_execution", "route53", "s3_data", "sh_findings", "vpc_flow", "waf"}, Names())
	vpc, ok := Lookup("VPC_FLOW")
	require.True(t, ok)
	require.Equal(t, "vpc_flow", vpc.Name)
	require.Equal(t, "amazon_security_lake_table_eu_west_1_vpc_flow_2_0", vpc.GlueName("eu-west-1"))
	require.Equal(t, Int, vpc.Column("src_endpoint").Field("port").Kind)
	require.Equal(t, Bigint, vpc.Column("type_uid").Kind)
	require.False(t, vpc.Column("time").Optional)
	require.Equal(t, Timestamp, vpc.Column("time_dt").Kind)
	require.Equal(t, Map, vpc.Column("unmapped").Kind)
	require.Equal(t, String, vpc.Column("observables").Field("value").Kind)
	for _, t2 := range Tables() {
		for _, lc := range []string{"region", "accountid", "eventday", "asl_version"} {
			require.True(t, t2.Column(lc).Lake, "%s.%s", t2.Name, lc)
		}
	}
	sh, _ := Lookup("sh_findings")
	coords := sh.Column("evidences").Field("src_endpoint").Field("location").Field("coordinates")
	require.Equal(t, Decimal, coords.Elem.Kind)
	require.Equal(t, 9, coords.Elem.Precision)
	require.NotEmpty(t, coords.Added)
}

// TestAmazonSamplesFit checks the Security Lake team's OCSF 1.1.0 samples (ocsf/examples, in the corpus when
// present) against the tables: each fits its table, with the additions.
func TestAmazonSamplesFit(t *testing.T) {
	dir := "/work/shared/corpus/ocsf-output-examples/ocsf-examples-security-lake/mappings/markdown/AWS/v1.1.0"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present")
	}
	for sample, table := range map[string]string{
		"VPC Flowlogs/samples/vpcflowlog.ocsf":                         "vpc_flow",
		"Route53/samples/route53.ocsf":                                 "route53",
		"WAF/Samples/waf.ocsf":                                         "waf",
		"CloudTrail/API Activity/samples/generic_api_activity.ocsf":    "cloud_trail_mgmt",
		"CloudTrail/Account Change/samples/account_change.ocsf":        "cloud_trail_mgmt",
		"CloudTrail/Authentication/samples/authentication.ocsf":        "cloud_trail_mgmt",
		"EKS Audit Logs/samples/eks.ocsf":                              "eks_audit",
		"Security Hub/Compliance Finding/samples/sechub-pci.ocsf":      "sh_findings",
		"Security Hub/Detection Finding/samples/sechub-guardduty.ocsf": "sh_findings",
		"Security Hub/Vulnerability Finding/samples/inspector.ocsf":    "sh_findings",
	} {
		b, err := os.ReadFile(filepath.Join(dir, sample))
		require.NoError(t, err)
		// The markdown samples write datetimes as "2021-09-07 20:37:30.642000"; the tables hold timestamps.
		b = []byte(strings.NewReplacer(`.000-04:00"`, `.000Z"`).Replace(string(b)))
		tb, _ := Lookup(table)
		for _, p := range tb.FitJSON(b) {
			if !strings.Contains(p.Message, "timestamp") {
				t.Errorf("%s: %s", sample, p)
			}
		}
	}
}

func TestFitReportsWhatTheTableCannotHold(t *testing.T) {
	vpc, _ := Lookup("vpc_flow")
	problems := vpc.FitJSON([]byte(`{
		"src_endpoint": {"port": 80, "mac": "00:11:22:33:44:55"},
		"connection_info": {"protocol_num": 4294967296},
		"time": 1, "time_dt": "yesterday", "region": "us-east-1",
		"unmapped": {"a": "b", "c": {"d": 1}},
		"observables": [{"name": "x", "value": 3}],
		"traffic": "lots", "severity_id": null
	}`))
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	require.Equal(t, []string{
		"connection_info.protocol_num: column is an int; 4294967296 does not fit 32 bits",
		"observables[0].value: column is a string; got the number 3",
		"region: the lake fills column region; an event does not carry it",
		"src_endpoint.mac: table vpc_flow has no such column; put vendor fields under unmapped",
		"time_dt: column is a timestamp (RFC 3339 text in JSON); got \"yesterday\"",
		"traffic: column is a struct; got \"lots\"",
		"unmapped.c: column is a map<string,string>: values are strings; got an object",
	}, got)
}

// TestParquetSchemaWritesEvents writes a generated event against the table's Parquet schema and reads the row
// back: optional zeros stay zeros, datetimes are millisecond timestamps, unmapped is a map.
func TestParquetSchemaWritesEvents(t *testing.T) {
	vpc, _ := Lookup("vpc_flow")
	ev := &ocsf.NetworkActivity{
		Metadata:    &ocsf.Metadata{Version: "1.1.0", Product: &ocsf.Product{Name: "Amazon VPC"}},
		SrcEndpoint: &ocsf.NetworkEndpoint{IP: "10.0.0.1", Port: ocsf.Int32(0)},
		Time:        1649721732000, TimeDT: 1649721732000,
		Unmapped: map[string]string{"sublocation_id": "-"},
	}
	ev.SetActivity(6)
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[any](&buf, vpc.ParquetSchema())
	_, err := w.Write([]any{ev})
	require.NoError(t, err)
	require.NoError(t, w.Close())

	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	require.EqualValues(t, 1, f.NumRows())
	rows := make([]parquet.Row, 1)
	n, _ := f.RowGroups()[0].Rows().ReadRows(rows)
	require.Equal(t, 1, n)
	values := map[string]parquet.Value{}
	for _, v := range rows[0] {
		values[strings.Join(f.Schema().Columns()[v.Column()], ".")] = v
	}
	require.False(t, values["src_endpoint.port"].IsNull())
	require.EqualValues(t, 0, values["src_endpoint.port"].Int32())
	require.EqualValues(t, 1649721732000, values["time_dt"].Int64())
	require.EqualValues(t, 400106, values["type_uid"].Int64())
	require.Equal(t, "sublocation_id", values["unmapped.key_value.key"].String())
	require.True(t, values["dst_endpoint.ip"].IsNull())
}

// TestParquetDecimals writes OCSF's float coordinates into the decimal(9,6) columns of sh_findings.
func TestParquetDecimals(t *testing.T) {
	sh, _ := Lookup("sh_findings")
	ev := &ocsf.DetectionFinding{Evidences: []ocsf.Evidences{{SrcEndpoint: &ocsf.NetworkEndpoint{
		IP: "52.94.133.131", Location: &ocsf.Location{Coordinates: []float64{-100.821999, 37.751}}}}}}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[any](&buf, sh.ParquetSchema())
	_, err := w.Write([]any{ev})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	rows := make([]parquet.Row, 1)
	n, _ := f.RowGroups()[0].Rows().ReadRows(rows)
	require.Equal(t, 1, n)
	var coords []int32
	for _, v := range rows[0] {
		if strings.Join(f.Schema().Columns()[v.Column()], ".") == "evidences.list.element.src_endpoint.location.coordinates.list.element" {
			coords = append(coords, v.Int32())
		}
	}
	require.Equal(t, []int32{-100821999, 37751000}, coords)
}

// TestIcebergSchemaHasMicroseconds: IcebergSchema is ParquetSchema, column for column, but its timestamps are
// TIMESTAMP(MICROS) adjusted to UTC, as Iceberg's timestamptz.
func TestIcebergSchemaHasMicroseconds(t *testing.T) {
	for _, name := range []string{"vpc_flow", "cloud_trail_mgmt", "sh_findings"} {
		tb, ok := Lookup(name)
		require.True(t, ok)
		ps, is := tb.ParquetSchema(), tb.IcebergSchema()
		require.Equal(t, ps.Columns(), is.Columns())
		stamps := 0
		for _, path := range ps.Columns() {
			p, _ := ps.Lookup(path...)
			i, _ := is.Lookup(path...)
			require.Equal(t, p.MaxDefinitionLevel, i.MaxDefinitionLevel)
			pt, ok := timestampOf(p.Node)
			if !ok {
				require.True(t, parquet.EqualNodes(p.Node, i.Node), "%s %v", name, path)
				continue
			}
			it, ok := timestampOf(i.Node)
			require.True(t, ok)
			require.Equal(t, time.Millisecond, pt.Unit.Value.Duration())
			require.Equal(t, time.Microsecond, it.Unit.Value.Duration())
			require.True(t, it.IsAdjustedToUTC)
			stamps++
		}
		require.Positive(t, stamps, name)
	}
}

func timestampOf(n parquet.Node) (*format.TimestampType, bool) {
	lt := n.Type().LogicalType()
	if lt == nil {
		return nil, false
	}
	ts, ok := lt.Value.(*format.TimestampType)
	return ts, ok
}
