package flowlog

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	pqgzip "github.com/parquet-go/parquet-go/compress/gzip"
)

// File formats of DestinationOptions.
const (
	FormatText    = "plain-text"
	FormatParquet = "parquet"
)

// fileKey returns the object key of a flow log's file written at t: AWS's layout, or its Hive-compatible
// variant, with an hour folder when the flow log partitions per hour (hour is the records' hour then).
func fileKey(f *FlowLog, t time.Time, hour time.Time, rnd io.Reader) (string, error) {
	var h [4]byte
	if _, err := io.ReadFull(rnd, h[:]); err != nil {
		return "", err
	}
	var b strings.Builder
	if f.Prefix != "" {
		b.WriteString(f.Prefix)
		b.WriteByte('/')
	}
	day := t.UTC()
	if f.PerHourPartition {
		day = hour.UTC()
	}
	if f.HiveCompatible {
		fmt.Fprintf(&b, "AWSLogs/aws-account-id=%s/aws-service=vpcflowlogs/aws-region=%s/year=%04d/month=%02d/day=%02d/",
			f.Account, f.Region, day.Year(), day.Month(), day.Day())
		if f.PerHourPartition {
			fmt.Fprintf(&b, "hour=%02d/", day.Hour())
		}
	} else {
		fmt.Fprintf(&b, "AWSLogs/%s/vpcflowlogs/%s/%04d/%02d/%02d/", f.Account, f.Region, day.Year(), day.Month(), day.Day())
		if f.PerHourPartition {
			fmt.Fprintf(&b, "%02d/", day.Hour())
		}
	}
	ext := ".log.gz"
	if f.FileFormat == FormatParquet {
		ext = ".log.parquet"
	}
	fmt.Fprintf(&b, "%s_vpcflowlogs_%s_%s_%s_%s%s", f.Account, f.Region, f.ID, t.UTC().Format("20060102T1504Z"), hex.EncodeToString(h[:]), ext)
	return b.String(), nil
}

// textFile writes records as a gzip text file: the header line, then a line per record.
func textFile(fm *format, recs []*record) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	line := make([]byte, 0, 256)
	line = append(append(line[:0], fm.header()...), '\n')
	if _, err := zw.Write(line); err != nil {
		return nil, err
	}
	for _, r := range recs {
		line = append(fm.appendLine(line[:0], r), '\n')
		if _, err := zw.Write(line); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parquetColumn is a field's Parquet column name: its name with underscores for hyphens.
func parquetColumn(name string) string { return strings.ReplaceAll(name, "-", "_") }

// parquetFile writes records as a Parquet file (gzip pages), a column per field of the format, null where a
// field is "-".
func parquetFile(fm *format, recs []*record) ([]byte, error) {
	group := parquet.Group{}
	for _, fd := range fm.fields {
		var n parquet.Node
		switch fd.kind {
		case kindInt32:
			n = parquet.Int(32)
		case kindInt64:
			n = parquet.Int(64)
		default:
			n = parquet.String()
		}
		group[parquetColumn(fd.name)] = parquet.Optional(n)
	}
	schema := parquet.NewSchema("flow_log", group)
	// The schema orders its columns by name: find each field's column.
	cols := make([]int, len(fm.fields))
	for i, fd := range fm.fields {
		leaf, ok := schema.Lookup(parquetColumn(fd.name))
		if !ok {
			return nil, fmt.Errorf("flowlog: parquet column %s missing", fd.name)
		}
		cols[i] = leaf.ColumnIndex
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema, parquet.Compression(&pqgzip.Codec{}))
	row := make(parquet.Row, len(fm.fields))
	for _, r := range recs {
		r.version = fm.version
		for i, fd := range fm.fields {
			row[cols[i]] = parquetValue(fd, fd.value(r)).Level(0, definition(fd.value(r)), cols[i])
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func definition(v string) int {
	if v == "-" {
		return 0
	}
	return 1
}

func parquetValue(fd *field, v string) parquet.Value {
	if v == "-" {
		return parquet.NullValue()
	}
	switch fd.kind {
	case kindInt32:
		n, _ := strconv.ParseInt(v, 10, 32)
		return parquet.Int32Value(int32(n))
	case kindInt64:
		n, _ := strconv.ParseInt(v, 10, 64)
		return parquet.Int64Value(n)
	}
	return parquet.ByteArrayValue([]byte(v))
}

// sortRecords orders records by start, then interface and addresses, so files are deterministic.
func sortRecords(recs []*record) {
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if a.start != b.start {
			return a.start < b.start
		}
		if a.eni != b.eni {
			return a.eni < b.eni
		}
		if c := a.src.Compare(b.src); c != 0 {
			return c < 0
		}
		if c := a.dst.Compare(b.dst); c != 0 {
			return c < 0
		}
		return a.srcPort < b.srcPort || a.srcPort == b.srcPort && a.dstPort < b.dstPort
	})
}
