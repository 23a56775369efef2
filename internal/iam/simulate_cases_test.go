package iam

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam/iamtest"
	"github.com/seclake/seclake/internal/iam/policy"
)

// TestSimulateCustomPolicyCases replays the policy engine's case tables through SimulateCustomPolicy.
func TestSimulateCustomPolicyCases(t *testing.T) {
	f := newFixture(t)
	cases, err := iamtest.Load(filepath.Join("policy", "testdata", "cases"))
	require.NoError(t, err)
	ran, skipped := 0, map[string]int{}
	for _, c := range cases {
		sim, why := c.Simulation()
		if why != "" {
			skipped[why]++
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			in := SimulateInput{Policies: sim.PolicyInputList, Boundaries: sim.PermissionsBoundaryPolicyInputList, Actions: sim.ActionNames,
				Resources: sim.ResourceArns, ResourcePolicy: sim.ResourcePolicy, ResourceOwner: sim.ResourceOwner, CallerARN: sim.CallerArn}
			for _, ce := range sim.ContextEntries {
				in.Context = append(in.Context, ContextEntry{Key: ce.ContextKeyName, Values: ce.ContextKeyValues, Type: ce.ContextKeyType})
			}
			res, _, err := f.svc.SimulateCustomPolicy(context.Background(), f.root, in)
			require.NoError(t, err)
			require.Len(t, res, 1)
			require.Equal(t, c.Expect.Decision, res[0].Decision, res[0].Reason)
			if c.Expect.Missing != nil {
				require.ElementsMatch(t, c.Expect.Missing, res[0].Missing)
			}
		})
	}
	t.Logf("ran %d cases; skipped %v", ran, skipped)
	require.Greater(t, ran, 150)
}

func TestResourcePolicyKindAgreesWithIAMTest(t *testing.T) {
	names := map[policy.Kind]string{policy.Resource: "resource", policy.KeyPolicy: "key", policy.Trust: "trust"}
	for _, tc := range [][2]string{
		{"kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/x"}, {"kms:ListAliases", "*"},
		{"sts:AssumeRole", "arn:aws:iam::111122223333:role/r"}, {"s3:GetObject", "arn:aws:s3:::b/k"},
	} {
		require.Equal(t, iamtest.ResourcePolicyKind(tc[0], tc[1]), names[resourcePolicyKind(tc[0], tc[1])], tc)
	}
}
