package ocsf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// flow returns a valid Network Activity event, as the VPC flow source builds them.
func flow() *NetworkActivity {
	e := &NetworkActivity{
		Metadata: &Metadata{
			Product:  &Product{Name: "Amazon VPC", VendorName: "AWS", Version: "5", Feature: &Feature{Name: "Flowlogs"}},
			Profiles: []string{"cloud", "security_control", "datetime"},
			Version:  Version,
		},
		Cloud:          &Cloud{Provider: "AWS", Region: "us-east-1", Account: &Account{UID: "123456789012"}},
		SrcEndpoint:    &NetworkEndpoint{IP: "1.2.3.4", Port: Int32(0)},
		DstEndpoint:    &NetworkEndpoint{IP: "172.31.2.52", Port: Int32(39938), InstanceUID: "i-0123"},
		ConnectionInfo: &NetworkConnectionInfo{ProtocolNum: Int32(6), DirectionID: 1, Direction: "Inbound"},
		Time:           1649721732000,
		TimeDT:         1649721732000,
		ActionID:       ActionID(2),
		Action:         "Denied",
		Disposition:    "Blocked",
		Unmapped:       map[string]string{"sublocation_id": "-"},
		Observables:    []Observable{{Name: "src_endpoint.ip", Type: "IP Address", TypeID: 2, Value: "1.2.3.4"}},
	}
	e.SetActivity(5)
	e.SetSeverity(1)
	return e
}

func TestValidTypedEvent(t *testing.T) {
	e := flow()
	require.Empty(t, Validate(e))
	require.Equal(t, int64(400105), e.TypeUID)
	require.Equal(t, "Network Activity: Refuse", e.TypeName)
	require.Equal(t, "Refuse", e.ActivityName)
	require.Equal(t, "Informational", e.Severity)

	b, err := json.Marshal(e)
	require.NoError(t, err)
	require.Contains(t, string(b), `"port":0`, "an optional 0 is kept")
	require.Contains(t, string(b), `"time_dt":"2022-04-12T00:02:12.000Z"`)
	require.NotContains(t, string(b), `"start_time"`, "absent attributes are not written")
}

