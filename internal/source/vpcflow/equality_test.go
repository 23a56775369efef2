package vpcflow

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// explained are the differences from Amazon's output that the source keeps, and why. The package comment lists them
// too.
var explained = sourcetest.Known{
	"observables[]": "observables: Amazon's 1.0.0-rc.2 output has none; the 1.1.0 mapping lists every IP address " +
		"and instance ID, as we do",
	"src_endpoint.ip": "Amazon writes the \"-\" of a NODATA record as the IP address; \"-\" is not an ip_t, so we leave it out",
	"dst_endpoint.ip": "Amazon writes the \"-\" of a NODATA record as the IP address; \"-\" is not an ip_t, so we leave it out",
	"connection_info.boundary": "the input record has traffic_path null (no value) where a flow log line has \"-\"; " +
		"Security Lake writes \"-\" as boundary \"-\", and so do we",
	"dst_endpoint.interface_uid": "the 1.1.0 sample's raw record and its output were anonymized differently " +
		"(eni-0000000000000000 in the input, eni-000000000000000000 in the output)",
}

// TestAmazonEquality feeds the inputs of Amazon's VPC flow output to the source and compares field by field:
// the four records of AWS's validation samples (OCSF 1.0.0-rc.2, carried to 1.1.0 by the 1.1.0 mapping), and the
// Security Lake team's 1.1.0 and 1.5.0 samples (the latter carried back to 1.1.0: only metadata.version
// differs for these fields).
func TestAmazonEquality(t *testing.T) {
	corpus := filepath.Join(sourcetest.CorpusDir(), "ocsf-output-examples")
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("corpus not present")
	}
	var pairs []sourcetest.Pair
	samples := filepath.Join(corpus, "security-lake-ocsf-validation-samples", "samples", "1.0.0-rc.2", "VPC_FLOW")
	for i := range 4 {
		in, _ := filepath.Glob(filepath.Join(samples, "inputs", fmt.Sprintf("vpc_flow-input%d*.jsonl", i)))
		require.Len(t, in, 1)
		out := filepath.Join(samples, fmt.Sprintf("example%d.gz.parquet.jsonl", i))
		pairs = append(pairs, sourcetest.Pair{Name: filepath.Base(out), Input: jsonRecord(t, in[0]),
			Amazon: carryRC2(t, read(t, out))})
	}
	mappings := filepath.Join(corpus, "ocsf-examples-security-lake", "mappings", "markdown", "AWS")
	for _, version := range []string{"v1.1.0", "v1.5.0"} {
		dir := filepath.Join(mappings, version, "VPC Flowlogs", "samples")
		amazon, err := sourcetest.Decode(read(t, filepath.Join(dir, "vpcflowlog.ocsf")))
		require.NoError(t, err)
		sourcetest.Set(amazon, "metadata.version", "1.1.0")
		pairs = append(pairs, sourcetest.Pair{Name: version + "/vpcflowlog.ocsf",
			Input: csvRecord(t, filepath.Join(dir, "vpcflowlog.raw")), Amazon: amazon})
	}
	r := sourcetest.Equality(t, New(), pairs, explained)
	require.Greater(t, r.Rate(), 0.95)
}

// jsonRecord turns one of AWS's validation inputs (a flow log record as a JSON object with the fields'
// underscore names) into a flow log file: a header line and the record, null as "-".
func jsonRecord(t *testing.T, path string) source.Object {
	dec := json.NewDecoder(bytes.NewReader(read(t, path)))
	dec.UseNumber()
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var names, values []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		var v any
		require.NoError(t, dec.Decode(&v))
		names = append(names, k.(string))
		if v == nil {
			values = append(values, "-")
		} else {
			values = append(values, fmt.Sprint(v))
		}
	}
	body := strings.Join(names, " ") + "\n" + strings.Join(values, " ") + "\n"
	return source.Object{Name: filepath.Base(path), Body: strings.NewReader(body)}
}

// csvRecord turns the Security Lake team's samples (CSV with a header line) into a flow log file.
func csvRecord(t *testing.T, path string) source.Object {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(read(t, path)))
	for sc.Scan() {
		lines = append(lines, strings.ReplaceAll(sc.Text(), ",", " "))
	}
	return source.Object{Name: filepath.Base(path), Body: strings.NewReader(strings.Join(lines, "\n") + "\n")}
}

// carryRC2 carries Amazon's OCSF 1.0.0-rc.2 output to 1.1.0 as the Security Lake team's 1.1.0 mapping and the
// vpc_flow 2.0 table do it: cloud.account_uid becomes cloud.account.uid, start_time and end_time become
// start_time_dt and end_time_dt and time gains time_dt (the datetime profile), disposition_id gives way to
// action_id and action (security_control in 1.1.0), metadata.version is 1.1.0.
func carryRC2(t *testing.T, data []byte) map[string]any {
	doc, err := sourcetest.Decode(data)
	require.NoError(t, err)
	sourcetest.Set(doc, "metadata.version", "1.1.0")
	profiles := sourcetest.Get(doc, "metadata.profiles").([]any)
	sourcetest.Set(doc, "metadata.profiles", append(profiles, "datetime"))
	sourcetest.Move(doc, "cloud.account_uid", "cloud.account.uid")
	for from, to := range map[string]string{"time": "time_dt", "start_time": "start_time_dt", "end_time": "end_time_dt"} {
		ms, err := sourcetest.Get(doc, from).(json.Number).Int64()
		require.NoError(t, err)
		sourcetest.Set(doc, to, time.UnixMilli(ms).UTC().Format(time.RFC3339Nano))
		if from != "time" {
			sourcetest.Delete(doc, from)
		}
	}
	switch id := sourcetest.Delete(doc, "disposition_id").(json.Number); id {
	case "1":
		sourcetest.Set(doc, "action_id", json.Number("1"))
		sourcetest.Set(doc, "action", "Allowed")
	case "2":
		sourcetest.Set(doc, "action_id", json.Number("2"))
		sourcetest.Set(doc, "action", "Denied")
	default:
		sourcetest.Set(doc, "action_id", id)
		sourcetest.Set(doc, "action", sourcetest.Get(doc, "disposition"))
	}
	return doc
}

func read(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
