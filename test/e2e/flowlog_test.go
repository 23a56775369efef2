package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/config"
)

// packet is one IPv4 TCP or UDP packet of a capture.
type packet struct {
	at               time.Time
	src, dst         netip.Addr
	srcPort, dstPort uint16
	proto            uint8 // 6 or 17
	tcpFlags         uint8
	payload          int
}

// writePcap writes packets as a classic libpcap file of Ethernet frames, the input softflowd -r reads.
func writePcap(t *testing.T, path string, pkts []packet) {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 1) // LINKTYPE_ETHERNET
	b.Write(hdr)
	for _, p := range pkts {
		l4 := 8
		if p.proto == 6 {
			l4 = 20
		}
		frame := make([]byte, 14+20+l4+p.payload)
		binary.BigEndian.PutUint16(frame[12:], 0x0800)
		ip := frame[14:]
		ip[0], ip[8], ip[9] = 0x45, 64, p.proto
		binary.BigEndian.PutUint16(ip[2:], uint16(20+l4+p.payload))
		s, d := p.src.As4(), p.dst.As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
		var sum uint32
		for i := 0; i < 20; i += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[i:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		l := ip[20:]
		binary.BigEndian.PutUint16(l[0:], p.srcPort)
		binary.BigEndian.PutUint16(l[2:], p.dstPort)
		if p.proto == 6 {
			l[12], l[13] = 5<<4, p.tcpFlags
			binary.BigEndian.PutUint16(l[14:], 65535)
		} else {
			binary.BigEndian.PutUint16(l[4:], uint16(8+p.payload))
		}
		rec := make([]byte, 16)
		le.PutUint32(rec[0:], uint32(p.at.Unix()))
		le.PutUint32(rec[4:], uint32(p.at.Nanosecond()/1000))
		le.PutUint32(rec[8:], uint32(len(frame)))
		le.PutUint32(rec[12:], uint32(len(frame)))
		b.Write(rec)
		b.Write(frame)
	}
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
}

// exportWithSoftflowd has softflowd read the capture and export its flows as NetFlow v9 to addr.
//
// softflowd 1.1.0 reading a file may block accepting on its control socket before it reads the capture (its
// poll result for the socket is not reset in file mode; whether it blocks depends on the process's memory), so
// while it runs the test asks it for its statistics now and then, which lets it go on.
func exportWithSoftflowd(t *testing.T, pcap, addr string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "sf") // a control socket's path must be short
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctl := filepath.Join(dir, "ctl")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "softflowd", "-d", "-a", "-r", pcap, "-n", addr, "-v", "9", "-p", filepath.Join(dir, "pid"), "-c", ctl)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			require.NoError(t, err, "softflowd: %s", out.String())
			return
		case <-tick.C:
			if c, err := net.DialTimeout("unix", ctl, time.Second); err == nil {
				c.SetDeadline(time.Now().Add(time.Second))
				c.Write([]byte("statistics\n"))
				io.Copy(io.Discard, c)
				c.Close()
			}
		}
	}
}

type flowLogDescription struct {
	FlowLogs []struct {
		FlowLogId, DeliverLogsStatus, DeliverLogsErrorMessage, LogDestination, ResourceId string
	}
}

