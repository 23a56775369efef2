package objstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
)

// trailBucketPolicy is the CloudTrail guide's bucket policy for trail arn:…:trail/t1 in bucket "logs".
const trailBucketPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::logs",
  "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t1"}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/AWSLogs/111122223333/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t1"}}}]}`

func TestCheckDeliveryDecidesAsDeliverWould(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.bucket(t, "logs")
	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "logs", trailBucketPolicy))
	trail := actor.Source{ARN: "arn:aws:cloudtrail:us-east-1:111122223333:trail/t1", Account: account}
	kmsSSE := SSERequest{Algorithm: SSEKMS, KMSKeyID: "k1"}
	cases := []struct {
		name                 string
		edit                 func(*DeliveryCheck)
		deny                 string
		wantCode, wantDenied string // the S3 code, or the permission a *DeliveryError names
	}{
		{name: "allowed"},
		{name: "allowed with SSE-KMS", edit: func(c *DeliveryCheck) { c.SSE = kmsSSE }},
		{name: "no such bucket", edit: func(c *DeliveryCheck) { c.Bucket = "nope" }, wantCode: "NoSuchBucket"},
		{name: "another trail", edit: func(c *DeliveryCheck) { c.Caller.Source.ARN += "x" }, wantDenied: "s3:GetBucketAcl"},
		{name: "outside AWSLogs/<account>", edit: func(c *DeliveryCheck) { c.Key = "other/x.json.gz" }, wantDenied: "s3:PutObject"},
		{name: "without the ACL", edit: func(c *DeliveryCheck) { c.ACL = "" }, wantDenied: "s3:PutObject"},
		{name: "key policy refuses the data key", edit: func(c *DeliveryCheck) { c.SSE = kmsSSE }, deny: "kms:GenerateDataKey",
			wantDenied: "kms:GenerateDataKey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.keys.deny = tc.deny
			in := DeliveryCheck{Caller: actor.ServicePrincipal("cloudtrail.amazonaws.com", "us-east-1", time.Now(), trail),
				Bucket: "logs", Key: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/10/x.json.gz", ACL: "bucket-owner-full-control"}
			if tc.edit != nil {
				tc.edit(&in)
			}
			gen, _ := f.keys.counts()
			b, err := f.s.CheckDelivery(ctx, in)
			var de *DeliveryError
			switch {
			case tc.wantCode != "":
				require.Equal(t, tc.wantCode, code(err))
			case tc.wantDenied != "":
				require.True(t, errors.As(err, &de), "%v", err)
				require.Equal(t, tc.wantDenied, de.Action)
				require.Equal(t, "cloudtrail.amazonaws.com", de.Principal)
			default:
				require.NoError(t, err)
				require.Equal(t, "us-east-1", b.Region)
			}
			after, _ := f.keys.counts()
			if in.SSE.Algorithm == SSEKMS && tc.wantDenied != "s3:PutObject" && tc.wantDenied != "s3:GetBucketAcl" {
				require.Equal(t, gen+1, after, "a KMS check asks KMS once")
				require.True(t, f.keys.gen[len(f.keys.gen)-1].ctx["aws:s3:arn"] == ObjectARN("logs", in.Key))
			} else {
				require.Equal(t, gen, after)
			}
			_, err = f.s.HeadObject(ctx, f.root, GetInput{Bucket: "logs", Key: in.Key})
			require.Equal(t, "NoSuchKey", code(err), "a check writes nothing")
		})
	}
}
