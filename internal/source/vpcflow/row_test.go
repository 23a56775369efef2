package vpcflow

import (
	"bytes"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
)

// vpcRow is the vpc_flow table's row as a flat Go type whose Parquet schema parquet-go derives itself: the
// experiment of BenchmarkTableRow, which measures how much faster parquet-go writes a type that matches the
// file's schema exactly (its column-wise path) than the generated OCSF structs by name (its reflection path).
type vpcRow struct {
	Action         string            `parquet:"action,optional"`
	ActionID       int32             `parquet:"action_id,optional"`
	ActivityID     int32             `parquet:"activity_id"`
	ActivityName   string            `parquet:"activity_name"`
	CategoryName   string            `parquet:"category_name"`
	CategoryUID    int32             `parquet:"category_uid"`
	ClassName      string            `parquet:"class_name"`
	ClassUID       int32             `parquet:"class_uid"`
	Cloud          *rowCloud         `parquet:"cloud,optional"`
	ConnectionInfo *rowConn          `parquet:"connection_info,optional"`
	Disposition    string            `parquet:"disposition,optional"`
	DstEndpoint    *rowEndpoint      `parquet:"dst_endpoint,optional"`
	EndTimeDT      int64             `parquet:"end_time_dt,optional,timestamp(millisecond)"`
	Metadata       *rowMetadata      `parquet:"metadata,optional"`
	Observables    []rowObservable   `parquet:"observables,optional,list"`
	Severity       string            `parquet:"severity"`
	SeverityID     int32             `parquet:"severity_id"`
	SrcEndpoint    *rowEndpoint      `parquet:"src_endpoint,optional"`
	StartTimeDT    int64             `parquet:"start_time_dt,optional,timestamp(millisecond)"`
	StatusCode     string            `parquet:"status_code,optional"`
	Time           int64             `parquet:"time"`
	TimeDT         int64             `parquet:"time_dt,optional,timestamp(millisecond)"`
	Traffic        *rowTraffic       `parquet:"traffic,optional"`
	TypeName       string            `parquet:"type_name"`
	TypeUID        int64             `parquet:"type_uid"`
	Unmapped       map[string]string `parquet:"unmapped,optional"`
}

type rowCloud struct {
	Account *struct {
		UID string `parquet:"uid,optional"`
	} `parquet:"account,optional"`
	Provider string `parquet:"provider,optional"`
	Region   string `parquet:"region,optional"`
	Zone     string `parquet:"zone,optional"`
}

type rowConn struct {
	Boundary    string `parquet:"boundary,optional"`
	BoundaryID  *int32 `parquet:"boundary_id,optional"`
	Direction   string `parquet:"direction,optional"`
	DirectionID int32  `parquet:"direction_id,optional"`
	ProtocolNum *int32 `parquet:"protocol_num,optional"`
	ProtocolVer string `parquet:"protocol_ver,optional"`
	TCPFlags    *int32 `parquet:"tcp_flags,optional"`
}

type rowEndpoint struct {
	InstanceUID     string   `parquet:"instance_uid,optional"`
	InterfaceUID    string   `parquet:"interface_uid,optional"`
	IntermediateIPs []string `parquet:"intermediate_ips,optional,list"`
	IP              string   `parquet:"ip,optional"`
	Port            *int32   `parquet:"port,optional"`
	SubnetUID       string   `parquet:"subnet_uid,optional"`
	SvcName         string   `parquet:"svc_name,optional"`
	VPCUID          string   `parquet:"vpc_uid,optional"`
}

type rowMetadata struct {
	Product *struct {
		Feature *struct {
			Name string `parquet:"name,optional"`
		} `parquet:"feature,optional"`
		Name       string `parquet:"name,optional"`
		VendorName string `parquet:"vendor_name,optional"`
		Version    string `parquet:"version,optional"`
	} `parquet:"product,optional"`
	Profiles []string `parquet:"profiles,optional,list"`
	Version  string   `parquet:"version,optional"`
}

type rowObservable struct {
	Name   string `parquet:"name,optional"`
	Type   string `parquet:"type,optional"`
	TypeID int32  `parquet:"type_id,optional"`
	Value  string `parquet:"value,optional"`
}

type rowTraffic struct {
	Bytes   *int64 `parquet:"bytes,optional"`
	Packets *int64 `parquet:"packets,optional"`
}