// TestFlowLogsIntoKMSBucketWithTheCLI is guide 5 with a real sensor: softflowd exports the flows of a capture
// as NetFlow v9 to seclake's collector; a flow log created with the aws CLI on the exporter's VPC delivers them to
// a bucket whose default encryption is a customer-managed key with the console's default key policy. Where AWS
// writes nothing and says "Access error", DescribeFlowLogs names the principal, the permission and the key, the
// files wait, and once the guide's key statement is added they arrive, readable and encrypted under the key.
func TestFlowLogsIntoKMSBucketWithTheCLI(t *testing.T) {
	requireTool(t, "softflowd")
	// The clock starts 3 to 4 minutes behind and moves at most 5 minutes, within SigV4's 5 minutes of skew.
	fake := clock.NewFake(time.Now().Add(-3 * time.Minute).Truncate(time.Minute))
	s := startServer(t, withClock(fake), withConfig(func(c *config.Config) {
		c.FlowListen = "127.0.0.1:0"
		c.FlowPublishInterval = config.Duration(time.Minute)
	}))
	collector := s.app.FlowCollector()
	require.NotNil(t, collector)
	const bucket = "vpc-flow-logs-111122223333"

	out, err := s.aws(t, "kms", "create-key", "--description", "flow logs")
	require.NoError(t, err)
	var key struct{ KeyMetadata struct{ KeyId, Arn string } }
	require.NoError(t, json.Unmarshal([]byte(out), &key))
	_, err = s.aws(t, "s3api", "create-bucket", "--bucket", bucket)
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"`+key.KeyMetadata.Arn+`"},"BucketKeyEnabled":true}]}`)
	require.NoError(t, err)

	// The exporter sends from 127.0.0.1: its VPC is vpc-7f000001.
	out, err = s.aws(t, "ec2", "create-flow-logs", "--resource-type", "VPC", "--resource-ids", "vpc-7f000001",
		"--traffic-type", "ALL", "--log-destination-type", "s3", "--log-destination", "arn:aws:s3:::"+bucket+"/guide5",
		"--max-aggregation-interval", "60")
	require.NoError(t, err)
	var created struct {
		FlowLogIds   []string
		Unsuccessful []any
	}
	require.NoError(t, json.Unmarshal([]byte(out), &created))
	require.Len(t, created.FlowLogIds, 1, out)
	require.Empty(t, created.Unsuccessful)
	id := created.FlowLogIds[0]

	// CreateFlowLogs gave the bucket AWS's log-delivery statements, as AWS does.
	out, err = s.aws(t, "s3api", "get-bucket-policy", "--bucket", bucket)
	require.NoError(t, err)
	require.Contains(t, out, "AWSLogDeliveryWrite")
	require.Contains(t, out, "delivery.logs.amazonaws.com")

	// A TCP connection (handshake, data, FIN) and a DNS query, a few seconds ago on the server's clock.
	at := fake.Now().Add(-10 * time.Second)
	client, web, dns := netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.2.9"), netip.MustParseAddr("10.0.0.2")
	pkts := []packet{
		{at: at, src: client, dst: web, srcPort: 44321, dstPort: 443, proto: 6, tcpFlags: 0x02},
		{at: at.Add(10 * time.Millisecond), src: client, dst: web, srcPort: 44321, dstPort: 443, proto: 6, tcpFlags: 0x10},
		{at: at.Add(20 * time.Millisecond), src: client, dst: web, srcPort: 44321, dstPort: 443, proto: 6, tcpFlags: 0x18, payload: 517},
		{at: at.Add(2 * time.Second), src: client, dst: web, srcPort: 44321, dstPort: 443, proto: 6, tcpFlags: 0x11},
		{at: at.Add(3 * time.Second), src: client, dst: dns, srcPort: 53000, dstPort: 53, proto: 17, payload: 40},
	}
	pcap := filepath.Join(t.TempDir(), "capture.pcap")
	writePcap(t, pcap, pkts)
	_, before, _ := collector.Stats()
	exportWithSoftflowd(t, pcap, collector.Addr().String())
	require.Eventually(t, func() bool { _, n, _ := collector.Stats(); return n >= before+2 }, 10*time.Second, 10*time.Millisecond,
		"the collector did not receive softflowd's flows")

	describe := func() flowLogDescription {
		out, err := s.aws(t, "ec2", "describe-flow-logs", "--flow-log-ids", id)
		require.NoError(t, err)
		var d flowLogDescription
		require.NoError(t, json.Unmarshal([]byte(out), &d))
		require.Len(t, d.FlowLogs, 1)
		return d
	}
	// The window closes, the file is published and its delivery refused by the key policy.
	var d flowLogDescription
	for range 18 {
		fake.Advance(10 * time.Second)
		time.Sleep(50 * time.Millisecond)
		if d = describe(); d.FlowLogs[0].DeliverLogsStatus == "FAILED" {
			break
		}
	}
	fl := d.FlowLogs[0]
	require.Equal(t, "FAILED", fl.DeliverLogsStatus, "delivery did not fail on the key policy:\n%s", s.logs.String())
	require.Contains(t, fl.DeliverLogsErrorMessage, "delivery.logs.amazonaws.com")
	require.Contains(t, fl.DeliverLogsErrorMessage, "kms:GenerateDataKey")
	require.Contains(t, fl.DeliverLogsErrorMessage, key.KeyMetadata.KeyId)
	require.Contains(t, fl.DeliverLogsErrorMessage, "held")
	c := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	require.Empty(t, listKeys(t, c, bucket, "guide5/"), "nothing is written while the key refuses")

	// The guide's fix: the console's default key policy plus the statement for log delivery.
	policy := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"Allow Logs Delivery to use the key","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},
	  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
	  "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:111122223333:*"}}}]}`
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key.KeyMetadata.KeyId, "--policy-name", "default", "--policy", policy)
	require.NoError(t, err)
	var keys []string
	for range 12 {
		fake.Advance(10 * time.Second)
		time.Sleep(50 * time.Millisecond)
		if keys = listKeys(t, c, bucket, "guide5/"); len(keys) > 0 {
			break
		}
	}
	require.Len(t, keys, 1, "the held file was not delivered once the key allowed it:\n%s", s.logs.String())
	k := keys[0]
	require.True(t, strings.HasPrefix(k, "guide5/AWSLogs/111122223333/vpcflowlogs/us-east-1/"), k)
	require.True(t, strings.HasSuffix(k, ".log.gz"), k)
	require.Contains(t, k, "111122223333_vpcflowlogs_us-east-1_"+id+"_")
	require.Equal(t, "SUCCESS", describe().FlowLogs[0].DeliverLogsStatus)

	obj, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
	require.NoError(t, err)
	defer obj.Body.Close()
	require.Equal(t, "aws:kms", string(obj.ServerSideEncryption))
	require.Equal(t, key.KeyMetadata.Arn, aws.ToString(obj.SSEKMSKeyId))
	lines := gunzipLines(t, obj.Body)
	require.Equal(t, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", lines[0])
	byPort := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		require.Len(t, f, 14, l)
		require.Equal(t, []string{"2", "111122223333"}, f[:2], l)
		require.True(t, strings.HasPrefix(f[2], "eni-7f000001"), l)
		require.Equal(t, []string{"ACCEPT", "OK"}, f[12:], l)
		byPort[f[6]] = f
	}
	https := byPort["443"]
	require.NotNil(t, https, "no record of the HTTPS flow in:\n%s", strings.Join(lines, "\n"))
	require.Equal(t, []string{"10.0.1.5", "10.0.2.9", "44321", "443", "6", "4", "677"}, https[3:10])
	require.Equal(t, at.Unix(), atoi64(t, https[10]))
	require.Equal(t, at.Add(2*time.Second).Unix(), atoi64(t, https[11]))
	dnsRec := byPort["53"]
	require.NotNil(t, dnsRec, "no record of the DNS flow in:\n%s", strings.Join(lines, "\n"))
	require.Equal(t, []string{"10.0.1.5", "10.0.0.2", "53000", "53", "17", "1", "68"}, dnsRec[3:10])

	// The key's use by the log-delivery service is on the audit trail.
	out, err = s.aws(t, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GenerateDataKey")
	require.NoError(t, err)
	require.Contains(t, out, "delivery.logs.amazonaws.com")

	// Deleted, the flow log is gone from the description; its files stay.
	_, err = s.aws(t, "ec2", "delete-flow-logs", "--flow-log-ids", id)
	require.NoError(t, err)
	out, err = s.aws(t, "ec2", "describe-flow-logs")
	require.NoError(t, err)
	require.NotContains(t, out, id)
}

// gunzipLines reads a gzip stream of text lines.
func gunzipLines(t *testing.T, r io.Reader) []string {
	t.Helper()
	zr, err := gzip.NewReader(r)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

func atoi64(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}
