package networkfirewall

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

func TestGolden(t *testing.T) {
	sourcetest.Golden(t, New(), "testdata")
}

func TestInfo(t *testing.T) {
	info := New().Info()
	require.Equal(t, "networkfirewall", info.Name)
	require.Empty(t, info.SecurityLake)
	require.Equal(t, []string{"network_firewall"}, info.Tables)
	require.Equal(t, []int32{2004, 4001}, info.Classes)
}

// TestAWSMapping normalizes the netflow example of AWS's mapping document and checks each attribute of its
// table (mapping_docs/aws-network-firewall-mapping.md), except metadata.profiles' "firewall", which OCSF 1.1.0
// does not have.
func TestAWSMapping(t *testing.T) {
	data, err := os.ReadFile("testdata/logs.json")
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(data), "\n")
	m, counts := sourcetest.Run(t, New(), source.Object{Name: "aws", Body: strings.NewReader(first)})
	sourcetest.Check(t, New(), m, counts)
	require.Len(t, m.Received, 1)
	ev, err := sourcetest.Decode(sourcetest.JSONLines(t, m.Received))
	require.NoError(t, err)
	want := map[string]any{
		"app_name": "firewall", "cloud.provider": "AWS", "cloud.region": "us-east-1", "cloud.zone": "us-east-1b",
		"metadata.product.name": "AWS Network Firewall", "metadata.product.feature.name": "Firewall",
		"metadata.product.vendor_name": "AWS", "severity": "Informational", "severity_id": "1",
		"activity_id": "6", "activity_name": "Traffic", "category_uid": "4", "category_name": "Network Activity",
		"class_uid": "4001", "type_uid": "400106", "class_name": "Network Activity",
		"dst_endpoint.ip": "172.31.16.139", "dst_endpoint.port": "16463",
		"src_endpoint.ip": "45.129.33.153", "src_endpoint.port": "47047",
		"time": "1601587565007", "connection_info.uid": "1770453319291727", "connection_info.protocol_name": "TCP",
		"connection_info.tcp_flags": "2", "start_time": "1601587504070", "end_time": "1601587504070",
		"traffic.bytes": "60", "traffic.packets": "1",
	}
	for path, v := range want {
		require.Equal(t, v, text(sourcetest.Get(ev, path)), path)
	}
	unmapped := sourcetest.Get(ev, "unmapped").(map[string]any)
	for k, v := range map[string]string{"availability_zone": "us-east-1b", "event_type": "netflow",
		"netflow.age": "0", "netflow.min_ttl": "241", "netflow.max_ttl": "241", "tcp.syn": "true"} {
		require.Equal(t, v, unmapped[k], "unmapped."+k)
	}
	require.Equal(t, []any{"cloud", "datetime"}, sourcetest.Get(ev, "metadata.profiles"))
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "<absent>"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

const line = `{"firewall_name":"fw","availability_zone":"eu-west-1a","event_timestamp":"1715162401","event":{"timestamp":"2024-05-08T10:00:01.000000+0000","flow_id":1,"event_type":"netflow","src_ip":"10.0.1.15","src_port":1,"dest_ip":"198.51.100.8","dest_port":2,"proto":"TCP","netflow":{"pkts":1,"bytes":40}}}` + "\n"

// TestLongRecord sets aside a record longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) { sourcetest.LongJSONRecord(t, New(), line) }

func TestContextEndsNormalize(t *testing.T) { sourcetest.ContextEnds(t, New(), line) }

// TestMutations runs the fuzz target's check over mutated golden inputs.
func TestMutations(t *testing.T) {
	sourcetest.Mutations(t, New(), sourcetest.Seeds("testdata/*.json", "testdata/*.log"), 1000)
}

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.json", "testdata/*.log")...)
}
