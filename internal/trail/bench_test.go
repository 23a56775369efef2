package trail_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/trail"
)

// benchRecord is a management event of about the size of a typical CloudTrail record (1.7 KB of JSON), with
// the fields that differ between records (event ID, request ID, source address) different.
func benchRecord(i int) *audit.Record {
	params, _ := audit.Params(struct {
		KeyID             string            `audit:"keyId"`
		EncryptionContext map[string]string `audit:"encryptionContext"`
		GrantTokens       []string          `audit:"grantTokens"`
	}{KeyID: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		EncryptionContext: map[string]string{"aws:s3:arn": "arn:aws:s3:::aws-security-data-lake-us-east-1-abcdefghijklmnop/aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/accountId=111122223333/eventDay=20260301/part-00000.parquet"},
		GrantTokens:       []string{"AQpAM2RhZTk1MGMyNTk2ZmZmMzEyYWVhOWViN2I1MWM4Mzc0MWFiYjc0ZDE1ODkyNGFlNTIzODZhMzgyZjBlNGY3NiKIAgEBAgB4Pa6VDCWW__MSrqnre1HIN0Gru3TRWJJK5SOGo4LwT3YAAADfMIHcBgkqhkiG9w0BBwaggc4wgcsCAQAwgcUGCSqGSIb3DQEHATAeBglghkgBZQMEAS4wEQQM"}})
	return &audit.Record{
		UserIdentity: audit.UserIdentity{Type: audit.IdentityAssumedRole, PrincipalID: "AROAEXAMPLEROLEID:ingest", AccountID: acct,
			ARN: "arn:aws:sts::111122223333:assumed-role/AmazonSecurityLakeMetaStoreManager/ingest", AccessKeyID: "ASIAEXAMPLEKEYID0001",
			SessionContext: &audit.SessionContext{SessionIssuer: &audit.SessionIssuer{Type: audit.IdentityRole, PrincipalID: "AROAEXAMPLEROLEID",
				ARN: "arn:aws:iam::111122223333:role/AmazonSecurityLakeMetaStoreManager", AccountID: acct, UserName: "AmazonSecurityLakeMetaStoreManager"}}},
		EventSource: "kms.amazonaws.com", EventName: "GenerateDataKey", AWSRegion: home, SourceIPAddress: fmt.Sprintf("203.0.%d.%d", i/256%256, i%256),
		UserAgent: "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/kms#1.35.3", ReadOnly: true,
		RequestParameters: params, RecipientAccountID: acct, RequestID: fmt.Sprintf("6f6a1f55-7a1d-4b6a-9e25-%012x", i*7919),
		Resources: []audit.Resource{{AccountID: acct, Type: "AWS::KMS::Key", ARN: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
	}
}

// BenchmarkDeliverSSEKMS measures delivery: reading a file's worth of records from the audit trail,
// selecting them, gzipping and hashing them, and writing the file with SSE-KMS (a data key from KMS as
// cloudtrail.amazonaws.com, the body sealed, the object committed), then the cursor.
func BenchmarkDeliverSSEKMS(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	keyARN := e.destination(b, "tr1")
	e.createTrail(b, trail.CreateInput{Name: "tr1", S3BucketName: bucket, KmsKeyID: keyARN, EnableLogFileValidation: true})
	per := e.fileRecords()
	var bytes int64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range per {
			e.log.AppendAsync(benchRecord(i*per + j))
		}
		require.NoError(b, e.log.Flush(ctx))
		e.clock.Advance(e.cfg.Interval)
		c0 := cputime.Used()
		b.StartTimer()
		require.NoError(b, e.svc.Deliver(ctx))
		b.StopTimer()
		cpu += cputime.Used() - c0
	}
	b.StopTimer()
	for _, k := range e.keys(b, "AWSLogs/"+acct+"/CloudTrail/") {
		out, err := e.s3.HeadObject(ctx, e.root, objstore.GetInput{Bucket: bucket, Key: k})
		require.NoError(b, err)
		bytes += out.Object.Size
	}
	b.ReportMetric(float64(per*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(bytes)/float64(per*b.N), "gzip-bytes/record")
	b.ReportMetric(float64(per*b.N)/cpu.Seconds(), "records/cpu-s")
}
