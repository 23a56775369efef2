package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// sampleRecord is a KMS Decrypt that S3 made on an assumed role's behalf.
func sampleRecord() *Record {
	return &Record{
		UserIdentity: UserIdentity{
			Type:        IdentityAssumedRole,
			PrincipalID: "AROAEXAMPLE:ingest",
			ARN:         "arn:aws:sts::111122223333:assumed-role/Ingest/ingest",
			AccountID:   "111122223333",
			AccessKeyID: "ASIAEXAMPLE",
			SessionContext: &SessionContext{
				SessionIssuer: &SessionIssuer{Type: IdentityRole, PrincipalID: "AROAEXAMPLE", ARN: "arn:aws:iam::111122223333:role/Ingest", AccountID: "111122223333", UserName: "Ingest"},
				Attributes:    &SessionAttributes{CreationDate: testTime.Add(-time.Hour + 500*time.Millisecond), MFAAuthenticated: "false"},
			},
			InvokedBy: "s3.amazonaws.com",
		},
		EventTime:          testTime.Add(300 * time.Millisecond).In(time.FixedZone("CET", 3600)),
		EventSource:        "kms.amazonaws.com",
		EventName:          "Decrypt",
		AWSRegion:          "us-east-1",
		SourceIPAddress:    "s3.amazonaws.com",
		UserAgent:          "s3.amazonaws.com",
		RequestParameters:  json.RawMessage(`{"encryptionContext":{"aws:s3:arn":"arn:aws:s3:::lake/a&b"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`),
		RequestID:          "req-1",
		ReadOnly:           true,
		Resources:          []Resource{{AccountID: "111122223333", Type: "AWS::KMS::Key", ARN: "arn:aws:kms:us-east-1:111122223333:key/k1"}},
		RecipientAccountID: "111122223333",
	}
}

func TestRecordJSON(t *testing.T) {
	r := sampleRecord()
	require.NoError(t, normalize(r, testTime, func() string { return "e-1" }))
	got, err := marshalRecord(r)
	require.NoError(t, err)
	want := `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:ingest",` +
		`"arn":"arn:aws:sts::111122223333:assumed-role/Ingest/ingest","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",` +
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Ingest",` +
		`"accountId":"111122223333","userName":"Ingest"},"attributes":{"creationDate":"2026-03-04T04:06:07Z","mfaAuthenticated":"false"}},` +
		`"invokedBy":"s3.amazonaws.com"},"eventTime":"2026-03-04T05:06:07Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt",` +
		`"awsRegion":"us-east-1","sourceIPAddress":"s3.amazonaws.com","userAgent":"s3.amazonaws.com",` +
		`"requestParameters":{"encryptionContext":{"aws:s3:arn":"arn:aws:s3:::lake/a&b"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"},` +
		`"responseElements":null,"requestID":"req-1","eventID":"e-1","readOnly":true,` +
		`"resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:111122223333:key/k1"}],` +
		`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
	require.Equal(t, want, string(got))

	var back Record
	require.NoError(t, json.Unmarshal(got, &back))
	again, err := marshalRecord(&back)
	require.NoError(t, err)
	require.Equal(t, string(got), string(again), "a stored record decodes and re-encodes to the same bytes")
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(r *Record)
		wantErr string
		check   func(t *testing.T, r *Record)
	}{
		{name: "no source", edit: func(r *Record) { r.EventSource = "" }, wantErr: "eventSource"},
		{name: "no name", edit: func(r *Record) { r.EventName = "" }, wantErr: "eventName"},
		{name: "no account", edit: func(r *Record) { r.RecipientAccountID = "" }, wantErr: "recipientAccountId"},
		{name: "defaults", edit: func(r *Record) { r.EventTime = time.Time{} }, check: func(t *testing.T, r *Record) {
			require.Equal(t, testTime, r.EventTime)
			require.Equal(t, "id", r.EventID)
			require.Equal(t, EventVersion, r.EventVersion)
			require.Equal(t, EventTypeAPICall, r.EventType)
			require.Equal(t, CategoryManagement, r.EventCategory)
			require.True(t, r.ManagementEvent)
		}},
		{name: "data event", edit: func(r *Record) { r.EventCategory, r.ManagementEvent, r.EventID = CategoryData, true, "mine" }, check: func(t *testing.T, r *Record) {
			require.False(t, r.ManagementEvent)
			require.Equal(t, "mine", r.EventID)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRecord()
			tc.edit(r)
			err := normalize(r, testTime, func() string { return "id" })
			if tc.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalidRecord)
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, r)
		})
	}
}

func TestMarshalRecordTruncatesPayload(t *testing.T) {
	r := sampleRecord()
	require.NoError(t, normalize(r, testTime, func() string { return "id" }))
	r.ResponseElements = json.RawMessage(`{"big":"` + strings.Repeat("x", MaxRecordBytes) + `"}`)
	got, err := marshalRecord(r)
	require.NoError(t, err)
	require.LessOrEqual(t, len(got), MaxRecordBytes)
	require.Contains(t, string(got), `"requestParameters":null,"responseElements":null,"additionalEventData":{"seclakeTruncated":true}`)
	require.Contains(t, string(got), `"eventName":"Decrypt"`)
}

func TestUsername(t *testing.T) {
	cases := []struct {
		ui   UserIdentity
		want string
	}{
		{UserIdentity{Type: IdentityIAMUser, UserName: "alice"}, "alice"},
		{UserIdentity{Type: IdentityRoot, ARN: "arn:aws:iam::1:root"}, "root"},
		{UserIdentity{Type: IdentityAssumedRole, ARN: "arn:aws:sts::1:assumed-role/R/sess"}, "sess"},
		{UserIdentity{Type: IdentityAWSService, InvokedBy: "cloudtrail.amazonaws.com"}, "cloudtrail.amazonaws.com"},
		{UserIdentity{Type: IdentityAWSAccount, AccountID: "1"}, ""},
	}
	for _, tc := range cases {
		r := Record{UserIdentity: tc.ui}
		require.Equal(t, tc.want, r.Username(), "%+v", tc.ui)
	}
}

func TestNewUUIDv7(t *testing.T) {
	require.Equal(t, "ffffffff-ffff-7fff-bfff-ffffffffffff", formatUUID([16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 7))
	a, b := newUUIDv7(testTime), newUUIDv7(testTime.Add(time.Millisecond))
	require.Len(t, a, 36)
	require.Equal(t, "019cb73d-3218-7", a[:15], "Unix milliseconds of testTime, then the version")
	require.Less(t, a, b, "later IDs sort after earlier ones")
	require.NotEqual(t, a, newUUIDv7(testTime))
}
