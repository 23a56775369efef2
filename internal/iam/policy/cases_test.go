package policy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam/policy"
)

// evalCase is one evaluation case of testdata/cases/*.json. The cases are data so that another test can
// replay the same ones through `aws iam simulate-custom-policy` against a running server: Identity maps to
// --policy-input-list, Boundary to --permissions-boundary-policy-input-list, Resource to --resource-policy,
// ResourceAccount to --resource-owner, the principal's ARN to --caller-arn, Context to --context-entries
// (Session and SCPs have no simulate-custom-policy equivalent).
type evalCase struct {
	Name string `json:"name"`
	// Rule cites the AWS rule the case checks.
	Rule                  string              `json:"rule"`
	Identity              []json.RawMessage   `json:"identity,omitempty"`
	Resource              json.RawMessage     `json:"resource,omitempty"`
	ResourceKind          string              `json:"resourceKind,omitempty"` // "resource" (default), "key", "trust"
	ResourceAccount       string              `json:"resourceAccount,omitempty"`
	Boundary              []json.RawMessage   `json:"boundary,omitempty"`
	Session               []json.RawMessage   `json:"session,omitempty"`
	SCPs                  [][]json.RawMessage `json:"scps,omitempty"`
	RequireResourcePolicy bool                `json:"requireResourcePolicy,omitempty"`
	Principal             principalSpec       `json:"principal"`
	Action                string              `json:"action"`
	ResourceARN           string              `json:"resourceArn"`
	Context               map[string]any      `json:"context,omitempty"`
	Expect                expectation         `json:"expect"`
}

// principalSpec names the caller: exactly one of User, Root, Role (with Session), Service, Federated,
// WebIdentity or Anonymous.
type principalSpec struct {
	User        string `json:"user,omitempty"`
	ID          string `json:"id,omitempty"`
	Root        string `json:"root,omitempty"`
	Role        string `json:"role,omitempty"`
	RoleID      string `json:"roleId,omitempty"`
	Session     string `json:"session,omitempty"`
	Service     string `json:"service,omitempty"`
	Federated   string `json:"federated,omitempty"`
	Name        string `json:"name,omitempty"`
	WebIdentity string `json:"webIdentity,omitempty"`
	Anonymous   bool   `json:"anonymous,omitempty"`
}

type expectation struct {
	// Decision is "allowed", "explicitDeny" or "implicitDeny" (IAM's EvalDecision).
	Decision       string   `json:"decision"`
	Matched        []string `json:"matched,omitempty"` // "identity[0][1]", "resource[2]", "scp[0][0][1]", …
	Missing        []string `json:"missing,omitempty"`
	Cause          string   `json:"cause,omitempty"`
	ReasonContains []string `json:"reasonContains,omitempty"`
}

func (ps principalSpec) principal() policy.Principal {
	switch {
	case ps.User != "":
		return policy.UserPrincipal(ps.User, ps.ID)
	case ps.Root != "":
		return policy.RootPrincipal(ps.Root)
	case ps.Role != "":
		return policy.SessionPrincipal(ps.Role, ps.RoleID, ps.Session)
	case ps.Service != "":
		return policy.ServicePrincipal(ps.Service)
	case ps.Federated != "":
		return policy.FederatedUserPrincipal(ps.Federated, ps.Name)
	case ps.WebIdentity != "":
		return policy.Principal{Type: policy.WebIdentity, Provider: ps.WebIdentity}
	}
	return policy.Principal{Type: policy.Anonymous}
}

func mustParse(t *testing.T, doc []byte, k policy.Kind) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(doc, k)
	require.NoError(t, err, "parse %s policy: %s", k, doc)
	return p
}

func mustParseAll(t *testing.T, docs []json.RawMessage, k policy.Kind) []*policy.Policy {
	t.Helper()
	if docs == nil {
		return nil
	}
	out := make([]*policy.Policy, 0, len(docs))
	for _, d := range docs {
		out = append(out, mustParse(t, d, k))
	}
	return out
}

func (c *evalCase) input(t *testing.T) policy.Input {
	t.Helper()
	in := policy.Input{
		Request: policy.Request{
			Principal: c.Principal.principal(),
			Action:    c.Action,
			Resource:  c.ResourceARN,
		},
		Identity:              mustParseAll(t, c.Identity, policy.Identity),
		Boundary:              mustParseAll(t, c.Boundary, policy.Boundary),
		Session:               mustParseAll(t, c.Session, policy.Session),
		ResourceAccount:       c.ResourceAccount,
		RequireResourcePolicy: c.RequireResourcePolicy,
	}
	for _, level := range c.SCPs {
		in.SCPs = append(in.SCPs, mustParseAll(t, level, policy.SCP))
	}
	if c.Resource != nil {
		kind := map[string]policy.Kind{"": policy.Resource, "resource": policy.Resource, "key": policy.KeyPolicy,
			"trust": policy.Trust}[c.ResourceKind]
		in.Resource = mustParse(t, c.Resource, kind)
	}
	for k, v := range c.Context {
		switch v := v.(type) {
		case string:
			in.Request.Context.Set(k, v)
		case []any:
			vals := make([]string, 0, len(v))
			for _, e := range v {
				vals = append(vals, fmt.Sprint(e))
			}
			in.Request.Context.Set(k, vals...)
		default:
			t.Fatalf("context %s: want a string or an array, have %T", k, v)
		}
	}
	return in
}

func matchString(m policy.Match) string {
	switch m.Source {
	case policy.SourceResource:
		return fmt.Sprintf("resource[%d]", m.Statement)
	case policy.SourceSCP:
		return fmt.Sprintf("scp[%d][%d][%d]", m.Level, m.Policy, m.Statement)
	}
	return fmt.Sprintf("%s[%d][%d]", m.Source, m.Policy, m.Statement)
}

func loadCases(t *testing.T) map[string][]evalCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]evalCase{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var cases []evalCase
		require.NoError(t, json.Unmarshal(raw, &cases), f)
		out[filepath.Base(f)] = cases
	}
	return out
}

// TestEvaluateCases runs every case of testdata/cases. Each case's "rule" names the AWS rule it checks.
func TestEvaluateCases(t *testing.T) {
	total := 0
	for file, cases := range loadCases(t) {
		for _, c := range cases {
			total++
			t.Run(strings.TrimSuffix(file, ".json")+"/"+c.Name, func(t *testing.T) {
				require.NotEmpty(t, c.Rule, "every case cites the rule it checks")
				in := c.input(t)
				d := policy.Evaluate(in)
				require.Equal(t, c.Expect.Decision, d.Effect.EvalDecision(), "reason: %s", d.Reason)
				require.Equal(t, d.Effect == policy.Allow, d.Allowed)
				if c.Expect.Matched != nil {
					got := []string{}
					for _, m := range d.Matched {
						got = append(got, matchString(m))
					}
					require.Equal(t, c.Expect.Matched, got, "matched statements")
				}
				if c.Expect.Missing != nil {
					require.ElementsMatch(t, c.Expect.Missing, d.MissingContextKeys, "missing context keys")
				}
				if c.Expect.Cause != "" {
					require.Equal(t, c.Expect.Cause, d.Cause.String(), "reason: %s", d.Reason)
				}
				for _, s := range c.Expect.ReasonContains {
					require.Contains(t, d.Reason, s)
				}
				require.NotEmpty(t, d.Reason)
			})
		}
	}
	require.Greater(t, total, 100, "the case tables shrank")
}
