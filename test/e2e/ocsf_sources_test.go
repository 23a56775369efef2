package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// trailFile is a CloudTrail log file as CloudTrail delivers it: a console sign-in, a role created, an S3 data
// event and an Insights event (not collected).
const trailFile = `{"Records":[
{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEUSER00001","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-01T10:06:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MFAUsed":"Yes"},"eventID":"e1","eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333","eventCategory":"Management"},
{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEUSER00001","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-01T10:07:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateRole","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","requestParameters":{"roleName":"deploy"},"responseElements":{"role":{"roleName":"deploy","roleId":"AROAEXAMPLEROLE00009","arn":"arn:aws:iam::111122223333:role/deploy"}},"requestID":"r2","eventID":"e2","eventType":"AwsApiCall","recipientAccountId":"111122223333","eventCategory":"Management"},
{"eventVersion":"1.10","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEUSER00001","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-01T10:08:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","requestParameters":{"bucketName":"b","key":"k"},"responseElements":null,"requestID":"r3","eventID":"e3","readOnly":true,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data"},
{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:00Z","awsRegion":"us-east-1","eventID":"e4","eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333","eventCategory":"Insight"}
]}`

// TestOCSFNormalizeCloudTrailAndEKS runs the binary on a gzip CloudTrail log file and on EKS audit lines, as a
// user would, and validates what comes out against OCSF and the Security Lake tables.
func TestOCSFNormalizeCloudTrailAndEKS(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(trailFile))
	require.NoError(t, zw.Close())
	trail := filepath.Join(dir, "111122223333_CloudTrail_us-east-1_20240501T1010Z_x.json.gz")
	require.NoError(t, os.WriteFile(trail, gz.Bytes(), 0o644))

	out, errOut, code := runSeclakeIO(t, "", "ocsf", "normalize", "--source", "CLOUD_TRAIL_MGMT", trail)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "4 records read, 3 normalized into 3 events, 0 set aside, 1 skipped")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	classes := map[string]float64{}
	for _, l := range lines {
		var ev struct {
			ClassUID float64 `json:"class_uid"`
			API      struct{ Operation string }
		}
		require.NoError(t, json.Unmarshal([]byte(l), &ev))
		classes[ev.API.Operation] = ev.ClassUID
	}
	require.Equal(t, map[string]float64{"ConsoleLogin": 3002, "CreateRole": 3001, "GetObject": 6003}, classes)
	events := filepath.Join(dir, "trail.ocsf.jsonl")
	require.NoError(t, os.WriteFile(events, []byte(out), 0o644))
	out, errOut, code = runSeclakeIO(t, "", "ocsf", "validate", events)
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "3 events, 3 valid, 0 with problems")

	audit := `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods/web-0/exec","verb":"create","user":{"username":"alice","groups":["dev"]},"sourceIPs":["198.51.100.7"],"objectRef":{"resource":"pods","namespace":"shop","name":"web-0","apiVersion":"v1","subresource":"exec"},"responseStatus":{"code":101},"requestReceivedTimestamp":"2024-05-05T08:01:00.000000Z","stageTimestamp":"2024-05-05T08:01:00.020000Z"}
{"kind":"Event","verb":"get","user":{"username":"bob"},"sourceIPs":["not an address"],"stageTimestamp":"2024-05-05T08:02:00Z"}
`
	out, errOut, code = runSeclakeIO(t, audit, "ocsf", "normalize", "--source", "eksaudit")
	require.Equal(t, 1, code, "a record was set aside")
	require.Contains(t, errOut, "-:2: set aside: no source IP address")
	require.Equal(t, 1, strings.Count(out, "\n"))
	require.Contains(t, out, `"type":"pods/exec"`)
	out, errOut, code = runSeclakeIO(t, out, "ocsf", "validate", "--table", "eks_audit")
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "1 event, 1 valid, 0 with problems")
}
