package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stretchr/testify/require"
)

type lookedUpEvent struct {
	EventId, EventName, EventSource, Username, AccessKeyId, ReadOnly, CloudTrailEvent string
}

func lookupEvents(t *testing.T, s *server, args ...string) []lookedUpEvent {
	t.Helper()
	out, err := s.aws(t, append([]string{"cloudtrail", "lookup-events"}, args...)...)
	require.NoError(t, err)
	var res struct{ Events []lookedUpEvent }
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	return res.Events
}

func TestLookupEventsShowsCallsIncludingDenied(t *testing.T) {
	s := startServer(t)
	keyID, secret := createUserWithKey(t, s, "carol")
	_, err := s.awsAs(t, keyID, secret, "", "iam", "list-users")
	require.ErrorContains(t, err, "AccessDenied")
	_, err = s.aws(t, "sts", "get-caller-identity")
	require.NoError(t, err)

	events := lookupEvents(t, s, "--max-results", "50")
	byName := map[string][]map[string]any{}
	for _, e := range events {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(e.CloudTrailEvent), &rec))
		byName[e.EventName] = append(byName[e.EventName], rec)
		require.NotContains(t, e.CloudTrailEvent, secret, "a secret access key reached the audit trail")
		require.NotContains(t, e.CloudTrailEvent, testSecret)
	}
	require.Contains(t, byName, "CreateUser")
	require.Contains(t, byName, "CreateAccessKey")
	require.Contains(t, byName, "GetCallerIdentity")
	require.Len(t, byName["ListUsers"], 1, "the denied call must be on the trail")
	denied := byName["ListUsers"][0]
	require.Equal(t, "AccessDenied", denied["errorCode"])
	require.Equal(t, "iam.amazonaws.com", denied["eventSource"])
	require.Equal(t, "us-east-1", denied["awsRegion"])
	ident := denied["userIdentity"].(map[string]any)
	require.Equal(t, "IAMUser", ident["type"])
	require.Equal(t, "carol", ident["userName"])
	require.Equal(t, keyID, ident["accessKeyId"])

	created := byName["CreateUser"][0]
	require.Equal(t, map[string]any{"userName": "carol"}, created["requestParameters"])
	require.Equal(t, false, created["readOnly"])

	// Attribute lookups.
	onlyCarol := lookupEvents(t, s, "--lookup-attributes", "AttributeKey=Username,AttributeValue=carol")
	require.NotEmpty(t, onlyCarol)
	for _, e := range onlyCarol {
		require.Equal(t, "carol", e.Username)
	}
	byKey := lookupEvents(t, s, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateAccessKey")
	require.Len(t, byKey, 1)
}

// The Go SDK names CloudTrail's operations "CloudTrail_20131101.<Op>", botocore
// "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>"; both must reach the operation.
func TestLookupEventsWithGoSDK(t *testing.T) {
	s := startServer(t)
	_, err := sts.NewFromConfig(s.rootConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	out, err := cloudtrail.NewFromConfig(s.rootConfig()).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	require.NoError(t, err)
	require.NotEmpty(t, out.Events)
}
