package cloudtrail

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestSeclakeAuditTrail normalizes records of seclake's own audit trail (internal/audit, one JSON record a
// line as the trail writes them): the lake can ingest its own CloudTrail.
func TestSeclakeAuditTrail(t *testing.T) {
	at := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	alice := audit.UserIdentity{Type: audit.IdentityIAMUser, PrincipalID: "AIDAEXAMPLEUSER00001",
		ARN: "arn:aws:iam::111122223333:user/alice", AccountID: "111122223333", AccessKeyID: "AKIAEXAMPLEKEY000001", UserName: "alice"}
	base := func(source, name string, category audit.EventCategory) audit.Record {
		return audit.Record{EventVersion: audit.EventVersion, UserIdentity: alice, EventTime: at, EventSource: source,
			EventName: name, AWSRegion: "us-east-1", SourceIPAddress: "127.0.0.1", UserAgent: "aws-cli/1.40",
			RequestParameters: json.RawMessage(`{"k":"v"}`), ResponseElements: json.RawMessage(`null`),
			RequestID: "req-1", EventID: "e-" + name, EventType: audit.EventTypeAPICall,
			ManagementEvent: category == audit.CategoryManagement, RecipientAccountID: "111122223333", EventCategory: category,
			TLSDetails: &audit.TLSDetails{TLSVersion: "TLSv1.3"}}
	}
	put := base("s3.amazonaws.com", "PutObject", audit.CategoryData)
	put.Resources = []audit.Resource{{Type: "AWS::S3::Object", ARN: "arn:aws:s3:::bucket/key"}}
	assume := base("sts.amazonaws.com", "AssumeRole", audit.CategoryManagement)
	assume.RequestParameters = json.RawMessage(`{"roleArn":"arn:aws:iam::111122223333:role/r","roleSessionName":"s"}`)
	service := base("kms.amazonaws.com", "GenerateDataKey", audit.CategoryManagement)
	service.UserIdentity = audit.UserIdentity{Type: audit.IdentityAWSService, InvokedBy: "s3.amazonaws.com"}
	service.SourceIPAddress = "s3.amazonaws.com"
	records := []audit.Record{base("iam.amazonaws.com", "CreateUser", audit.CategoryManagement),
		base("securitylake.amazonaws.com", "ListDataLakes", audit.CategoryManagement), put, assume, service}
	records[0].RequestParameters = json.RawMessage(`{"userName":"carol"}`)

	var lines bytes.Buffer
	for _, r := range records {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		lines.Write(append(b, '\n'))
	}
	m, counts := sourcetest.Run(t, New(), source.Object{Name: "trail.jsonl", Body: &lines})
	sourcetest.Check(t, New(), m, counts)
	require.Empty(t, m.SetAsides)
	type where struct {
		table string
		class int32
	}
	got := map[string]where{}
	for i, ev := range m.Received {
		data, err := json.Marshal(ev)
		require.NoError(t, err)
		var e struct{ API struct{ Operation string } }
		require.NoError(t, json.Unmarshal(data, &e))
		got[e.API.Operation] = where{m.Tables[i], ev.EventClass()}
	}
	require.Equal(t, map[string]where{
		"CreateUser": {TableManagement, ocsf.ClassAccountChange}, "ListDataLakes": {TableManagement, ocsf.ClassAPIActivity},
		"PutObject": {TableS3, ocsf.ClassAPIActivity}, "AssumeRole": {TableManagement, ocsf.ClassAuthentication},
		"GenerateDataKey": {TableManagement, ocsf.ClassAPIActivity},
	}, got)
}
