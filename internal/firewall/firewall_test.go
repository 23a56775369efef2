package firewall_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/firewall"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
)

const (
	acct   = "111122223333"
	policy = "arn:aws:network-firewall:us-east-1:111122223333:firewall-policy/p1"
)

var (
	ctx  = context.Background()
	root = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1"}
	t0   = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

type env struct {
	st    *stack.Stack
	fw    *firewall.Service
	clock *clock.Fake
	safe  []time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	sk, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	clk := clock.NewFake(t0)
	st, err := stack.Start(ctx, stack.Config{Stores: stack.Stores{Meta: store, Blobs: blobs, Seal: sk}, Clock: clk})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Stop(ctx)) })
	e := &env{st: st, clock: clk}
	e.fw, err = firewall.New(firewall.Config{Store: store, Authz: st.IAM, Objects: st.Objects, Keys: st.KMS, Delivery: st.Delivery, Clock: clk,
		Safe: func(_ context.Context, before time.Time) { e.safe = append(e.safe, before) }})
	require.NoError(t, err)
	_, err = st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "fw-logs"})
	require.NoError(t, err)
	return e
}

func s3Dest(logType, prefix string) firewall.LogDestination {
	d := map[string]string{"bucketName": "fw-logs"}
	if prefix != "" {
		d["prefix"] = prefix
	}
	return firewall.LogDestination{LogType: logType, DestinationType: "S3", Destination: d}
}

// objects returns the bodies of the bucket's objects, gunzipped, by key.
func (e *env) objects(t *testing.T) map[string]string {
	t.Helper()
	res, err := e.st.Objects.ListObjects(ctx, root, objstore.ListInput{Bucket: "fw-logs", MaxKeys: 1000})
	require.NoError(t, err)
	out := map[string]string{}
	for _, o := range res.Objects {
		g, err := e.st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: "fw-logs", Key: o.Key})
		require.NoError(t, err)
		b, err := io.ReadAll(g.Body)
		g.Body.Close()
		require.NoError(t, err)
		zr, err := gzip.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		plain, err := io.ReadAll(zr)
		require.NoError(t, err)
		out[o.Key] = string(plain)
	}
	return out
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}

func TestFirewallsAreCreatedDescribedListedAndDeleted(t *testing.T) {
	e := newEnv(t)
	fw, err := e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "edge-1", PolicyARN: policy, VPCID: "vpc-0a1b2c",
		Subnets: []firewall.Subnet{{SubnetID: "subnet-1"}}, DeleteProtection: true})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:network-firewall:us-east-1:111122223333:firewall/edge-1", fw.ARN())
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, fw.ID)
	_, err = e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "edge-1", PolicyARN: policy})
	require.Equal(t, "InvalidRequestException", code(err))
	for _, bad := range []firewall.CreateInput{{Name: "under_score", PolicyARN: policy}, {Name: "x", PolicyARN: "arn:aws:s3:::b"}, {Name: "x", PolicyARN: policy, VPCID: "vpcx"}} {
		_, err = e.fw.CreateFirewall(ctx, root, bad)
		require.Equal(t, "InvalidRequestException", code(err), "%+v", bad)
	}
	got, err := e.fw.DescribeFirewall(ctx, root, "", fw.ARN())
	require.NoError(t, err)
	require.Equal(t, fw.ID, got.ID)
	_, err = e.fw.DescribeFirewall(ctx, root, "nope", "")
	require.Equal(t, "ResourceNotFoundException", code(err))
	_, err = e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "edge-2", PolicyARN: policy, VPCID: "vpc-ffff"})
	require.NoError(t, err)
	all, _, err := e.fw.ListFirewalls(ctx, root, nil, 0, "")
	require.NoError(t, err)
	require.Len(t, all, 2)
	some, next, err := e.fw.ListFirewalls(ctx, root, []string{"vpc-ffff"}, 0, "")
	require.NoError(t, err)
	require.Len(t, some, 1)
	require.Empty(t, next)
	_, err = e.fw.DeleteFirewall(ctx, root, "edge-1", "")
	require.Equal(t, "InvalidOperationException", code(err), "delete protection")
	_, err = e.fw.DeleteFirewall(ctx, root, "edge-2", "")
	require.NoError(t, err)
	_, err = e.fw.DescribeFirewall(ctx, root, "edge-2", "")
	require.Equal(t, "ResourceNotFoundException", code(err))
}

