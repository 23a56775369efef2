package audit

import (
	"context"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

func TestUserIdentityOf(t *testing.T) {
	issued := testTime.Add(-time.Hour)
	cases := []struct {
		name      string
		p         actor.Identity
		invokedBy string
		want      UserIdentity
	}{
		{
			name: "root",
			p:    actor.Identity{Type: actor.TypeRoot, Account: acctA, ARN: actor.RootARN(acctA), ID: acctA, AccessKeyID: "AKIAROOT"},
			want: UserIdentity{Type: IdentityRoot, PrincipalID: acctA, ARN: "arn:aws:iam::111122223333:root", AccountID: acctA, AccessKeyID: "AKIAROOT"},
		},
		{
			name:      "user through s3",
			p:         actor.Identity{Type: actor.TypeUser, Account: acctA, ARN: "arn:aws:iam::111122223333:user/alice", ID: "AIDA1", Name: "alice", AccessKeyID: "AKIA1"},
			invokedBy: "s3.amazonaws.com",
			want: UserIdentity{Type: IdentityIAMUser, PrincipalID: "AIDA1", ARN: "arn:aws:iam::111122223333:user/alice", AccountID: acctA,
				AccessKeyID: "AKIA1", UserName: "alice", InvokedBy: "s3.amazonaws.com"},
		},
		{
			name: "assumed role",
			p: actor.Identity{Type: actor.TypeAssumedRole, Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/Ingest/s1", ID: "AROA1:s1",
				Name: "Ingest", AccessKeyID: "ASIA1", Session: &actor.Session{RoleARN: "arn:aws:iam::111122223333:role/Ingest", RoleID: "AROA1", Issued: issued, SourceIdentity: "bob"}},
			want: UserIdentity{Type: IdentityAssumedRole, PrincipalID: "AROA1:s1", ARN: "arn:aws:sts::111122223333:assumed-role/Ingest/s1", AccountID: acctA, AccessKeyID: "ASIA1",
				SessionContext: &SessionContext{
					SessionIssuer:  &SessionIssuer{Type: IdentityRole, PrincipalID: "AROA1", ARN: "arn:aws:iam::111122223333:role/Ingest", AccountID: acctA, UserName: "Ingest"},
					Attributes:     &SessionAttributes{CreationDate: issued, MFAAuthenticated: "false"},
					SourceIdentity: "bob",
				}},
		},
		{
			name: "service",
			p:    actor.Identity{Type: actor.TypeService, Service: "cloudtrail.amazonaws.com"},
			want: UserIdentity{Type: IdentityAWSService, InvokedBy: "cloudtrail.amazonaws.com"},
		},
		{
			name: "anonymous",
			p:    actor.Identity{Type: actor.TypeAnonymous},
			want: UserIdentity{Type: IdentityAWSAccount, AccountID: "anonymous"},
		},
		{
			name: "unknown",
			p:    actor.Identity{Type: "Martian", Account: acctA},
			want: UserIdentity{Type: IdentityUnknown, AccountID: acctA},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, UserIdentityOf(&tc.p, tc.invokedBy))
		})
	}
}

func TestCallerRecord(t *testing.T) {
	c := &actor.Caller{
		Identity: actor.Identity{Type: actor.TypeUser, Account: acctA, Name: "alice", AccessKeyID: "AKIA1"},
		SourceIP: "192.0.2.1", UserAgent: "aws-cli/2", Region: "eu-west-1", Time: testTime, RequestID: "req-9",
	}
	r := CallerRecord(c, "kms.amazonaws.com", "DescribeKey", true)
	require.Equal(t, "192.0.2.1", r.SourceIPAddress)
	require.Equal(t, "aws-cli/2", r.UserAgent)
	require.Equal(t, acctA, r.RecipientAccountID)
	require.Equal(t, "eu-west-1", r.AWSRegion)
	require.Equal(t, testTime, r.EventTime)
	require.Equal(t, "req-9", r.RequestID)
	require.True(t, r.ReadOnly)
	require.Equal(t, "alice", r.Username())

	c.InvokedBy = "s3.amazonaws.com"
	r = CallerRecord(c, "kms.amazonaws.com", "GenerateDataKey", false)
	require.Equal(t, "s3.amazonaws.com", r.SourceIPAddress, "a service's call shows the service as source")
	require.Equal(t, "s3.amazonaws.com", r.UserAgent)
	require.Equal(t, "s3.amazonaws.com", r.UserIdentity.InvokedBy)
}

func TestFlushMakesQueuedRecordsVisible(t *testing.T) {
	store := newSQLite(t)
	// MaxDelay holds async batches open for an hour of a clock that never moves: only Flush commits them.
	l, clk := openTestLog(t, store, func(c *Config) { c.MaxDelay = time.Hour })
	l.AppendAsync(rec(acctA, "ListKeys", testTime))
	waitForTimer(t, clk)
	require.Zero(t, l.Stats().Committed)
	out, err := l.Lookup(context.Background(), acctA, &LookupInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"e1"}, ids(out), "Lookup flushes first")

	batches := l.Stats().Batches
	require.NoError(t, l.Flush(context.Background()))
	require.Equal(t, batches, l.Stats().Batches, "a Flush with nothing queued commits no transaction")
	require.Equal(t, Stats{Appended: 1, Committed: 1, Batches: 1}, l.Stats())

	require.NoError(t, l.Close())
	require.ErrorIs(t, l.Flush(context.Background()), ErrClosed)
}
