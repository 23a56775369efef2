package trail_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/trail"
)

var logNameRE = regexp.MustCompile(`^AWSLogs/111122223333/CloudTrail/([a-z0-9-]+)/2026/03/01/111122223333_CloudTrail_([a-z0-9-]+)_20260301T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)

func TestDeliveryWritesSelectedRecordsAsSSEKMSLogFiles(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	keyARN := e.destination(t, "tr1")
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket, KmsKeyID: keyARN})

	e.event(t, acct, home, "sts.amazonaws.com", "GetCallerIdentity", true)
	e.event(t, acct, home, "iam.amazonaws.com", "CreateUser", false) // a global service's event
	e.event(t, other, home, "kms.amazonaws.com", "CreateKey", false) // another account's
	e.event(t, acct, "eu-west-1", "kms.amazonaws.com", "CreateKey", false)
	e.dataEvent(t, "PutObject", "arn:aws:s3:::data/x", false) // no data event selector
	e.deliver(t)

	files := e.logFiles(t)
	require.Len(t, files, 1)
	m := logNameRE.FindStringSubmatch(files[0].key)
	require.NotNil(t, m, files[0].key)
	require.Equal(t, []string{home, home}, m[1:])
	require.Equal(t, []string{"GetCallerIdentity", "CreateUser"}, names(files[0].records))
	sse := files[0].obj.SSE
	require.Equal(t, objstore.SSEKMS, sse.Algorithm)
	require.Equal(t, keyARN, sse.KeyARN)
	ec, err := base64.StdEncoding.DecodeString(sse.Context)
	require.NoError(t, err)
	require.JSONEq(t, `{"aws:cloudtrail:arn":"`+trailARN("tr1")+`"}`, string(ec), "S3 adds aws:s3:arn to CloudTrail's context")

	_, st, err := e.svc.GetTrailStatus(ctx, e.root, "tr1")
	require.NoError(t, err)
	require.True(t, st.IsLogging)
	require.Equal(t, e.clock.Now(), st.LatestDeliveryTime)
	require.Empty(t, st.LatestDeliveryError)

	// CloudTrail's own GenerateDataKey call is on the trail too, in the next file, with its context.
	e.deliver(t)
	files = e.logFiles(t)
	require.Len(t, files, 2)
	var gdk map[string]any
	for _, r := range files[1].records {
		if r["eventName"] == "GenerateDataKey" {
			gdk = r
		}
	}
	require.NotNil(t, gdk, "the delivery's data key request is recorded")
	require.Equal(t, "cloudtrail.amazonaws.com", gdk["userIdentity"].(map[string]any)["invokedBy"])
	params, _ := json.Marshal(gdk["requestParameters"])
	require.Contains(t, string(params), trailARN("tr1"))

	// Nothing new: no file.
	e.deliver(t)
	require.Len(t, e.logFiles(t), 3, "the second delivery's own key request")
	e.deliver(t)
	require.Len(t, e.logFiles(t), 4)
}

func TestDeliveryWaitsUntilABrokenPolicyIsFixed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	keyARN := e.destination(t, "tr1")
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket, KmsKeyID: keyARN})
	status := func() *trail.Status {
		_, st, err := e.svc.GetTrailStatus(ctx, e.root, "tr1")
		require.NoError(t, err)
		return st
	}
	cases := []struct {
		name   string
		break_ func()
		fix    func()
		want   []string
	}{
		{
			name: "key policy loses the CloudTrail statement",
			break_: func() {
				require.NoError(t, e.kms.PutKeyPolicy(ctx, e.root, keyARN, "default", keyPolicy("tr1", "Allow CloudTrail to encrypt logs"), false))
			},
			fix: func() {
				require.NoError(t, e.kms.PutKeyPolicy(ctx, e.root, keyARN, "default", keyPolicy("tr1"), false))
			},
			want: []string{"AccessDenied: User: cloudtrail.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: " + keyARN,
				"To fix: The key policy of " + keyARN, `"Allow CloudTrail to encrypt logs"`},
		},
		{
			name: "bucket policy loses the write statement",
			break_: func() {
				require.NoError(t, e.s3.PutBucketPolicy(ctx, e.root, bucket, bucketPolicy("tr1", "AWSCloudTrailWrite20150319")))
			},
			fix:  func() { require.NoError(t, e.s3.PutBucketPolicy(ctx, e.root, bucket, bucketPolicy("tr1"))) },
			want: []string{"AccessDenied: User: cloudtrail.amazonaws.com is not authorized to perform: s3:PutObject", `"AWSCloudTrailWrite20150319"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.deliver(t) // settle the records so far
			before := len(e.logFiles(t))
			e.event(t, acct, home, "kms.amazonaws.com", "CreateAlias", false)
			tc.break_()
			e.event(t, acct, home, "kms.amazonaws.com", "DeleteAlias", false)
			e.deliver(t)
			e.deliver(t)
			require.Len(t, e.logFiles(t), before, "nothing is delivered")
			st := status()
			for _, s := range tc.want {
				require.Contains(t, st.LatestDeliveryError, s)
			}
			require.Equal(t, e.clock.Now(), st.LatestDeliveryAttemptTime)
			require.True(t, st.LatestDeliveryTime.Before(st.LatestDeliveryAttemptTime))

			tc.fix()
			e.deliver(t)
			files := e.logFiles(t)
			require.Len(t, files, before+1, "the waiting records come in one file")
			got := names(files[len(files)-1].records)
			require.Contains(t, got, "CreateAlias")
			require.Contains(t, got, "DeleteAlias")
			require.Empty(t, status().LatestDeliveryError)
		})
	}
}

