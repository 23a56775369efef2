package lake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/lake"
)

// TestOrganizationAutoEnable: accounts that join the organization after a region is configured get its
// sources in the configuring account's lake, once (a source deleted later stays deleted); accounts that were
// there before do not.
func TestOrganizationAutoEnable(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st, svc := startOn(t, stacktest.Start(t, clk))
	_, err := st.IAM.Bootstrap(ctx, iam.BootstrapInput{AccountID: acct})
	require.NoError(t, err)
	c := rootIn("us-east-1")
	createLake(t, svc, "us-east-1")
	newAccount := func(name string) string {
		t.Helper()
		_, err := st.IAM.CreateAccount(ctx, c, iam.CreateAccountInput{Email: name + "@example.com", Name: name})
		require.NoError(t, err)
		accts, _, err := st.IAM.ListAccounts(ctx, c, "", "", 20)
		require.NoError(t, err)
		for _, a := range accts {
			if a.Name == name {
				return a.ID
			}
		}
		t.Fatalf("account %s not created", name)
		return ""
	}
	old := newAccount("old")
	clk.Advance(time.Second)
	require.NoError(t, svc.ChangeOrganizationConfiguration(ctx, c, true, []lake.AutoEnable{{Region: "us-east-1",
		Sources: []lake.AwsSource{{SourceName: "CLOUD_TRAIL_MGMT", SourceVersion: "2.0"}, {SourceName: "VPC_FLOW"}}}}))
	clk.Advance(time.Second)
	joined := newAccount("joined")

	sourcesOf := func(account string) []string {
		t.Helper()
		got, _, err := svc.ListLogSources(ctx, c, lake.ListLogSourcesInput{Accounts: []string{account}})
		require.NoError(t, err)
		var names []string
		for _, g := range got {
			for _, s := range g.Sources {
				names = append(names, s.Aws.SourceName+"/"+s.Aws.SourceVersion)
			}
		}
		return names
	}
	_, err = svc.Provision(ctx)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"CLOUD_TRAIL_MGMT/2.0", "VPC_FLOW/2.0"}, sourcesOf(joined))
	require.Empty(t, sourcesOf(old), "only accounts that joined after the configuration")

	_, err = svc.DeleteAwsLogSource(ctx, c, []lake.AwsSourceConfiguration{{Regions: []string{"us-east-1"}, SourceName: "VPC_FLOW", Accounts: []string{joined}}})
	require.NoError(t, err)
	_, err = svc.Provision(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"CLOUD_TRAIL_MGMT/2.0"}, sourcesOf(joined), "a source deleted later stays deleted")
}
