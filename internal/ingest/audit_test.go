package ingest_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/ingest"
)

// auditRecord appends a record of the audit log: a management call by alice of account, or an S3 data event.
func auditRecord(t *testing.T, e *env, account, reg string, i int, data bool) {
	t.Helper()
	alice := audit.UserIdentity{Type: audit.IdentityIAMUser, PrincipalID: "AIDAEXAMPLEUSER00001",
		ARN: "arn:aws:iam::" + account + ":user/alice", AccountID: account, UserName: "alice"}
	r := &audit.Record{EventVersion: audit.EventVersion, UserIdentity: alice, EventTime: e.clk.Now(),
		EventSource: "iam.amazonaws.com", EventName: "ListUsers", AWSRegion: reg, SourceIPAddress: "127.0.0.1",
		UserAgent: "aws-cli/2", RequestParameters: json.RawMessage(`{}`), RequestID: fmt.Sprint("req-", i),
		EventID: fmt.Sprintf("audit-%s-%d", account, i), EventType: audit.EventTypeAPICall, ManagementEvent: true,
		RecipientAccountID: account, EventCategory: audit.CategoryManagement, ReadOnly: true}
	if data {
		r.EventSource, r.EventName, r.ManagementEvent, r.EventCategory = "s3.amazonaws.com", "GetObject", false, audit.CategoryData
		r.Resources = []audit.Resource{{Type: "AWS::S3::Object", ARN: "arn:aws:s3:::b/k"}}
	}
	require.NoError(t, e.st.Audit.Append(ctx, r))
}

// TestAuditTrailFeedsTheCloudTrailTables: seclake's own audit records become rows of the CloudTrail tables of
// the lake of their account and region, once, also when the feed dies after an append; records of accounts
// without a lake there, and the lake's own writes, are passed over.
func TestAuditTrailFeedsTheCloudTrailTables(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.st.Audit.Flush(ctx))
	s := e.service(nil)
	require.NoError(t, s.RunAudit(ctx)) // whatever the set-up recorded
	base := e.rows("cloud_trail_mgmt")
	baseData := e.rows("s3_data")

	for i := range 30 {
		auditRecord(t, e, acct, region, i, i%3 == 0)
		auditRecord(t, e, "444455556666", region, i, false) // no lake
		auditRecord(t, e, acct, "eu-west-1", 100+i, false)  // no lake in that region
	}
	// A crash after the first append of the next pass: the range stays in flight.
	crashed := e.service(nil)
	ingest.SetAfterAppend(crashed, func() error { return errCrash })
	require.ErrorIs(t, crashed.RunAudit(ctx), errCrash)
	e.clk.Advance(3 * time.Minute)

	require.NoError(t, s.RunAudit(ctx))
	require.NoError(t, s.RunAudit(ctx))
	m, d := e.uids("cloud_trail_mgmt"), e.uids("s3_data")
	require.Equal(t, base+20, len(m))
	require.Equal(t, len(m), distinct(m))
	require.Equal(t, baseData+10, len(d))
	require.Equal(t, len(d), distinct(d))
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.Positive(t, st.Audit.Cursor)

	// The feed's own commits were recorded (the lake's writes); feeding them back would never end.
	require.NoError(t, e.st.Audit.Flush(ctx))
	before := st.Audit.Events
	require.NoError(t, s.RunAudit(ctx))
	st, err = s.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, before, st.Audit.Events, "the lake's own writes are not fed back")
}