func TestMultiRegionTrailWritesAFilePerRegion(t *testing.T) {
	e := newEnv(t)
	e.destination(t, "tr1")
	require.NoError(t, e.s3.PutBucketPolicy(context.Background(), e.root, bucket, strings.Replace(bucketPolicy("tr1"), "/AWSLogs/", "/org/AWSLogs/", 1)))
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket, IsMultiRegionTrail: true, S3KeyPrefix: "org/"})
	e.event(t, acct, home, "kms.amazonaws.com", "CreateKey", false)
	e.event(t, acct, "eu-west-1", "kms.amazonaws.com", "CreateAlias", false)
	e.event(t, acct, "ap-south-1", "kms.amazonaws.com", "DeleteAlias", false)
	e.deliver(t)
	got := map[string][]string{}
	for _, k := range e.keys(t, "org/AWSLogs/") {
		m := regexp.MustCompile(`^org/AWSLogs/111122223333/CloudTrail/([a-z0-9-]+)/.*_CloudTrail_([a-z0-9-]+)_`).FindStringSubmatch(k)
		require.NotNil(t, m, k)
		require.Equal(t, m[1], m[2])
		got[m[1]] = append(got[m[1]], k)
	}
	require.Len(t, got, 3)
	for _, r := range []string{home, "eu-west-1", "ap-south-1"} {
		require.Len(t, got[r], 1, r)
	}
}

func TestStopLoggingDeliversWhatCameBefore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.destination(t, "tr1")
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket})
	e.event(t, acct, home, "kms.amazonaws.com", "Before", false)
	require.NoError(t, e.log.Flush(ctx))
	_, err := e.svc.StopLogging(ctx, e.root, "tr1")
	require.NoError(t, err)
	e.event(t, acct, home, "kms.amazonaws.com", "While", false)
	e.deliver(t)
	e.deliver(t)
	_, err = e.svc.StartLogging(ctx, e.root, "tr1")
	require.NoError(t, err)
	e.event(t, acct, home, "kms.amazonaws.com", "After", false)
	e.deliver(t)
	var got []string
	for _, f := range e.logFiles(t) {
		got = append(got, names(f.records)...)
	}
	require.Equal(t, []string{"Before", "After"}, got)
}

func TestFilesOfOneRunAreBoundedAndCatchUp(t *testing.T) {
	e := newEnv(t, func(c *trail.Config) { c.FileRecords = 3 })
	e.destination(t, "tr1")
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket})
	for range 7 {
		e.event(t, acct, home, "kms.amazonaws.com", "CreateAlias", false)
	}
	e.deliver(t)
	n := 0
	for _, f := range e.logFiles(t) {
		require.LessOrEqual(t, len(f.records), 3)
		n += len(names(f.records))
	}
	require.Equal(t, 7, n)
}

func TestDeliveryLeaseKeepsTwoNodesApart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.destination(t, "tr1")
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket})
	require.NoError(t, e.svc.LeaseTrail(ctx, acct, home, "tr1", "another-node", e.clock.Now().Add(time.Hour)))
	e.event(t, acct, home, "kms.amazonaws.com", "CreateAlias", false)
	e.deliver(t)
	require.Empty(t, e.logFiles(t), "the other node holds the lease")
	e.clock.Advance(time.Hour)
	e.deliver(t)
	require.Len(t, e.logFiles(t), 1, "an expired lease is taken over")
}
