package policy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam/policy"
)

// seedPolicies returns every policy document of the test data, with the kind it is parsed as.
func seedPolicies(f *testing.F) (docs [][]byte, kinds []policy.Kind) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var cases []evalCase
		if err := json.Unmarshal(raw, &cases); err != nil {
			f.Fatal(err)
		}
		for _, c := range cases {
			for _, d := range c.Identity {
				docs, kinds = append(docs, d), append(kinds, policy.Identity)
			}
			if c.Resource != nil {
				k := map[string]policy.Kind{"": policy.Resource, "resource": policy.Resource, "key": policy.KeyPolicy, "trust": policy.Trust}[c.ResourceKind]
				docs, kinds = append(docs, c.Resource), append(kinds, k)
			}
		}
	}
	scenario, err := os.ReadFile(filepath.Join("testdata", "scenarios", "security-lake-s3-key-as-written.json"))
	if err != nil {
		f.Fatal(err)
	}
	return append(docs, scenario), append(kinds, policy.KeyPolicy)
}

// FuzzParse checks that Parse never panics, and that what it accepts survives a round trip: the normalized
// form parses again, to the same normalized form, with the same statements.
func FuzzParse(f *testing.F) {
	docs, kinds := seedPolicies(f)
	for i, d := range docs {
		f.Add(d, uint8(kinds[i]))
	}
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"${*}${aws:x, 'd'}"}}`), uint8(policy.Identity))
	f.Fuzz(func(t *testing.T, doc []byte, kind uint8) {
		k := policy.Kind(kind % 7)
		p, err := policy.Parse(doc, k)
		if err != nil {
			var ve *policy.ValidationError
			require.ErrorAs(t, err, &ve)
			require.NotEmpty(t, ve.Message)
			require.Less(t, ve.Statement, len(doc)+1)
			return
		}
		require.Equal(t, string(doc), p.String())
		norm := p.Normalized()
		again, err := policy.Parse([]byte(norm), k)
		require.NoError(t, err, "normalized form of %q: %s", doc, norm)
		require.Equal(t, norm, again.Normalized())
		require.Equal(t, len(p.Statements), len(again.Statements))
		require.Equal(t, len(p.Principals()), len(again.Principals()))
		require.Equal(t, p.ContextKeys(), again.ContextKeys())
		for i := range p.Statements {
			a, b := p.Statements[i], again.Statements[i]
			require.Equal(t, a.Sid, b.Sid)
			require.Equal(t, a.Effect, b.Effect)
			require.Equal(t, a.Action, b.Action)
			require.Equal(t, a.NotAction, b.NotAction)
			require.Equal(t, a.Resource, b.Resource)
			require.Equal(t, a.NotResource, b.NotResource)
			require.Equal(t, len(a.Condition), len(b.Condition))
		}
	})
}

var fuzzPrincipals = []policy.Principal{
	policy.UserPrincipal("arn:aws:iam::111122223333:user/alice", "AIDAALICEEXAMPLE00001"),
	policy.SessionPrincipal("arn:aws:iam::111122223333:role/app", "AROAAPPEXAMPLE000001", "s1"),
	policy.SessionPrincipal("arn:aws:iam::444455556666:role/reader", "AROAREADEREXAMPLE001", "r1"),
	policy.RootPrincipal("111122223333"),
	policy.ServicePrincipal("delivery.logs.amazonaws.com"),
	policy.FederatedUserPrincipal("arn:aws:iam::111122223333:user/alice", "fed"),
	{Type: policy.Anonymous},
}

// FuzzEvaluate evaluates fuzzed policies against fuzzed requests and checks the decision's invariants:
// Allowed agrees with Effect, an explicit deny lists only Deny statements, every decision has a reason, the
// same input gives the same decision, and an identity policy that denies everything turns any decision for
// an account principal into an explicit deny.
func FuzzEvaluate(f *testing.F) {
	docs, kinds := seedPolicies(f)
	for i, d := range docs {
		f.Add(d, uint8(kinds[i]), uint8(i), "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k", "aws:SourceAccount", "111122223333")
	}
	f.Fuzz(func(t *testing.T, doc []byte, kind, who uint8, action, resource, key, value string) {
		k := policy.Kind(kind % 7)
		p, err := policy.Parse(doc, k)
		if err != nil {
			return
		}
		in := policy.Input{Request: policy.Request{
			Principal: fuzzPrincipals[int(who)%len(fuzzPrincipals)],
			Action:    action,
			Resource:  resource,
		}}
		in.Request.Context.Set(key, value)
		switch k {
		case policy.Resource, policy.KeyPolicy, policy.Trust:
			in.Resource, in.ResourceAccount = p, "111122223333"
			in.RequireResourcePolicy = k != policy.Resource
		case policy.Boundary:
			in.Boundary = []*policy.Policy{p}
		case policy.Session:
			in.Session = []*policy.Policy{p}
		case policy.SCP:
			in.SCPs = [][]*policy.Policy{{p}}
		default:
			in.Identity = []*policy.Policy{p}
		}
		d := policy.Evaluate(in)
		require.Equal(t, d.Effect == policy.Allow, d.Allowed)
		require.NotEmpty(t, d.Reason)
		if d.Effect == policy.ExplicitDeny {
			require.NotEmpty(t, d.Matched)
			for _, m := range d.Matched {
				require.Equal(t, policy.Deny, m.Effect)
				require.NotNil(t, in.PolicyOf(m))
			}
		}
		require.Equal(t, d, policy.Evaluate(in))

		denyAll, err := policy.Parse([]byte(`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`), policy.Identity)
		require.NoError(t, err)
		principal := in.Request.Principal
		if principal.Type != policy.Service && principal.Type != policy.Anonymous {
			in.Identity = append(in.Identity, denyAll)
			require.Equal(t, policy.ExplicitDeny, policy.Evaluate(in).Effect)
		}
	})
}
