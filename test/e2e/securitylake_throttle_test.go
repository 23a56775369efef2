package e2e

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// throttleScript calls ListDataLakes with boto3 without retries until a call is refused, printing the refusal as
// botocore parsed it, then makes calls with botocore's standard retries, printing how many retries they took.
const throttleScript = `
import boto3, botocore.config, botocore.exceptions, json, os
ep = os.environ["ENDPOINT"]
def client(attempts):
    return boto3.client("securitylake", endpoint_url=ep, region_name="us-east-1",
        config=botocore.config.Config(retries={"max_attempts": attempts, "mode": "standard"}))
once, out = client(1), {}
for i in range(20):
    try:
        once.list_data_lakes()
    except botocore.exceptions.ClientError as e:
        r = e.response
        out = {"code": r["Error"]["Code"], "message": r["Error"]["Message"], "status": r["ResponseMetadata"]["HTTPStatusCode"],
            "retryAfter": r["ResponseMetadata"]["HTTPHeaders"].get("retry-after"), "retryAfterSeconds": r.get("retryAfterSeconds"),
            "serviceCode": r.get("serviceCode"), "quotaCode": r.get("quotaCode"), "accepted": i}
        break
retrying, retries = client(10), 0
for i in range(5):
    retries += retrying.list_data_lakes()["ResponseMetadata"]["RetryAttempts"]
out["retries"] = retries
print(json.dumps(out))
`

// TestSecurityLakeThrottling sets a small per-account rate (1 call/s, bursts of 3): boto3 sees the fourth call of
// a burst refused with 429 ThrottlingException, Retry-After (bound to retryAfterSeconds), serviceCode and
// quotaCode, and botocore's standard retries carry later calls through.
func TestSecurityLakeThrottling(t *testing.T) {
	requireTool(t, "python3")
	s := startServer(t, withConfig(func(c *config.Config) { c.SecurityLake.RateLimit, c.SecurityLake.Burst = 1, 3 }))
	out, err := s.python(t, testKeyID, testSecret, throttleScript)
	require.NoError(t, err)
	var got struct {
		Code, Message, RetryAfter, ServiceCode, QuotaCode string
		Status, RetryAfterSeconds, Accepted, Retries      int
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Equal(t, "ThrottlingException", got.Code)
	require.Equal(t, 429, got.Status)
	require.Equal(t, 3, got.Accepted, "the burst passes, the next call is refused")
	require.Equal(t, "1", got.RetryAfter)
	require.Equal(t, 1, got.RetryAfterSeconds)
	require.Equal(t, "securitylake", got.ServiceCode)
	require.NotEmpty(t, got.QuotaCode)
	require.Contains(t, got.Message, "securityLake.rateLimit")
	require.Positive(t, got.Retries, "botocore retried the throttled calls")
}

// unlimitedLake lifts the Security Lake API's rate limit, for tests and benchmarks that call it faster than a
// person would.
func unlimitedLake(c *config.Config) { c.SecurityLake.RateLimit = -1 }
