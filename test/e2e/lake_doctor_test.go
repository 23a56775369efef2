package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// doctorAnswer is `seclake lake doctor --json`.
type doctorAnswer struct {
	Failed int
	Checks []struct {
		Path, Principal, Action, Resource, Reason, FixPolicy, Fix string
		OK                                                        bool
	}
}

// TestLakeDoctor: `seclake lake doctor` on a healthy lake (a KMS key, a subscriber with an SQS queue, an ingest
// location) reports every path OK and exits 0; with the Security Lake statement removed from the key policy it
// exits 1 and names the missing statement, the principal, the action and the key policy it goes into; the
// statement it prints, pasted back into the key policy, makes every check OK again.
func TestLakeDoctor(t *testing.T) {
	requireTool(t, "aws")
	requireTool(t, "python3")
	s := startServer(t)
	_, role, _ := lakeWithSubscriber(t, s, "ext-doctor")
	subscriberKey := `{"Sid":"Allow Subscriber Role To Use The Key","Effect":"Allow","Principal":{"AWS":"` + role + `"},"Action":"kms:Decrypt","Resource":"*"}`
	key := createKey(t, s, plus(keyPolicy(lakeKeyAdmin, lakeKeyService), subscriberKey))
	_, err := s.aws(t, "securitylake", "update-data-lake", "--configurations", `[{"region":"us-east-1","encryptionConfiguration":{"kmsKeyId":"`+key+`"}}]`)
	require.NoError(t, err)
	_, err = s.app.SecurityLake().Provision(t.Context())
	require.NoError(t, err)
	require.Equal(t, "COMPLETED", s.lakes(t, "list-data-lakes").DataLakes[0].UpdateStatus.Status)

	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	doctor := func() (string, int, doctorAnswer) {
		t.Helper()
		text, code := runSeclakeEnv(t, env, "lake", "doctor", "--region", "us-east-1")
		out, jcode := runSeclakeEnv(t, env, "lake", "doctor", "--region", "us-east-1", "--json")
		require.Equal(t, code, jcode)
		var a doctorAnswer
		require.NoError(t, json.Unmarshal([]byte(out), &a), out)
		return text, code, a
	}
	text, code, a := doctor()
	require.Equal(t, 0, code, text)
	require.Zero(t, a.Failed)
	for _, c := range a.Checks {
		require.True(t, c.OK, "%s: %s", c.Path, c.Reason)
	}
	for _, want := range []string{"Security Lake → lake bucket", "Security Lake → lake key", "Subscriber siem → aws/VPC_FLOW/2.0/",
		"Subscriber siem → lake key", "Subscriber siem queue", "Security Lake → ingest location s3://raw-logs/"} {
		require.Contains(t, text, "OK    "+want, "no check of %s", want)
	}
	require.Contains(t, text, "checks of the data lake in us-east-1, 0 failed.")

	// The Security Lake statement removed: doctor names it, and where it goes.
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key, "--policy-name", "default", "--policy", plus(keyPolicy(lakeKeyAdmin), subscriberKey))
	require.NoError(t, err)
	text, code, a = doctor()
	require.Equal(t, 1, code, text)
	require.Equal(t, 2, a.Failed, "kms:GenerateDataKey and kms:Decrypt")
	var fix string
	for _, c := range a.Checks {
		if c.OK {
			continue
		}
		require.Equal(t, "Security Lake → lake key", c.Path)
		require.Equal(t, "the key policy of "+key, c.FixPolicy)
		require.Contains(t, c.Reason, "AWSServiceRoleForSecurityLakeResourceManagement")
		require.Contains(t, c.Fix, `"Sid":"Allow SLR"`)
		fix = c.Fix
	}
	require.Contains(t, text, "FAIL  Security Lake → lake key: arn:aws:sts::"+testAccount+
		":assumed-role/AWSServiceRoleForSecurityLakeResourceManagement/SecurityLakeResourceManagement may kms:GenerateDataKey on "+key)
	require.Contains(t, text, "fix: add to the key policy of "+key+":")

	// The statement doctor printed, pasted back: healthy again.
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key, "--policy-name", "default", "--policy", plus(keyPolicy(lakeKeyAdmin), subscriberKey, fix))
	require.NoError(t, err)
	text, code, a = doctor()
	require.Equal(t, 0, code, text)
	require.Zero(t, a.Failed)
}

// plus adds statements, as they are, to a policy document.
func plus(doc string, stmts ...string) string {
	return strings.TrimSuffix(doc, "]}") + "," + strings.Join(stmts, ",") + "]}"
}