func TestLoggingConfigurationChangesOneDestinationPerCall(t *testing.T) {
	e := newEnv(t)
	_, err := e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "fw1", PolicyARN: policy})
	require.NoError(t, err)
	_, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("ALERT", ""), s3Dest("FLOW", "")})
	require.Equal(t, "InvalidRequestException", code(err), "two additions in one call")
	_, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{{LogType: "ALERT", DestinationType: "CloudWatchLogs",
		Destination: map[string]string{"logGroup": "g"}}})
	require.Equal(t, "InvalidRequestException", code(err), "only S3")
	fw, err := e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("ALERT", "/alerts/")})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"bucketName": "fw-logs", "prefix": "alerts"}, fw.Logging[0].Destination)
	pol, err := e.st.Objects.GetBucketPolicy(ctx, root, "fw-logs")
	require.NoError(t, err)
	require.Contains(t, pol, "AWSLogDeliveryWrite", "the bucket policy got AWS's statements")
	require.Contains(t, pol, "arn:aws:s3:::fw-logs/alerts/AWSLogs/111122223333/*")
	_, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("ALERT", "alerts"), s3Dest("FLOW", "")})
	require.NoError(t, err, "one addition")
	// What DescribeLoggingConfiguration adds is ignored when the configuration is sent back.
	desc, err := e.fw.DescribeLoggingConfiguration(ctx, root, "fw1", "")
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", desc.Logging[0].Destination[firewall.StatusKey])
	_, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", desc.Logging)
	require.NoError(t, err)
	fw, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("FLOW", "")})
	require.NoError(t, err, "one removal")
	require.Len(t, fw.Logging, 1)
}

func TestAnAWSManagedKeyIsRefused(t *testing.T) {
	e := newEnv(t)
	_, err := e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "fw1", PolicyARN: policy})
	require.NoError(t, err)
	require.NoError(t, e.st.Objects.PutBucketEncryption(ctx, root, "fw-logs", &objstore.Encryption{Rules: []objstore.EncryptionRule{
		{Default: &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEKMS}}}}))
	_, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("ALERT", "")})
	require.Equal(t, "InvalidRequestException", code(err))
	require.Contains(t, err.Error(), "aws/s3")
	require.Contains(t, err.Error(), "customer managed key")
}

// Lines are wrapped as Network Firewall wraps them, sorted into the alert, flow and TLS logs of the firewalls
// watching their sensor, and delivered in Network Firewall's key layout; other event types are skipped.
func TestEVELinesBecomeNetworkFirewallLogFiles(t *testing.T) {
	e := newEnv(t)
	for _, in := range []firewall.CreateInput{
		{Name: "fw1", PolicyARN: policy, Zones: []string{"us-east-1b"}},
		{Name: "fw2", PolicyARN: policy, Tags: []actor.Tag{{Key: firewall.SensorTag, Value: "default"}}},
	} {
		_, err := e.fw.CreateFirewall(ctx, root, in)
		require.NoError(t, err)
	}
	for _, d := range []firewall.LogDestination{s3Dest("ALERT", "nfw"), s3Dest("FLOW", "nfw")} {
		_, err := e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", append(mustLogging(t, e, "fw1"), d))
		require.NoError(t, err)
	}
	_, err := e.fw.UpdateLoggingConfiguration(ctx, root, "fw2", "", []firewall.LogDestination{s3Dest("ALERT", "")})
	require.NoError(t, err)

	alert := `{"timestamp":"2026-12-01T09:59:58.1+0000","flow_id":7,"event_type":"alert","host":"fw1","src_ip":"10.0.0.5","src_port":5000,"dest_ip":"192.0.2.1","dest_port":80,"proto":"TCP","alert":{"action":"blocked","signature_id":1,"signature":"deny","severity":3}}`
	netflow := `{"timestamp":"2026-12-01T09:59:59.1+0000","event_type":"netflow","host":"fw1","src_ip":"10.0.0.5","dest_ip":"192.0.2.1","proto":"UDP","netflow":{"pkts":1,"bytes":60}}`
	anon := `{"event_type":"alert","src_ip":"10.0.0.9","alert":{"signature_id":2}}`
	for _, l := range []string{alert, netflow, "  " + anon + "\r", `{"event_type":"dns","host":"fw1"}`, `{"event_type":"stats"}`,
		"not json", `["array"]`, `{"event_type":"alert","host":"nobody"}`} {
		e.fw.Observe([]byte(l))
	}
	require.Equal(t, firewall.Stats{Received: 8, Logged: 3, Skipped: 2, Refused: 2, Unwatched: 1}, e.fw.Stats())

	e.clock.Advance(5 * time.Minute)
	require.NoError(t, e.fw.Publish(ctx, false))
	require.NoError(t, e.st.Delivery.Deliver(ctx))
	files := e.objects(t)
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	require.Len(t, keys, 3, "%v", keys)
	require.Regexp(t, `^AWSLogs/111122223333/network-firewall/alert/us-east-1/fw2/2026/12/01/10/111122223333_network-firewall_alert_us-east-1_fw2_20261201T1005Z_[0-9a-f]{8}\.log\.gz$`, keys[0])
	require.Regexp(t, `^nfw/AWSLogs/111122223333/network-firewall/alert/us-east-1/fw1/2026/12/01/10/111122223333_network-firewall_alert_us-east-1_fw1_20261201T1005Z_[0-9a-f]{8}\.log\.gz$`, keys[1])
	require.Regexp(t, `^nfw/AWSLogs/111122223333/network-firewall/flow/us-east-1/fw1/2026/12/01/10/`, keys[2])
	require.Equal(t, `{"firewall_name":"fw1","availability_zone":"us-east-1b","event_timestamp":"1796119200","event":`+alert+"}\n", files[keys[1]])
	require.Equal(t, `{"firewall_name":"fw1","availability_zone":"us-east-1b","event_timestamp":"1796119200","event":`+netflow+"}\n", files[keys[2]])
	require.Equal(t, `{"firewall_name":"fw2","availability_zone":"us-east-1a","event_timestamp":"1796119200","event":`+anon+"}\n", files[keys[0]])
	for _, body := range files {
		var rec struct{ Event json.RawMessage }
		require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(body)), &rec))
	}
	require.Equal(t, []time.Time{t0.Add(5*time.Minute + time.Nanosecond)}, e.safe, "every line observed is held")
}

