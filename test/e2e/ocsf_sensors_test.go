package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// eveLog is an eve.json as Suricata writes it: an alert, a flow, a stats record (skipped), and a record that
// is not JSON.
const eveLog = `{"timestamp":"2024-05-08T10:00:01.123456+0000","flow_id":1234,"event_type":"alert","src_ip":"198.51.100.7","src_port":51234,"dest_ip":"203.0.113.10","dest_port":80,"proto":"TCP","alert":{"action":"blocked","gid":1,"signature_id":2024897,"rev":3,"signature":"ET USER_AGENTS Go HTTP Client User-Agent","category":"Potentially Bad Traffic","severity":1},"http":{"hostname":"www.example.com","url":"/"}}
{"timestamp":"2024-05-08T10:01:00.000000+0000","flow_id":1234,"event_type":"flow","src_ip":"198.51.100.7","src_port":51234,"dest_ip":"203.0.113.10","dest_port":80,"proto":"TCP","flow":{"pkts_toserver":6,"pkts_toclient":5,"bytes_toserver":620,"bytes_toclient":2100,"start":"2024-05-08T10:00:00.998877+0000","end":"2024-05-08T10:00:03.100000+0000"}}
{"timestamp":"2024-05-08T10:05:00.000000+0000","event_type":"stats","stats":{"uptime":60}}
{"timestamp":
`

// nfwLog is a Network Firewall flow log line as AWS delivers it.
const nfwLog = `{"firewall_name":"egress-fw","availability_zone":"eu-west-1a","event_timestamp":"1715162401","event":{"timestamp":"2024-05-08T10:00:01.000000+0000","flow_id":7,"event_type":"netflow","src_ip":"10.0.1.15","src_port":40000,"dest_ip":"198.51.100.8","dest_port":443,"proto":"TCP","netflow":{"pkts":3,"bytes":180,"start":"2024-05-08T09:59:01.000000+0000","end":"2024-05-08T09:59:02.000000+0000","age":1,"min_ttl":63,"max_ttl":63},"tcp":{"tcp_flags":"1b","syn":true}}}
`

// TestOCSFNormalizeSensors runs the binary on a Suricata eve.json and a Network Firewall log as a user would:
// the events come out valid, the stats record is skipped, the broken one set aside with its line.
func TestOCSFNormalizeSensors(t *testing.T) {
	dir := t.TempDir()
	eve := filepath.Join(dir, "eve.json")
	require.NoError(t, os.WriteFile(eve, []byte(eveLog), 0o644))
	out, errOut, code := runSeclakeIO(t, "", "ocsf", "normalize", "--source", "suricata", eve)
	require.Equal(t, 1, code, errOut) // a record was set aside
	require.Contains(t, errOut, "4 records read, 2 normalized into 2 events, 1 set aside, 1 skipped")
	require.Contains(t, errOut, "eve.json:4: set aside: incomplete JSON object")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var alert, flow map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &alert))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &flow))
	require.EqualValues(t, 200401, alert["type_uid"])
	require.Equal(t, "High", alert["severity"])
	require.Equal(t, "Blocked", alert["disposition"])
	require.Equal(t, "ET USER_AGENTS Go HTTP Client User-Agent", alert["finding_info"].(map[string]any)["title"])
	require.EqualValues(t, 400106, flow["type_uid"])
	require.EqualValues(t, 2720, flow["traffic"].(map[string]any)["bytes"])
	events := filepath.Join(dir, "eve.ocsf.jsonl")
	require.NoError(t, os.WriteFile(events, []byte(out), 0o644))
	out, errOut, code = runSeclakeIO(t, "", "ocsf", "validate", events)
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "2 events, 2 valid, 0 with problems")

	out, errOut, code = runSeclakeIO(t, nfwLog, "ocsf", "normalize", "--source", "networkfirewall", "--account", "111122223333")
	require.Equal(t, 0, code, errOut)
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &ev))
	require.Equal(t, "AWS Network Firewall", ev["metadata"].(map[string]any)["product"].(map[string]any)["name"])
	require.Equal(t, "egress-fw", ev["app_name"])
	cloud := ev["cloud"].(map[string]any)
	require.Equal(t, "eu-west-1", cloud["region"])
	require.Equal(t, "eu-west-1a", cloud["zone"])
	require.Equal(t, "111122223333", cloud["account"].(map[string]any)["uid"])
	out, errOut, code = runSeclakeIO(t, out, "ocsf", "validate")
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "1 event, 1 valid, 0 with problems")
}
