package policy_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam/policy"
)

// normalize re-parses every policy of in from its normalized form.
func normalize(t *testing.T, in policy.Input) policy.Input {
	t.Helper()
	renorm := func(p *policy.Policy) *policy.Policy {
		if p == nil {
			return nil
		}
		return mustParse(t, []byte(p.Normalized()), p.Kind())
	}
	all := func(ps []*policy.Policy) []*policy.Policy {
		if ps == nil {
			return nil
		}
		out := make([]*policy.Policy, len(ps))
		for i, p := range ps {
			out[i] = renorm(p)
		}
		return out
	}
	in.Identity, in.Boundary, in.Session, in.Resource = all(in.Identity), all(in.Boundary), all(in.Session), renorm(in.Resource)
	var scps [][]*policy.Policy
	for _, level := range in.SCPs {
		scps = append(scps, all(level))
	}
	in.SCPs = scps
	return in
}

// TestNormalizedEvaluatesAlike checks that Normalized means what the source means: every case decides the
// same with its policies replaced by their normalized forms.
func TestNormalizedEvaluatesAlike(t *testing.T) {
	for file, cases := range loadCases(t) {
		for _, c := range cases {
			in := c.input(t)
			want := policy.Evaluate(in)
			got := policy.Evaluate(normalize(t, in))
			require.Equal(t, want.Effect, got.Effect, "%s/%s", file, c.Name)
			require.Equal(t, want.Matched, got.Matched, "%s/%s", file, c.Name)
			require.Equal(t, want.Reason, got.Reason, "%s/%s", file, c.Name)
		}
	}
}

func TestReasonUsesPolicyName(t *testing.T) {
	key := mustParse(t, []byte(`{"Id":"key-consolidated","Statement":[{"Sid":"NoDecrypt","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`), policy.KeyPolicy)
	bucket := mustParse(t, []byte(`{"Id":"Policy1","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`), policy.Resource)
	in := policy.Input{
		Request:  policy.Request{Principal: policy.RootPrincipal("111122223333"), Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111122223333:key/k"},
		Resource: key,
	}
	require.Equal(t, `explicitly denied by statement "NoDecrypt" in the key policy`, policy.Evaluate(in).Reason)
	in.Resource = bucket
	in.Request.Action = "s3:GetObject"
	require.Equal(t, `explicitly denied by statement #0 in the resource-based policy "Policy1"`, policy.Evaluate(in).Reason)
	bucket.Name = "bucket policy of logs"
	require.Equal(t, `explicitly denied by statement #0 in the bucket policy of logs`, policy.Evaluate(in).Reason)
	require.Equal(t, bucket, in.PolicyOf(policy.Evaluate(in).Matched[0]))
	require.Equal(t, policy.CauseExplicitDenyResource, policy.Evaluate(in).Cause)
}

func TestPrincipalConstructors(t *testing.T) {
	s := policy.SessionPrincipal("arn:aws:iam::111122223333:role/service-role/App", "AROAAPPEXAMPLE000001", "job-7")
	require.Equal(t, "arn:aws:sts::111122223333:assumed-role/App/job-7", s.ARN)
	require.Equal(t, "AROAAPPEXAMPLE000001:job-7", s.ID)
	require.Equal(t, "111122223333", s.Account)
	require.Equal(t, s.ARN, s.String())
	u := policy.UserPrincipal("arn:aws:iam::111122223333:user/division/bob", "AIDABOB")
	require.Equal(t, "bob", u.Name)
	f := policy.FederatedUserPrincipal("arn:aws:iam::111122223333:user/bob", "fed")
	require.Equal(t, "arn:aws:sts::111122223333:federated-user/fed", f.ARN)
	require.Equal(t, "service principal logs.amazonaws.com", policy.ServicePrincipal("logs.amazonaws.com").String())
	require.Equal(t, "anonymous", policy.Principal{}.String())
	require.Equal(t, "AssumedRole", policy.AssumedRole.String())
	require.Equal(t, "key", policy.KeyPolicy.String())
	require.Equal(t, "allowed", policy.Allow.EvalDecision())
	require.Equal(t, "Deny", policy.ExplicitDeny.String())
	require.Equal(t, "implicitDeny", policy.ImplicitDeny.EvalDecision())
}

// TestEvaluateConcurrent checks that a policy can be shared by concurrent evaluations: evaluating leaves
// no state behind.
func TestEvaluateConcurrent(t *testing.T) {
	cases := loadCases(t)["conditions.json"]
	inputs := make([]policy.Input, len(cases))
	want := make([]policy.Effect, len(cases))
	for i, c := range cases {
		inputs[i] = c.input(t)
		want[i] = policy.Evaluate(inputs[i]).Effect
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for round := 0; round < 50; round++ {
				for i := range inputs {
					if got := policy.Evaluate(inputs[i]).Effect; got != want[i] {
						t.Errorf("%s: got %s, want %s", cases[i].Name, got, want[i])
						return
					}
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestContextKeys(t *testing.T) {
	p := mustParse(t, []byte(`{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/Team}/${aws:username}/*"},`+
		`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:UserName":"x","s3:prefix":"${AWS:PrincipalTag/team}"},"Null":{"aws:TokenIssueTime":"true"}}}]}`), policy.Identity)
	require.Equal(t, []string{"aws:PrincipalTag/Team", "aws:username", "s3:prefix", "aws:TokenIssueTime"}, p.ContextKeys())
}
