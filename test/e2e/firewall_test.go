package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// eveLines are what a Suricata sensor named edge-1 writes, as EVE JSON lines: the events of the Network Firewall
// sample in the corpus (Apache-2.0; their Network Firewall wrapping removed, as the sensor writes them) when it is
// present, else an alert and a flow of our own; and a DNS event, which Network Firewall does not log. It returns
// the lines and the flow_id of each event by the log it goes to (alert, flow).
func eveLines(t *testing.T, at time.Time) (string, map[string][]string) {
	t.Helper()
	ts := at.UTC().Format("2006-01-02T15:04:05.000000-0700")
	events := []string{
		fmt.Sprintf(`{"timestamp":%q,"flow_id":1234,"event_type":"alert","src_ip":"10.0.1.5","src_port":44321,"dest_ip":"198.51.100.7","dest_port":80,"proto":"TCP","alert":{"action":"blocked","gid":1,"signature_id":2024897,"rev":1,"signature":"ET USER_AGENTS Go HTTP Client User-Agent","category":"","severity":3}}`, ts),
		fmt.Sprintf(`{"timestamp":%q,"flow_id":1234,"event_type":"netflow","src_ip":"10.0.1.5","src_port":44321,"dest_ip":"198.51.100.7","dest_port":80,"proto":"TCP","netflow":{"pkts":4,"bytes":677,"start":%q,"end":%q,"age":2,"min_ttl":64,"max_ttl":64}}`, ts, ts, ts),
	}
	if b, err := os.ReadFile(filepath.Join(sourcetest.CorpusDir(), "network-firewall", "opensearch-catalog", "sample.ndjson")); err == nil {
		events = events[:0]
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var wrapped struct{ Event json.RawMessage }
			require.NoError(t, json.Unmarshal([]byte(l), &wrapped))
			events = append(events, string(wrapped.Event))
		}
	} else {
		t.Log("the Network Firewall corpus sample is absent: sending our own EVE lines")
	}
	events = append(events, fmt.Sprintf(`{"timestamp":%q,"event_type":"dns","src_ip":"10.0.1.5","dest_ip":"10.0.0.2","dns":{"type":"query","rrname":"example.com"}}`, ts))
	var out strings.Builder
	want := map[string][]string{}
	for _, e := range events {
		d := json.NewDecoder(strings.NewReader(e))
		d.UseNumber()
		var m map[string]any
		require.NoError(t, d.Decode(&m))
		m["host"] = "edge-1"
		switch m["event_type"] {
		case "alert":
			want["alert"] = append(want["alert"], fmt.Sprint(m["flow_id"]))
		case "netflow":
			want["flow"] = append(want["flow"], fmt.Sprint(m["flow_id"]))
		}
		b, err := json.Marshal(m)
		require.NoError(t, err)
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.String(), want
}

type loggingDescription struct {
	LoggingConfiguration struct {
		LogDestinationConfigs []struct {
			LogType, LogDestinationType string
			LogDestination              map[string]string
		}
	}
}

