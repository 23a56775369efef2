package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// withoutStatement is a key policy without the statement whose Sid is sid.
func withoutStatement(t *testing.T, doc, sid string) string {
	t.Helper()
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &p))
	var kept []any
	for _, st := range p["Statement"].([]any) {
		if s, _ := st.(map[string]any)["Sid"].(string); s != sid {
			kept = append(kept, st)
		}
	}
	require.Len(t, kept, len(p["Statement"].([]any))-1, "no statement %q", sid)
	p["Statement"] = kept
	b, err := json.Marshal(p)
	require.NoError(t, err)
	return string(b)
}

// TestSecurityLakeGuideReplicationStatement removes the guide's replication-role statement ("AWS:" typo
// corrected) from the rollup region's key policy, with the aws CLI, and puts it back: the contributing lake
// (ap-northeast-3) replicates to the rollup lake (ap-northeast-1) under the guide's key policies; without the
// statement a new data file of ap-northeast-3 does not replicate — head-object shows replication FAILED in the
// source, the rollup bucket has no such object, and `seclake lake doctor` fails the replication role's path to
// the rollup key naming the role, the action and the statement that fixes it, and a data lake exception of
// ap-northeast-3 says the same within seconds — the source object is kept;
// with the statement back (no re-upload) the same version replicates, COMPLETED in the source and REPLICA under
// the rollup key in ap-northeast-1, and the doctor is healthy.
func TestSecurityLakeGuideReplicationStatement(t *testing.T) {
	requireTool(t, "aws")
	requireTool(t, "python3")
	s := startServer(t, withConfig(shortFlush))
	g := newGuide(t, s)
	for _, region := range []string{rollupRegion, contribRegion} {
		var key struct{ KeyMetadata struct{ Arn string } }
		out := g.must(t, region, "kms", "create-key", "--policy", g.fixedKeyPolicy(region, ""))
		require.NoError(t, json.Unmarshal([]byte(out), &key))
		g.keys[region] = key.KeyMetadata.Arn
		extra := ""
		if region == contribRegion {
			extra = `,"replicationConfiguration":{"regions":["` + rollupRegion + `"],"roleArn":"` + g.replRole + `"}`
		}
		g.lakes(t, region, "update-data-lake", "--configurations",
			`[{"encryptionConfiguration":{"kmsKeyId":"`+key.KeyMetadata.Arn+`"},"region":"`+region+`"`+extra+`}]`)
		g.provision(t)
		for _, l := range g.lakes(t, region, "list-data-lakes", "--regions", region).DataLakes {
			require.Equal(t, "COMPLETED", l.UpdateStatus.Status, region)
		}
	}
	putRollupPolicy := func(doc string) {
		t.Helper()
		g.must(t, rollupRegion, "kms", "put-key-policy", "--key-id", g.keys[rollupRegion], "--policy-name", "default", "--policy", doc)
	}
	env := append(cliEnv(g.adminKeys[0], g.adminKeys[1], g.adminKeys[2]), "AWS_ENDPOINT_URL="+s.URL)
	replicate := func() {
		t.Helper()
		_, err := s.app.Objects().RunReplication(context.Background())
		require.NoError(t, err)
	}

	// The rollup key without the replication role's statement: the new file does not replicate, and is kept.
	putRollupPolicy(withoutStatement(t, g.fixedKeyPolicy(rollupRegion, ""), sidReplication))
	file := ingestGuideFile(t, g, contribRegion)
	src := headObject(t, g, contribRegion, g.buckets[contribRegion], file)
	require.Eventually(t, func() bool {
		replicate()
		src = headObject(t, g, contribRegion, g.buckets[contribRegion], file)
		return src.ReplicationStatus == "FAILED"
	}, 60*time.Second, 500*time.Millisecond, "replication status %q, want FAILED", src.ReplicationStatus)
	_, err := g.as(t, rollupRegion, "s3api", "head-object", "--bucket", g.buckets[rollupRegion], "--key", file)
	require.ErrorContains(t, err, "Not Found", "nothing reaches the rollup bucket")
	out, code := runSeclakeEnv(t, env, "lake", "doctor", "--region", contribRegion)
	require.Equal(t, 1, code, out)
	for _, want := range []string{"FAIL  Replication role → rollup key (ap-northeast-1)", "AmazonSecurityLakeS3ReplicationRole",
		"kms:GenerateDataKey", g.keys[rollupRegion], `"Sid":"Allow SecurityLake ReplicationRole To Use The Key"`} {
		require.Contains(t, out, want)
	}
	require.Contains(t, out, "OK    Replication role → lake key", "the contributing key still lets the role decrypt")
	var exc []struct{ Exception, Remediation string }
	require.Eventually(t, func() bool {
		var l struct {
			Exceptions []struct{ Exception, Remediation string }
		}
		out := g.must(t, contribRegion, "securitylake", "list-data-lake-exceptions", "--regions", contribRegion)
		require.NoError(t, json.Unmarshal([]byte(out), &l), out)
		exc = exc[:0]
		for _, e := range l.Exceptions {
			if strings.Contains(e.Exception, "cannot replicate") {
				exc = append(exc, e)
			}
		}
		return len(exc) > 0
	}, 30*time.Second, 500*time.Millisecond, "no data lake exception for the replication")
	require.Len(t, exc, 1, "one exception for the cause, not one per object")
	for _, want := range []string{g.buckets[contribRegion], "AmazonSecurityLakeS3ReplicationRole", "kms:GenerateDataKey", g.keys[rollupRegion]} {
		require.Contains(t, exc[0].Exception, want)
	}
	require.Contains(t, exc[0].Remediation, "Allow SecurityLake ReplicationRole To Use The Key")
	require.Equal(t, g.keys[contribRegion], src.SSEKMSKeyId, "the source object is kept, under its key")

	// The statement back: the same version replicates on its retry, without a new upload.
	putRollupPolicy(g.fixedKeyPolicy(rollupRegion, ""))
	require.Eventually(t, func() bool {
		replicate()
		src = headObject(t, g, contribRegion, g.buckets[contribRegion], file)
		return src.ReplicationStatus == "COMPLETED"
	}, 120*time.Second, 500*time.Millisecond, "replication status %q, want COMPLETED", src.ReplicationStatus)
	replica := headObject(t, g, rollupRegion, g.buckets[rollupRegion], file)
	require.Equal(t, "REPLICA", replica.ReplicationStatus)
	require.Equal(t, g.keys[rollupRegion], replica.SSEKMSKeyId)
	out, code = runSeclakeEnv(t, env, "lake", "doctor", "--region", contribRegion)
	require.Equal(t, 0, code, out)
}
