package vpcflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/ocsf/shape"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// The representation of events was chosen by measuring it (docs/benchmarks.md): the generated structs of
// package ocsf against map[string]any, each built from the same flow log records, encoded as JSON, and written
// as Parquet rows of the vpc_flow table with parquet-go.

const reprLines = 20_000

// BenchmarkRepresentation measures, per representation, building the events, encoding them as JSON, and
// writing them to Parquet (zstd) with the vpc_flow table's schema.
func BenchmarkRepresentation(b *testing.B) {
	input := flowLog(reprLines, true)
	schema := mustTable(b).ParquetSchema()
	for _, r := range []struct {
		name  string
		build func(testing.TB, []byte) []any
	}{{"typed", typedEvents}, {"map", mapEvents}} {
		b.Run(r.name+"/build", func(b *testing.B) {
			measure(b, input, func() { r.build(b, input) })
		})
		b.Run(r.name+"/json", func(b *testing.B) {
			rows := r.build(b, input)
			measure(b, input, func() {
				enc := json.NewEncoder(io.Discard)
				for _, ev := range rows {
					if err := enc.Encode(ev); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run(r.name+"/parquet", func(b *testing.B) {
			rows := r.build(b, input)
			measure(b, input, func() { writeParquet(b, schema, rows) })
		})
		b.Run(r.name+"/all", func(b *testing.B) {
			measure(b, input, func() {
				rows := r.build(b, input)
				enc := json.NewEncoder(io.Discard)
				for _, ev := range rows {
					if err := enc.Encode(ev); err != nil {
						b.Fatal(err)
					}
				}
				writeParquet(b, schema, rows)
			})
		})
	}
}

func measure(b *testing.B, input []byte, f func()) {
	runtime.GC()
	b.ReportAllocs()
	cpu := sourcetest.CPUTime()
	for b.Loop() {
		f()
	}
	sourcetest.ReportRecords(b, reprLines, int64(len(input)), sourcetest.CPUTime()-cpu)
}

// TestRepresentationsAgree checks that the map representation of the benchmark holds the same event as the
// generated struct, so that the comparison is fair, and that both write the same Parquet rows.
func TestRepresentationsAgree(t *testing.T) {
	input := flowLog(200, true)
	typed, maps := typedEvents(t, input), mapEvents(t, input)
	require.Len(t, maps, len(typed))
	for i := range typed {
		a, err := json.Marshal(typed[i])
		require.NoError(t, err)
		m, err := json.Marshal(maps[i])
		require.NoError(t, err)
		require.JSONEq(t, string(a), string(m))
	}
	schema := mustTable(t).ParquetSchema()
	a, m := rows(t, writeParquet(t, schema, typed)), rows(t, writeParquet(t, schema, maps))
	require.Len(t, m, len(a))
	for i := range a {
		// Map entries (unmapped) come in Go's map order: compare the values as sets.
		require.ElementsMatch(t, values(a[i]), values(m[i]), "row %d", i)
	}
}

func values(r parquet.Row) []string {
	out := make([]string, len(r))
	for i, v := range r {
		out[i] = fmt.Sprintf("%d:%d:%s", v.Column(), v.DefinitionLevel(), v)
	}
	return out
}

func typedEvents(t testing.TB, input []byte) []any {
	m, _ := sourcetest.Run(t, New(), source.Object{Body: bytes.NewReader(input)})
	out := make([]any, len(m.Received))
	for i, ev := range m.Received {
		out[i] = ev
	}
	return out
}

func mustTable(t testing.TB) *shape.Table {
	tb, ok := shape.Lookup(Table)
	require.True(t, ok)
	return tb
}

func writeParquet(t testing.TB, schema *parquet.Schema, rows []any) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[any](&buf, schema, parquet.Compression(&parquet.Zstd))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rows(t testing.TB, file []byte) []parquet.Row {
	f, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
	require.NoError(t, err)
	out := make([]parquet.Row, f.NumRows())
	n, _ := f.RowGroups()[0].Rows().ReadRows(out)
	return out[:n]
}

// mapEvents builds the same events as map[string]any, the way a source without Go types would: one map per
// object, boxed values.
func mapEvents(t testing.TB, input []byte) []any {
	lines := source.NewLines(bytes.NewReader(input))
	var f *format
	var out []any
	var fields [][]byte
	for lines.Next() {
		fields = split(lines.Line(), fields[:0])
		if isHeader(fields) {
			var err error
			f, err = parseFormat(string(lines.Line()))
			require.NoError(t, err)
			continue
		}
		out = append(out, mapEvent(f, fields))
	}
	return out
}

func mapEvent(f *format, fields [][]byte) map[string]any {
	var v [numFields]string
	unmapped := map[string]any{}
	for i, id := range f.ids {
		if id == fOther {
			unmapped[f.unmapped[i]] = string(fields[i])
			continue
		}
		v[id] = string(fields[i])
	}
	num := func(s string) (int64, bool) { n, ok := atoi([]byte(s)); return n, ok }
	ev := map[string]any{
		"metadata": map[string]any{"product": map[string]any{"name": Product, "vendor_name": "AWS",
			"feature": map[string]any{"name": "Flowlogs"}, "version": v[fVersion]},
			"profiles": []any{"cloud", "security_control", "datetime"}, "version": ocsf.Version},
		"cloud":       map[string]any{"provider": "AWS", "account": map[string]any{"uid": v[fAccountID]}, "region": v[fRegion], "zone": v[fAZID]},
		"severity_id": int32(1), "severity": "Informational",
		"category_uid": int32(4), "category_name": "Network Activity", "class_uid": int32(4001), "class_name": "Network Activity",
		"status_code": v[fLogStatus],
		"unmapped":    unmapped,
	}
	activity, action, disposition, actionID := int32(0), "-", "-", int32(99)
	switch v[fAction] {
	case "ACCEPT":
		activity, action, disposition, actionID = 6, "Allowed", "Allowed", 1
	case "REJECT":
		activity, action, disposition, actionID = 5, "Denied", "Blocked", 2
	}
	ev["activity_id"], ev["action_id"], ev["action"], ev["disposition"] = activity, actionID, action, disposition
	ev["activity_name"], ev["type_name"] = networkActivityCaptions(activity)
	ev["type_uid"] = int64(400100 + activity)
	start, _ := num(v[fStart])
	end, _ := num(v[fEnd])
	ev["time"], ev["time_dt"], ev["start_time_dt"], ev["end_time_dt"] = start*1000, ocsf.Datetime(start*1000), ocsf.Datetime(start*1000), ocsf.Datetime(end*1000)
	src := map[string]any{"svc_name": v[fPktSrcAWSService]}
	dst := map[string]any{"svc_name": v[fPktDstAWSService]}
	for _, e := range []struct {
		m         map[string]any
		addr, pkt string
		port      string
	}{{src, v[fSrcAddr], v[fPktSrcAddr], v[fSrcPort]}, {dst, v[fDstAddr], v[fPktDstAddr], v[fDstPort]}} {
		_, errA := netip.ParseAddr(e.addr)
		_, errP := netip.ParseAddr(e.pkt)
		switch {
		case errA == nil && errP == nil && e.addr != e.pkt:
			e.m["ip"], e.m["intermediate_ips"] = e.pkt, []any{e.addr}
		case errA == nil:
			e.m["ip"] = e.addr
		case errP == nil:
			e.m["ip"] = e.pkt
		}
		if n, ok := num(e.port); ok {
			e.m["port"] = int32(n)
		}
	}
	local := src
	if v[fFlowDirection] == "ingress" {
		local = dst
	}
	local["interface_uid"], local["vpc_uid"], local["subnet_uid"], local["instance_uid"] = v[fInterfaceID], v[fVPCID], v[fSubnetID], v[fInstanceID]
	ev["src_endpoint"], ev["dst_endpoint"] = src, dst
	conn := map[string]any{"protocol_ver": v[fType]}
	if n, ok := num(v[fProtocol]); ok {
		conn["protocol_num"] = int32(n)
	}
	if n, ok := num(v[fTCPFlags]); ok {
		conn["tcp_flags"] = int32(n)
	}
	conn["direction_id"], conn["direction"] = map[string]int32{"ingress": 1, "egress": 2}[v[fFlowDirection]], map[string]string{"ingress": "Inbound", "egress": "Outbound"}[v[fFlowDirection]]
	if n, ok := num(v[fTrafficPath]); ok {
		conn["boundary_id"], conn["boundary"] = int32(n+3), boundaries[n+3]
	}
	ev["connection_info"] = conn
	if n, ok := num(v[fPackets]); ok {
		bytes, _ := num(v[fBytes])
		ev["traffic"] = map[string]any{"packets": n, "bytes": bytes}
	}
	var obs []any
	for _, o := range []struct{ name, typ, value string }{
		{"dst_endpoint.ip", ipAddress, str(dst["ip"])}, {"dst_endpoint.instance_uid", resourceUID, str(dst["instance_uid"])},
		{"src_endpoint.ip", ipAddress, str(src["ip"])}, {"src_endpoint.instance_uid", resourceUID, str(src["instance_uid"])},
	} {
		if o.value != "" && o.value != "-" {
			obs = append(obs, map[string]any{"name": o.name, "type": o.typ, "type_id": map[string]int32{ipAddress: 2, resourceUID: 10}[o.typ], "value": o.value})
		}
	}
	if obs != nil {
		ev["observables"] = obs
	}
	return ev
}

func networkActivityCaptions(id int32) (string, string) {
	e := &ocsf.NetworkActivity{}
	e.SetActivity(id)
	return e.ActivityName, e.TypeName
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
