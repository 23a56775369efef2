package ingest_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeCloudTrail writes a CloudTrail log file of n management events numbered from first: each has the event ID
// e-<prefix>-<number>, so rows can be told apart; every tenth is an S3 data event.
func writeCloudTrail(w io.Writer, prefix string, first, n int) error {
	if _, err := io.WriteString(w, `{"Records":[`); err != nil {
		return err
	}
	at := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for i := first; i < first+n; i++ {
		sep := ","
		if i == first {
			sep = ""
		}
		name, src, cat, mgmt := "DescribeInstances", "ec2.amazonaws.com", "Management", "true"
		extra := ""
		if i%10 == 9 {
			name, src, cat, mgmt = "GetObject", "s3.amazonaws.com", "Data", "false"
			extra = `,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k` + fmt.Sprint(i) + `"}]`
		}
		_, err := fmt.Fprintf(w, `%s{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",`+
			`"arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},`+
			`"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1",`+
			`"sourceIPAddress":"192.0.2.%d","userAgent":"aws-cli/2.15.0","requestParameters":{"n":%d},`+
			`"responseElements":null,"requestID":"r-%d","eventID":"e-%s-%d","readOnly":true,"eventType":"AwsApiCall",`+
			`"managementEvent":%s,"recipientAccountId":"111122223333","eventCategory":"%s"%s}`+"\n",
			sep, at.Add(time.Duration(i)*time.Second).Format(time.RFC3339), src, name, i%250, i, i, prefix, i, mgmt, cat, extra)
		if err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}\n")
	return err
}

// cloudTrail returns a gzip CloudTrail file of n events (see writeCloudTrail) and how many are data events.
func cloudTrail(t testing.TB, prefix string, first, n int) (data []byte, dataEvents int) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	require.NoError(t, writeCloudTrail(zw, prefix, first, n))
	require.NoError(t, zw.Close())
	for i := first; i < first+n; i++ {
		if i%10 == 9 {
			dataEvents++
		}
	}
	return buf.Bytes(), dataEvents
}

// ctKey is a CloudTrail delivery key.
func ctKey(name string) string {
	return "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/30/111122223333_CloudTrail_us-east-1_" + name + ".json.gz"
}
