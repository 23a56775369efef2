package ingest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
)

// TestEnqueueTwiceRowsOnce: the same object enqueued twice (a second notification) is ingested once.
func TestEnqueueTwiceRowsOnce(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(nil)
	ref := e.putFile("AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/01/111122223333_CloudTrail_us-east-1_20261201T1000Z_a.json",
		"../source/cloudtrail/testdata/management.json")
	n, err := s.Enqueue(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = s.Enqueue(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	drain(t, s)
	rows := e.rows("cloud_trail_mgmt")
	require.Positive(t, rows)
	n, err = s.Enqueue(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, 0, n, "a done object is not added again")
	drain(t, s)
	require.Equal(t, rows, e.rows("cloud_trail_mgmt"))
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.Len(t, st.Sources, 1)
	require.Equal(t, "cloudtrail", st.Sources[0].Source)
	require.EqualValues(t, 1, st.Sources[0].Done)
	require.EqualValues(t, 0, st.Sources[0].Queued)
	require.EqualValues(t, rows, st.Sources[0].Events)
}

// TestFlushByAge: buffered events wait for the flush age, then a run commits them.
func TestFlushByAge(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(func(cfg *ingest.Config) { cfg.Flush.MaxAge = 5 * time.Second })
	body, dataEvents := cloudTrail(t, "age", 0, 100)
	_, err := s.Enqueue(ctx, e.put(ctKey("age"), body))
	require.NoError(t, err)
	require.NoError(t, s.Run(ctx))
	require.Zero(t, e.rows("cloud_trail_mgmt"), "waiting in the buffer")
	e.clk.Advance(4 * time.Second)
	require.NoError(t, s.Run(ctx))
	require.Zero(t, e.rows("cloud_trail_mgmt"))
	e.clk.Advance(time.Second)
	require.NoError(t, s.Run(ctx))
	require.Equal(t, 100-dataEvents, e.rows("cloud_trail_mgmt"))
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, st.Done)
}

// TestLayouts: AWS's delivery layouts name the source, the account and the region.
func TestLayouts(t *testing.T) {
	for key, want := range map[string]ingest.Layout{
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2021/12/02/111122223333_CloudTrail_eu-west-1_20211202T2215Z_a.json.gz":  {Source: "cloudtrail", Account: "111122223333", Region: "eu-west-1"},
		"p/AWSLogs/o-abc123/111122223333/CloudTrail/us-east-2/2020/06/21/x.json.gz":                                        {Source: "cloudtrail", Account: "111122223333", Region: "us-east-2"},
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/x.json.gz":                                            {Account: "111122223333", Region: "us-east-2", Ignore: "a CloudTrail digest file holds no events"},
		"AWSLogs/111122223333/vpcflowlogs/ap-southeast-2/2024/01/01/111122223333_vpcflowlogs_ap-southeast-2_fl-1_x.log.gz": {Source: "vpcflow", Account: "111122223333", Region: "ap-southeast-2"},
		"AWSLogs/111122223333/vpcdnsquerylogs/vpc-0abc/2024/01/01/x.log.gz":                                                {Source: "route53", Account: "111122223333"},
		"AWSLogs/111122223333/WAFLogs/us-east-1/acl/2024/01/01/00/00/x.log.gz":                                             {Source: "waf", Account: "111122223333", Region: "us-east-1"},
		"AWSLogs/111122223333/WAFLogs/cloudfront/acl/2024/01/01/00/00/x.log.gz":                                            {Source: "waf", Account: "111122223333"},
		"AWSLogs/111122223333/network-firewall/alert/us-west-2/fw/2024/01/01/00/x.log.gz":                                  {Source: "networkfirewall", Account: "111122223333", Region: "us-west-2"},
		"AWSLogs/111122223333/GuardDuty/us-east-1/2024/01/01/x.jsonl.gz":                                                   {Source: "guardduty", Account: "111122223333", Region: "us-east-1"},
		"exports/eks/kube-apiserver-audit-0123abcd/000000.gz":                                                              {Source: "eksaudit"},
		"exports/SecurityHub/findings-2024-01-01.json":                                                                     {Source: "securityhub"},
		"suricata/eve.json": {Source: "suricata"},
		"random/file.log":   {},
		"AWSLogs/notanaccount/CloudTrail/us-east-1/x.json": {},
	} {
		require.Equal(t, want, ingest.DetectLayout(key), key)
	}
}
