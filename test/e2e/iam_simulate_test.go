package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam/iamtest"
)

// TestPolicyCasesThroughSimulateCustomPolicy replays the policy engine's evaluation cases
// (internal/iam/policy/testdata/cases) through simulate-custom-policy, with boto3 in one script.
func TestPolicyCasesThroughSimulateCustomPolicy(t *testing.T) {
	s := startServer(t)
	cases, err := iamtest.Load(filepath.Join("..", "..", "internal", "iam", "policy", "testdata", "cases"))
	require.NoError(t, err)
	var sims []*iamtest.Simulation
	var run []iamtest.Case
	skipped := map[string]int{}
	for _, c := range cases {
		sim, why := c.Simulation()
		if why != "" {
			skipped[why]++
			continue
		}
		sims, run = append(sims, sim), append(run, c)
	}
	require.Greater(t, len(run), 150, "too few cases can be simulated")
	t.Logf("simulating %d of %d cases; skipped: %v", len(run), len(cases), skipped)

	requests := filepath.Join(t.TempDir(), "requests.json")
	raw, err := json.Marshal(sims)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(requests, raw, 0o600))
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, json, os
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"])
results = []
for req in json.load(open("`+requests+`")):
    r = iam.simulate_custom_policy(**req)["EvaluationResults"][0]
    results.append({"decision": r["EvalDecision"], "missing": r.get("MissingContextValues", []),
                    "matched": [m["SourcePolicyId"] for m in r.get("MatchedStatements", [])]})
print(json.dumps(results))
`)
	require.NoError(t, err)
	var results []struct {
		Decision string
		Missing  []string
		Matched  []string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &results))
	require.Len(t, results, len(run))
	for i, c := range run {
		r := results[i]
		require.Equal(t, c.Expect.Decision, r.Decision, "%s (%s)", c.Name, c.Rule)
		if c.Expect.Missing != nil {
			require.ElementsMatch(t, c.Expect.Missing, r.Missing, c.Name)
		}
		if r.Decision == "explicitDeny" {
			require.NotEmpty(t, r.Matched, "%s: an explicit deny names its statements", c.Name)
		}
	}
}

// TestSimulatePolicyWithTheCLI is what a person types to test a policy before trusting it.
func TestSimulatePolicyWithTheCLI(t *testing.T) {
	s := startServer(t)
	out, err := s.aws(t, "iam", "simulate-custom-policy",
		"--policy-input-list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`,
		"--action-names", "s3:GetObject", "s3:PutObject", "--resource-arns", "arn:aws:s3:::lake/x.parquet",
		"--context-entries", "ContextKeyName=aws:SourceIp,ContextKeyValues=203.0.113.7,ContextKeyType=ip")
	require.NoError(t, err)
	var res struct {
		EvaluationResults []struct {
			EvalActionName, EvalDecision string
			MatchedStatements            []struct {
				SourcePolicyId, SourcePolicyType string
				StartPosition                    struct{ Line, Column int }
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Len(t, res.EvaluationResults, 2)
	get, put := res.EvaluationResults[0], res.EvaluationResults[1]
	require.Equal(t, "allowed", get.EvalDecision)
	require.Equal(t, "PolicyInputList.1", get.MatchedStatements[0].SourcePolicyId)
	require.Equal(t, "IAM Policy", get.MatchedStatements[0].SourcePolicyType)
	require.Equal(t, 1, get.MatchedStatements[0].StartPosition.Line)
	require.Equal(t, "implicitDeny", put.EvalDecision)

	// A user's own policies, with SimulatePrincipalPolicy.
	userWithPolicy(t, s.rootConfig(), "analyst", "")
	_, err = iam.NewFromConfig(s.rootConfig()).PutUserPolicy(context.Background(), &iam.PutUserPolicyInput{UserName: aws.String("analyst"),
		PolicyName: aws.String("read-lake"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	require.NoError(t, err)
	out, err = s.aws(t, "iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::"+testAccount+":user/analyst",
		"--action-names", "s3:GetObject", "iam:CreateUser")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "allowed", res.EvaluationResults[0].EvalDecision)
	require.Equal(t, "read-lake", res.EvaluationResults[0].MatchedStatements[0].SourcePolicyId)
	require.Equal(t, "user", res.EvaluationResults[0].MatchedStatements[0].SourcePolicyType)
	require.Equal(t, "implicitDeny", res.EvaluationResults[1].EvalDecision)

	_, err = s.aws(t, "iam", "simulate-custom-policy", "--policy-input-list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`,
		"--action-names", "s3:GetObject")
	require.ErrorContains(t, err, "InvalidInput")
	require.ErrorContains(t, err, "PolicyInputList.1: Policy statement must contain resources.")
}