// TestValidateJSONReportsEveryProblem breaks a valid event one way at a time and checks the path and message.
func TestValidateJSONReportsEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		name, path, message string
		edit                func(m map[string]any)
	}{
		{"required missing", "time", "required attribute is missing", func(m map[string]any) { delete(m, "time") }},
		{"required in object", "metadata.product", "required attribute is missing", func(m map[string]any) { delete(obj(m, "metadata"), "product") }},
		{"profile attribute required", "cloud", "required attribute is missing", func(m map[string]any) { delete(m, "cloud") }},
		{"unknown attribute", "src_endpoint.colour", `has no attribute "colour"`, func(m map[string]any) { obj(m, "src_endpoint")["colour"] = "red" }},
		{"undeclared profile", "time_dt", `profile "datetime"`, func(m map[string]any) { obj(m, "metadata")["profiles"] = []any{"cloud", "security_control"} }},
		{"unknown profile", "metadata.profiles[0]", `"clouds" is not an OCSF 1.1.0 profile`, func(m map[string]any) {
			obj(m, "metadata")["profiles"] = []any{"clouds", "security_control", "datetime"}
		}},
		{"profile not of class", "metadata.profiles[1]", `class API Activity does not take profile "security_control"`, func(m map[string]any) {
			m["class_uid"] = json.Number("6003")
		}},
		{"host name", "dst_endpoint.hostname", "is not a host name", func(m map[string]any) { obj(m, "dst_endpoint")["hostname"] = "a..b c" }},
		{"port range", "dst_endpoint.port", "outside 0–65535", func(m map[string]any) { obj(m, "dst_endpoint")["port"] = json.Number("70000") }},
		{"port type", "dst_endpoint.port", `want an integer (port_t), got "80"`, func(m map[string]any) { obj(m, "dst_endpoint")["port"] = "80" }},
		{"integer range", "connection_info.protocol_num", "does not fit a 32-bit integer", func(m map[string]any) { obj(m, "connection_info")["protocol_num"] = json.Number("4294967296") }},
		{"fraction", "severity_id", "want an integer", func(m map[string]any) { m["severity_id"] = json.Number("1.5") }},
		{"timestamp", "time", "want an integer (timestamp_t)", func(m map[string]any) { m["time"] = "2022-04-12T00:02:12Z" }},
		{"datetime", "time_dt", "not an RFC 3339 date-time", func(m map[string]any) { m["time_dt"] = "2022-04-12 00:02:12" }},
		{"ip", "src_endpoint.ip", `"-" is not an IP address`, func(m map[string]any) { obj(m, "src_endpoint")["ip"] = "-" }},
		{"ip array", "src_endpoint.intermediate_ips[1]", `"1.2.3" is not an IP address`, func(m map[string]any) { obj(m, "src_endpoint")["intermediate_ips"] = []any{"10.0.0.1", "1.2.3"} }},
		{"array wanted", "metadata.profiles", "want an array", func(m map[string]any) { obj(m, "metadata")["profiles"] = "cloud" }},
		{"object wanted", "cloud", "want a cloud object", func(m map[string]any) { m["cloud"] = "AWS" }},
		{"enum", "activity_id", "8 is not one of the values of activity_id", func(m map[string]any) { m["activity_id"] = json.Number("8"); m["type_uid"] = json.Number("400108") }},
		{"sibling caption", "activity_name", `"Open", but activity_id 5 is "Refuse"`, func(m map[string]any) { m["activity_name"] = "Open" }},
		{"class name", "class_name", `"Network", but class_uid 4001 is "Network Activity"`, func(m map[string]any) { m["class_name"] = "Network" }},
		{"type_uid", "type_uid", "400106 is not class_uid × 100 + activity_id = 400105", func(m map[string]any) { m["type_uid"] = json.Number("400106") }},
		{"category", "category_uid", "class Network Activity is in category 4", func(m map[string]any) { m["category_uid"] = json.Number("6") }},
		{"constraint", "dst_endpoint", "needs at least one of ip, uid", func(m map[string]any) { m["dst_endpoint"] = map[string]any{"port": json.Number("80")} }},
		{"version", "metadata.version", "this is OCSF 1.0.0-rc.2", func(m map[string]any) { obj(m, "metadata")["version"] = "1.0.0-rc.2" }},
		{"unmapped is an object", "unmapped", "want an object", func(m map[string]any) { m["unmapped"] = []any{"x"} }},
		{"bool", "connection_info.protocol_ver_id", "want an integer", func(m map[string]any) { obj(m, "connection_info")["protocol_ver_id"] = true }},
		{"unknown class", "class_uid", "9999 is not an OCSF 1.1.0 event class", func(m map[string]any) { m["class_uid"] = json.Number("9999") }},
		{"no class", "class_uid", "required attribute is missing", func(m map[string]any) { delete(m, "class_uid") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := decode(t, flow())
			tc.edit(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			problems := ValidateJSON(b)
			require.NotEmpty(t, problems)
			found := false
			for _, p := range problems {
				if p.Path == tc.path && strings.Contains(p.Message, tc.message) {
					found = true
				}
			}
			require.True(t, found, "want %s: …%s…, got %v", tc.path, tc.message, problems)
		})
	}
}

func TestValidateJSONAcceptsWhatOCSFAllows(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
	}{
		{"other caption is free", func(m map[string]any) {
			obj(m, "connection_info")["direction_id"] = json.Number("99")
			obj(m, "connection_info")["direction"] = "-"
		}},
		{"null is absent", func(m map[string]any) { obj(m, "src_endpoint")["port"] = nil }},
		{"anything under unmapped", func(m map[string]any) {
			m["unmapped"] = map[string]any{"a": map[string]any{"b": []any{json.Number("1")}}}
		}},
		{"plain observable caption", func(m map[string]any) {
			m["observables"] = []any{map[string]any{"name": "x", "type": "IP Address (Dictionary Type)", "type_id": json.Number("2")}}
		}},
		{"absolute host name", func(m map[string]any) { obj(m, "dst_endpoint")["hostname"] = "_ldap._tcp.example.com." }},
		{"tunnelled host name", func(m map[string]any) { obj(m, "dst_endpoint")["hostname"] = "c29tZQ==.t.example.com" }},
		{"ipv6 with zone", func(m map[string]any) { obj(m, "dst_endpoint")["ip"] = "fe80::1%eth0" }},
		{"caption without id", func(m map[string]any) { delete(m, "disposition_id") }},
		{"HTTP Activity as Security Lake's waf table has it", func(m map[string]any) {
			m["class_uid"], m["class_name"], m["type_uid"], m["type_name"] = json.Number("4002"), "HTTP Activity", json.Number("400206"), "HTTP Activity: Post"
			m["activity_id"], m["activity_name"] = json.Number("6"), "Post"
			m["http_request"] = map[string]any{"http_method": "POST"}
			delete(m, "dst_endpoint")
			delete(m, "connection_info")
			delete(m, "traffic")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := decode(t, flow())
			tc.edit(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			require.Empty(t, ValidateJSON(b))
		})
	}
}