// TestNetworkFirewallLogsIntoKMSBucketWithTheCLI is guide 3 with a real sensor's output: a firewall created with
// the aws CLI logs alerts and flows to a bucket whose default encryption is a customer-managed key with the
// console's default key policy. Suricata's EVE lines arrive over --eve-listen. Where AWS writes nothing and says
// nothing, describe-logging-configuration names the principal, the permission and the key while the files wait;
// the guide's statement delivers them, in Network Firewall's wrapping and key layout, encrypted under the key.
// A bucket encrypted with the AWS managed aws/s3 key is refused at configuration, as AWS documents.
func TestNetworkFirewallLogsIntoKMSBucketWithTheCLI(t *testing.T) {
	// The clock starts 3 to 4 minutes behind and moves at most 5 minutes, within SigV4's 5 minutes of skew.
	fake := clock.NewFake(time.Now().Add(-3 * time.Minute).Truncate(time.Minute))
	s := startServer(t, withClock(fake), withConfig(func(c *config.Config) {
		c.EVEListen = "127.0.0.1:0"
		c.FirewallPublishInterval = config.Duration(time.Minute)
	}))
	listener := s.app.EVEListener()
	require.NotNil(t, listener)
	const bucket = "network-firewall-logs-111122223333"

	out, err := s.aws(t, "kms", "create-key", "--description", "firewall logs")
	require.NoError(t, err)
	var key struct{ KeyMetadata struct{ KeyId, Arn string } }
	require.NoError(t, json.Unmarshal([]byte(out), &key))
	_, err = s.aws(t, "s3api", "create-bucket", "--bucket", bucket)
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"`+key.KeyMetadata.Arn+`"}}]}`)
	require.NoError(t, err)

	_, err = s.aws(t, "network-firewall", "create-firewall", "--firewall-name", "guide3",
		"--firewall-policy-arn", "arn:aws:network-firewall:us-east-1:111122223333:firewall-policy/strict",
		"--vpc-id", "vpc-7f000001", "--subnet-mappings", "SubnetId=subnet-7f000001",
		"--tags", "Key=seclake:sensor,Value=edge-1")
	require.NoError(t, err)
	// One change per call, as AWS requires: first the alert log, then the flow log.
	alert := `{"LogType":"ALERT","LogDestinationType":"S3","LogDestination":{"bucketName":"` + bucket + `","prefix":"nfw"}}`
	flow := `{"LogType":"FLOW","LogDestinationType":"S3","LogDestination":{"bucketName":"` + bucket + `","prefix":"nfw"}}`
	_, err = s.aws(t, "network-firewall", "update-logging-configuration", "--firewall-name", "guide3",
		"--logging-configuration", `{"LogDestinationConfigs":[`+alert+`,`+flow+`]}`)
	require.ErrorContains(t, err, "InvalidRequestException", "two changes in one call")
	_, err = s.aws(t, "network-firewall", "update-logging-configuration", "--firewall-name", "guide3",
		"--logging-configuration", `{"LogDestinationConfigs":[`+alert+`]}`)
	require.NoError(t, err)
	_, err = s.aws(t, "network-firewall", "update-logging-configuration", "--firewall-name", "guide3",
		"--logging-configuration", `{"LogDestinationConfigs":[`+alert+`,`+flow+`]}`)
	require.NoError(t, err)

	// The sensor sends its EVE lines over TCP.
	conn, err := net.Dial("tcp", listener.Addr().String())
	require.NoError(t, err)
	before, _, _ := listener.Stats()
	lines, want := eveLines(t, fake.Now().Add(-10*time.Second))
	_, err = conn.Write([]byte(lines))
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	sent := uint64(strings.Count(lines, "\n"))
	require.Eventually(t, func() bool { n, _, _ := listener.Stats(); return n >= before+sent }, 10*time.Second, 10*time.Millisecond,
		"the EVE listener did not receive the sensor's lines")

	describe := func() loggingDescription {
		out, err := s.aws(t, "network-firewall", "describe-logging-configuration", "--firewall-name", "guide3")
		require.NoError(t, err)
		var d loggingDescription
		require.NoError(t, json.Unmarshal([]byte(out), &d))
		require.Len(t, d.LoggingConfiguration.LogDestinationConfigs, 2, out)
		return d
	}
	var d loggingDescription
	for range 18 {
		fake.Advance(10 * time.Second)
		time.Sleep(50 * time.Millisecond)
		if d = describe(); d.LoggingConfiguration.LogDestinationConfigs[0].LogDestination["seclakeDeliveryStatus"] == "FAILED" {
			break
		}
	}
	dest := d.LoggingConfiguration.LogDestinationConfigs[0].LogDestination
	require.Equal(t, "FAILED", dest["seclakeDeliveryStatus"], "delivery did not fail on the key policy:\n%s", s.logs.String())
	msg := dest["seclakeDeliveryError"]
	require.Contains(t, msg, "delivery.logs.amazonaws.com")
	require.Contains(t, msg, "kms:GenerateDataKey")
	require.Contains(t, msg, key.KeyMetadata.KeyId)
	require.Contains(t, msg, "held")
	c := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	require.Empty(t, listKeys(t, c, bucket, "nfw/"), "nothing is written while the key refuses")

	// The guide's fix: the console's default key policy plus the guide's statement, as written.
	policy := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 { "Sid": "Allow Network Firewall to use the key", "Effect": "Allow",
	   "Principal": { "Service": ["delivery.logs.amazonaws.com"] },
	   "Action": "kms:GenerateDataKey*", "Resource": "*" }]}`
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key.KeyMetadata.KeyId, "--policy-name", "default", "--policy", policy)
	require.NoError(t, err)
	var keys []string
	for range 12 {
		fake.Advance(10 * time.Second)
		time.Sleep(50 * time.Millisecond)
		if keys = listKeys(t, c, bucket, "nfw/"); len(keys) >= 2 {
			break
		}
	}
	require.Len(t, keys, 2, "the held files were not delivered once the key allowed it:\n%s", s.logs.String())
	require.Equal(t, "SUCCESS", describe().LoggingConfiguration.LogDestinationConfigs[0].LogDestination["seclakeDeliveryStatus"])

	got := map[string][]string{}
	for _, k := range keys {
		parts := strings.Split(k, "/")
		// nfw/AWSLogs/<account>/network-firewall/<type>/<region>/<firewall>/YYYY/MM/DD/HH/<file>
		require.Len(t, parts, 12, k)
		require.Equal(t, []string{"nfw", "AWSLogs", "111122223333", "network-firewall"}, parts[:4], k)
		require.Equal(t, []string{"us-east-1", "guide3"}, parts[5:7], k)
		require.True(t, strings.HasPrefix(parts[11], "111122223333_network-firewall_"+parts[4]+"_us-east-1_guide3_"), k)
		require.True(t, strings.HasSuffix(k, ".log.gz"), k)
		obj, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		require.NoError(t, err)
		require.Equal(t, "aws:kms", string(obj.ServerSideEncryption))
		require.Equal(t, key.KeyMetadata.Arn, aws.ToString(obj.SSEKMSKeyId))
		recs := gunzipLines(t, obj.Body)
		obj.Body.Close()
		for _, l := range recs {
			d := json.NewDecoder(strings.NewReader(l))
			d.UseNumber()
			var rec struct {
				FirewallName     string `json:"firewall_name"`
				AvailabilityZone string `json:"availability_zone"`
				EventTimestamp   string `json:"event_timestamp"`
				Event            map[string]any
			}
			require.NoError(t, d.Decode(&rec), l)
			require.Equal(t, "guide3", rec.FirewallName)
			require.NotEmpty(t, rec.AvailabilityZone)
			require.NotEmpty(t, rec.EventTimestamp)
			require.Equal(t, "edge-1", rec.Event["host"])
			got[parts[4]] = append(got[parts[4]], fmt.Sprint(rec.Event["flow_id"]))
		}
	}
	require.ElementsMatch(t, want["alert"], got["alert"], "alert records")
	require.ElementsMatch(t, want["flow"], got["flow"], "flow records")
	require.Empty(t, got["tls"])

	// A bucket under the AWS managed key is refused: Network Firewall cannot use aws/s3.
	_, err = s.aws(t, "s3api", "create-bucket", "--bucket", "managed-key-bucket")
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "put-bucket-encryption", "--bucket", "managed-key-bucket", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}`)
	require.NoError(t, err)
	tls := `{"LogType":"TLS","LogDestinationType":"S3","LogDestination":{"bucketName":"managed-key-bucket"}}`
	_, err = s.aws(t, "network-firewall", "update-logging-configuration", "--firewall-name", "guide3",
		"--logging-configuration", `{"LogDestinationConfigs":[`+alert+`,`+flow+`,`+tls+`]}`)
	require.ErrorContains(t, err, "InvalidRequestException")
	require.ErrorContains(t, err, "aws/s3")
}