// A key policy without the log-delivery service's statement refuses the files; they wait, the configuration
// says why, and once the guide's statement is added they are delivered.
func TestARefusedDeliveryShowsAndCatchesUp(t *testing.T) {
	e := newEnv(t)
	md, err := e.st.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{})
	require.NoError(t, err)
	require.NoError(t, e.st.Objects.PutBucketEncryption(ctx, root, "fw-logs", &objstore.Encryption{Rules: []objstore.EncryptionRule{
		{Default: &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEKMS, KMSMasterKeyID: md.ARN}}}}))
	_, err = e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "fw1", PolicyARN: policy})
	require.NoError(t, err)
	_, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("ALERT", "")})
	require.NoError(t, err)
	e.fw.Observe([]byte(`{"event_type":"alert","host":"fw1","alert":{"signature_id":1}}`))
	e.clock.Advance(5 * time.Minute)
	require.NoError(t, e.fw.Publish(ctx, false))
	require.NoError(t, e.st.Delivery.Deliver(ctx))
	require.Empty(t, e.objects(t))
	fw, err := e.fw.DescribeLoggingConfiguration(ctx, root, "fw1", "")
	require.NoError(t, err)
	d := fw.Logging[0].Destination
	require.Equal(t, "FAILED", d[firewall.StatusKey])
	require.Contains(t, d[firewall.ErrorKey], "delivery.logs.amazonaws.com")
	require.Contains(t, d[firewall.ErrorKey], "kms:GenerateDataKey")
	require.Contains(t, d[firewall.ErrorKey], "1 file(s) held")

	guide := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"Allow Network Firewall to use the key","Effect":"Allow","Principal":{"Service":["delivery.logs.amazonaws.com"]},"Action":"kms:GenerateDataKey*","Resource":"*"}]}`
	require.NoError(t, e.st.KMS.PutKeyPolicy(ctx, root, md.KeyID, "default", guide, false))
	require.NoError(t, e.st.Delivery.Deliver(ctx))
	require.Len(t, e.objects(t), 1)
	fw, err = e.fw.DescribeLoggingConfiguration(ctx, root, "fw1", "")
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", fw.Logging[0].Destination[firewall.StatusKey])
}

func mustLogging(t *testing.T, e *env, name string) []firewall.LogDestination {
	t.Helper()
	fw, err := e.fw.DescribeFirewall(ctx, root, name, "")
	require.NoError(t, err)
	return fw.Logging
}

func FuzzObserve(f *testing.F) {
	for _, s := range []string{`{"event_type":"alert","host":"fw1"}`, `{"event_type":"netflow"}`, "{", `{"host":1}`, "\x00", `{"event_type":"tls","host":"fw1"`} {
		f.Add([]byte(s))
	}
	e := newEnv(&testing.T{})
	_, _ = e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "fw1", PolicyARN: policy})
	_, _ = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("ALERT", "")})
	f.Fuzz(func(t *testing.T, line []byte) {
		e.fw.Observe(line)
		st := e.fw.Stats()
		require.Equal(t, st.Received, st.Logged+st.Skipped+st.Refused+st.Unwatched)
	})
}