func TestValidateJSONRejectsNonEvents(t *testing.T) {
	for in, want := range map[string]string{
		`[]`:                   "an event is a JSON object",
		`{`:                    "not JSON",
		`{} {}`:                "more than one JSON value",
		`{"a":1}`:              "class_uid: required attribute is missing",
		`"x"`:                  "an event is a JSON object",
		`{"class_uid":"4001"}`: "class_uid: want an integer",
	} {
		p := ValidateJSON([]byte(in))
		require.Len(t, p, 1, in)
		require.Contains(t, p[0].String(), want, in)
	}
}

// TestAmazonSamplesValidate checks the validator against the Security Lake team's OCSF 1.1.0 samples
// (ocsf/examples, read from the corpus when present): those that follow the schema pass.
func TestAmazonSamplesValidate(t *testing.T) {
	dir := "/work/shared/corpus/ocsf-output-examples/ocsf-examples-security-lake/mappings/markdown/AWS/v1.1.0"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present")
	}
	for _, f := range []string{
		"VPC Flowlogs/samples/vpcflowlog.ocsf", "Route53/samples/route53.ocsf",
		"CloudTrail/API Activity/samples/generic_api_activity.ocsf", "CloudTrail/Account Change/samples/account_change.ocsf",
		"CloudTrail/Authentication/samples/authentication.ocsf", "Security Hub/Compliance Finding/samples/sechub-pci.ocsf",
		"Security Hub/Vulnerability Finding/samples/inspector.ocsf",
	} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.Empty(t, ValidateJSON(b), f)
	}
}

func TestDatetimeJSON(t *testing.T) {
	var d Datetime
	require.NoError(t, json.Unmarshal([]byte(`"2022-04-11T20:02:12.000-04:00"`), &d))
	require.Equal(t, Datetime(1649721732000), d)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	require.Equal(t, `"2022-04-12T00:02:12.000Z"`, string(b))
	require.NoError(t, json.Unmarshal([]byte(`1649721732001`), &d))
	require.Equal(t, Datetime(1649721732001), d)
	require.Error(t, json.Unmarshal([]byte(`"yesterday"`), &d))
}

func TestJSONKeepsText(t *testing.T) {
	b, err := json.Marshal(struct {
		A JSON `json:"a,omitempty"`
		B JSON `json:"b,omitempty"`
		C JSON `json:"c,omitempty"`
	}{A: `{"x":[1,2]}`, B: `not json`})
	require.NoError(t, err)
	require.Equal(t, `{"a":{"x":[1,2]},"b":"not json"}`, string(b))
}

func TestSlab(t *testing.T) {
	var s Scalars
	a, b := s.Int32(1), s.Int32(2)
	require.Equal(t, int32(1), *a)
	require.Equal(t, int32(2), *b)
	var objs Slab[NetworkEndpoint]
	objs.Block = 2
	p1, p2, p3 := objs.New(), objs.New(), objs.New()
	require.True(t, p1 != p2 && p2 != p3)
	require.Equal(t, int64(7), *s.Int64(7))
	require.True(t, *s.Bool(true))
	require.Equal(t, 1.5, *s.Float64(1.5))
}

func TestNewEvent(t *testing.T) {
	for _, uid := range []int32{ClassNetworkActivity, ClassAPIActivity, ClassAuthentication, ClassAccountChange,
		ClassHTTPActivity, ClassDNSActivity, ClassVulnerabilityFinding, ClassComplianceFinding, ClassDetectionFinding} {
		ev := NewEvent(uid)
		require.NotNil(t, ev, uid)
		require.Equal(t, uid, ev.EventClass())
	}
	require.Nil(t, NewEvent(1))
}

func BenchmarkValidateJSON(b *testing.B) {
	data, _ := json.Marshal(flow())
	b.ReportAllocs()
	for b.Loop() {
		if p := ValidateJSON(data); len(p) > 0 {
			b.Fatal(p)
		}
	}
}

func decode(t *testing.T, e Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(e)
	require.NoError(t, err)
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return m
}

func obj(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }

func TestStrings(t *testing.T) {
	var s Strings
	buf := []byte("10.0.0.1")
	a := s.Of(buf)
	buf[0] = '9'
	require.Equal(t, "10.0.0.1", a, "a copy")
	require.Equal(t, "", s.Of(nil))
	long := strings.Repeat("x", stringBlock+1)
	require.Equal(t, long, s.Of([]byte(long)))
	require.Equal(t, "10.0.0.1", a)
	var all []string
	for i := range 10000 {
		all = append(all, s.Of([]byte(strings.Repeat("y", i%50))))
	}
	for i, v := range all {
		require.Len(t, v, i%50)
	}
}
