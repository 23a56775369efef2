package flowlog_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/flowlog"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/netflow"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
)

const acct = "111122223333"

var (
	ctx      = context.Background()
	root     = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1"}
	exporter = netip.MustParseAddr("192.0.2.10")
	t0       = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

type env struct {
	st    *stack.Stack
	ld    *logdelivery.Service
	fl    *flowlog.Service
	clock *clock.Fake
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
	ld, err := logdelivery.New(logdelivery.Config{Store: store, Blobs: blobs, Seal: sk, Objects: st.Objects, Clock: clk})
	require.NoError(t, err)
	fl, err := flowlog.New(flowlog.Config{Store: store, Authz: st.IAM, Objects: st.Objects, Delivery: ld, Clock: clk})
	require.NoError(t, err)
	_, err = st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "flow-logs"})
	require.NoError(t, err)
	return &env{st: st, ld: ld, fl: fl, clock: clk}
}

func flow(src, dst string, sport, dport uint16, packets, bytes uint64, dropped bool) netflow.Flow {
	return netflow.Flow{Exporter: exporter, InIf: 3, OutIf: 4, Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst),
		SrcPort: sport, DstPort: dport, Proto: 6, Packets: packets, Bytes: bytes, TCPFlags: 2, Dropped: dropped,
		Start: t0.Add(5 * time.Second), End: t0.Add(20 * time.Second)}
}

// objects returns the bodies of the bucket's objects under prefix, by key.
func (e *env) objects(t *testing.T, prefix string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	res, err := e.st.Objects.ListObjects(ctx, root, objstore.ListInput{Bucket: "flow-logs", Prefix: prefix, MaxKeys: 1000})
	require.NoError(t, err)
	for _, o := range res.Objects {
		g, err := e.st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: "flow-logs", Key: o.Key})
		require.NoError(t, err)
		b, err := io.ReadAll(g.Body)
		g.Body.Close()
		require.NoError(t, err)
		out[o.Key] = b
	}
	return out
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	s, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(s)
}

func TestFlowsBecomeAFlowLogFileInTheBucket(t *testing.T) {
	e := newEnv(t)
	vpc := flowlog.VPCID(exporter)
	require.Equal(t, "vpc-c000020a", vpc)
	require.Equal(t, "eni-c000020a000000003", flowlog.InterfaceID(exporter, 3))
	ids, failed, err := e.fl.CreateFlowLogs(ctx, root, flowlog.CreateInput{ResourceIDs: []string{vpc, "vpc-zz"}, ResourceType: "VPC",
		LogDestinationType: "s3", LogDestination: "arn:aws:s3:::flow-logs", MaxAggregationInterval: 60})
	require.NoError(t, err)
	require.Len(t, ids, 1)
	require.Equal(t, []flowlog.Unsuccessful{{ResourceID: "vpc-zz", Code: "InvalidVpcID.NotFound",
		Message: "The vpc ID 'vpc-zz' does not exist: seclake's IDs stand for exporters and their interfaces (see the README, Flow logs)."}}, failed)
	pol, err := e.st.Objects.GetBucketPolicy(ctx, root, "flow-logs")
	require.NoError(t, err)
	require.Contains(t, pol, "AWSLogDeliveryWrite", "the bucket policy got AWS's statements, as AWS adds them")

	e.fl.Observe([]netflow.Flow{
		flow("10.0.1.5", "10.0.2.9", 49152, 443, 10, 4000, false),
		flow("10.0.1.5", "10.0.2.9", 49152, 443, 2, 120, false), // same 5-tuple: added up
		flow("198.51.100.7", "10.0.1.5", 51000, 22, 3, 180, true),
	})
	e.clock.Advance(2 * time.Minute) // the 60-second window has closed
	require.NoError(t, e.fl.Publish(ctx, false))
	require.NoError(t, e.ld.Deliver(ctx))
	files := e.objects(t, "AWSLogs/")
	require.Len(t, files, 1)
	for key, body := range files {
		require.Regexp(t, `^AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/12/01/111122223333_vpcflowlogs_us-east-1_`+ids[0]+`_20261201T1002Z_[0-9a-f]{8}\.log\.gz$`, key)
		require.Equal(t, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"+
			"2 111122223333 eni-c000020a000000003 10.0.1.5 10.0.2.9 49152 443 6 12 4120 1796119205 1796119220 ACCEPT OK\n"+
			"2 111122223333 eni-c000020a000000003 198.51.100.7 10.0.1.5 51000 22 6 3 180 1796119205 1796119220 REJECT OK\n", gunzip(t, body))
	}
	d, _, err := e.fl.DescribeFlowLogs(ctx, root, nil, nil, 0, "")
	require.NoError(t, err)
	require.Len(t, d, 1)
	require.Equal(t, "SUCCESS", d[0].DeliverStatus)
}

func TestCustomFormatParquetAndHourFolders(t *testing.T) {
	e := newEnv(t)
	eni := flowlog.InterfaceID(exporter, 4)
	format := "${version} ${interface-id} ${srcaddr} ${dstaddr} ${packets} ${bytes} ${action} ${flow-direction} ${vpc-id} ${subnet-id} ${tcp-flags}"
	ids, _, err := e.fl.CreateFlowLogs(ctx, root, flowlog.CreateInput{ResourceIDs: []string{eni}, ResourceType: "NetworkInterface",
		TrafficType: "ACCEPT", LogDestinationType: "s3", LogDestination: "arn:aws:s3:::flow-logs/lake/", LogFormat: format,
		MaxAggregationInterval: 60, FileFormat: flowlog.FormatParquet, HiveCompatible: true, PerHourFolder: true})
	require.NoError(t, err)
	e.fl.Observe([]netflow.Flow{flow("10.0.1.5", "10.0.2.9", 49152, 443, 10, 4000, false), flow("10.0.1.5", "10.0.2.9", 1, 2, 1, 1, true)})
	require.NoError(t, e.fl.Publish(ctx, true))
	require.NoError(t, e.ld.Deliver(ctx))
	files := e.objects(t, "lake/")
	require.Len(t, files, 1)
	for key, body := range files {
		require.Regexp(t, `^lake/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=12/day=01/hour=10/111122223333_vpcflowlogs_us-east-1_`+ids[0]+`_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.parquet$`, key)
		f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
		require.NoError(t, err)
		require.Equal(t, int64(1), f.NumRows(), "REJECT is not recorded by an ACCEPT flow log")
		rows := make([]parquet.Row, 1)
		n, _ := f.RowGroups()[0].Rows().ReadRows(rows)
		require.Equal(t, 1, n)
		got := map[string]string{}
		for i, col := range f.Schema().Columns() {
			v := rows[0][i]
			if v.IsNull() {
				got[strings.Join(col, ".")] = "-"
			} else {
				got[strings.Join(col, ".")] = v.String()
			}
		}
		require.Equal(t, map[string]string{"version": "5", "interface_id": eni, "srcaddr": "10.0.1.5", "dstaddr": "10.0.2.9", "packets": "10",
			"bytes": "4000", "action": "ACCEPT", "flow_direction": "egress", "vpc_id": "vpc-c000020a", "subnet_id": "-", "tcp_flags": "2"}, got)
	}
}