func toRow(e *ocsf.NetworkActivity, r *vpcRow, s *rowStore) {
	*r = vpcRow{Action: e.Action, ActionID: *e.ActionID, ActivityID: e.ActivityID, ActivityName: e.ActivityName,
		CategoryName: e.CategoryName, CategoryUID: e.CategoryUID, ClassName: e.ClassName, ClassUID: e.ClassUID,
		Disposition: e.Disposition, EndTimeDT: int64(e.EndTimeDT), Severity: e.Severity, SeverityID: e.SeverityID,
		StartTimeDT: int64(e.StartTimeDT), StatusCode: e.StatusCode, Time: e.Time, TimeDT: int64(e.TimeDT),
		TypeName: e.TypeName, TypeUID: e.TypeUID, Unmapped: e.Unmapped}
	if c := e.Cloud; c != nil {
		r.Cloud = &s.cloud
		s.cloud = rowCloud{Provider: c.Provider, Region: c.Region, Zone: c.Zone}
		if c.Account != nil {
			s.cloud.Account = &s.account
			s.account.UID = c.Account.UID
		}
	}
	if c := e.ConnectionInfo; c != nil {
		r.ConnectionInfo = &s.conn
		s.conn = rowConn{Boundary: c.Boundary, BoundaryID: c.BoundaryID, Direction: c.Direction, DirectionID: c.DirectionID,
			ProtocolNum: c.ProtocolNum, ProtocolVer: c.ProtocolVer, TCPFlags: c.TCPFlags}
	}
	for _, ep := range []struct {
		from *ocsf.NetworkEndpoint
		to   **rowEndpoint
		buf  *rowEndpoint
	}{{e.SrcEndpoint, &r.SrcEndpoint, &s.src}, {e.DstEndpoint, &r.DstEndpoint, &s.dst}} {
		if f := ep.from; f != nil {
			*ep.buf = rowEndpoint{InstanceUID: f.InstanceUID, InterfaceUID: f.InterfaceUID, IntermediateIPs: f.IntermediateIPs,
				IP: f.IP, Port: f.Port, SubnetUID: f.SubnetUID, SvcName: f.SvcName, VPCUID: f.VPCUID}
			*ep.to = ep.buf
		}
	}
	if m := e.Metadata; m != nil {
		r.Metadata = &s.meta
		s.meta = rowMetadata{Profiles: m.Profiles, Version: m.Version}
		if p := m.Product; p != nil {
			s.meta.Product = &s.product
			s.product.Name, s.product.VendorName, s.product.Version = p.Name, p.VendorName, p.Version
			s.product.Feature = nil
			if p.Feature != nil {
				s.product.Feature = &s.feature
				s.feature.Name = p.Feature.Name
			}
		}
	}
	if t := e.Traffic; t != nil {
		r.Traffic = &s.traffic
		s.traffic = rowTraffic{Bytes: t.Bytes, Packets: t.Packets}
	}
	s.obs = s.obs[:0]
	for _, o := range e.Observables {
		s.obs = append(s.obs, rowObservable{Name: o.Name, Type: o.Type, TypeID: o.TypeID, Value: o.Value})
	}
	r.Observables = s.obs
}

// rowStore holds the nested objects of one row, reused from row to row.
type rowStore struct {
	cloud   rowCloud
	account struct {
		UID string `parquet:"uid,optional"`
	}
	conn    rowConn
	src     rowEndpoint
	dst     rowEndpoint
	meta    rowMetadata
	product struct {
		Feature *struct {
			Name string `parquet:"name,optional"`
		} `parquet:"feature,optional"`
		Name       string `parquet:"name,optional"`
		VendorName string `parquet:"vendor_name,optional"`
		Version    string `parquet:"version,optional"`
	}
	feature struct {
		Name string `parquet:"name,optional"`
	}
	traffic rowTraffic
	obs     []rowObservable
}

// writeRows converts events to vpcRow one at a time (reusing one row) and writes them with parquet-go's
// column-wise writer.
func writeRows(t testing.TB, events []any) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[vpcRow](&buf, parquet.Compression(&parquet.Zstd))
	var row [1]vpcRow
	var store rowStore
	for _, ev := range events {
		toRow(ev.(*ocsf.NetworkActivity), &row[0], &store)
		if _, err := w.Write(row[:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkTableRow writes the same events as BenchmarkRepresentation/typed/parquet through vpcRow.
func BenchmarkTableRow(b *testing.B) {
	input := flowLog(reprLines, true)
	events := typedEvents(b, input)
	measure(b, input, func() { writeRows(b, events) })
}

func TestTableRowWritesTheSameValues(t *testing.T) {
	events := typedEvents(t, flowLog(300, true))
	a := rows(t, writeParquet(t, mustTable(t).ParquetSchema(), events))
	f := writeRows(t, events)
	m := rows(t, f)
	require.Len(t, m, len(a))
	pf, err := parquet.OpenFile(bytes.NewReader(f), int64(len(f)))
	require.NoError(t, err)
	t.Log(len(pf.Schema().Columns()), "columns")
}

// BenchmarkTableRowBatch converts all events first (each row with its own nested objects) and writes them in
// one call.
func BenchmarkTableRowBatch(b *testing.B) {
	input := flowLog(reprLines, true)
	events := typedEvents(b, input)
	measure(b, input, func() {
		rows := make([]vpcRow, len(events))
		stores := make([]rowStore, len(events))
		for i, ev := range events {
			toRow(ev.(*ocsf.NetworkActivity), &rows[i], &stores[i])
		}
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[vpcRow](&buf, parquet.Compression(&parquet.Zstd))
		if _, err := w.Write(rows); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	})
}
