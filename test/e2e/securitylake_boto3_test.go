package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSecurityLakeBoto3EveryOperation drives every Security Lake operation through boto3 (and its paginators)
// against the server: lakes in three regions, provisioned by the job, then sources, custom sources,
// subscribers and their roles and queues, notifications, tags, exception subscriptions, the organization
// configuration, the delegated administrator, and deletion (testdata/securitylake_boto3.py checks each answer).
func TestSecurityLakeBoto3EveryOperation(t *testing.T) {
	s := startServer(t, withConfig(unlimitedLake)) // a script's burst of every operation, not the rate limit
	role := createMetaStoreRole(t, s)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os
sl = boto3.client("securitylake", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
r = sl.create_data_lake(configurations=[{"region": r} for r in ("us-east-1", "eu-west-1", "us-west-2")],
                        metaStoreManagerRoleArn="`+role+`", tags=[{"key": "k", "value": "v"}])
assert [l["createStatus"] for l in r["dataLakes"]] == ["INITIALIZED"] * 3, r
print("OK")`)
	require.NoError(t, err)
	require.Equal(t, "OK\n", out)
	_, err = s.app.SecurityLake().Provision(context.Background())
	require.NoError(t, err)

	script, err := os.ReadFile("testdata/securitylake_boto3.py")
	require.NoError(t, err)
	out, err = s.python(t, testKeyID, testSecret, "import os\nos.environ['ACCOUNT']='"+testAccount+"'\n"+string(script))
	require.NoError(t, err)
	require.Equal(t, "OK\n", out)
}
