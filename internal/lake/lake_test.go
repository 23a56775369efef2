package lake_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/queue"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

const acct = "111122223333"

var ctx = context.Background()

func rootIn(region string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: region,
		SourceIP: "192.0.2.1"}
}

// start starts the services on SQLite, with the meta-store manager role CreateDataLake is given.
func start(t *testing.T) (*stack.Stack, *lake.Service) {
	t.Helper()
	return startOn(t, stacktest.Start(t, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))))
}

func startOn(t *testing.T, st *stack.Stack) (*stack.Stack, *lake.Service) {
	t.Helper()
	_, err := st.IAM.CreateRole(ctx, rootIn("us-east-1"), iam.CreateRoleInput{Name: "AmazonSecurityLakeMetaStoreManager", Path: "/",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	require.NoError(t, err)
	return st, st.SecurityLake
}

func code(t *testing.T, err error) string {
	t.Helper()
	ae, ok := awserr.As(err)
	require.True(t, ok, "an AWS error: %v", err)
	return ae.Code
}

func days(n int) *int { return &n }

// createLake creates and provisions the account's lake in region and returns its record.
func createLake(t *testing.T, svc *lake.Service, region string) lake.DataLake {
	t.Helper()
	c := rootIn(region)
	dls, err := svc.CreateDataLake(ctx, c, lake.CreateDataLakeInput{Configurations: []lake.Configuration{{Region: region}},
		MetaStoreRole: "arn:aws:iam::" + acct + ":role/AmazonSecurityLakeMetaStoreManager"})
	require.NoError(t, err)
	require.Equal(t, lake.StatusInitialized, dls[0].CreateStatus)
	n, err := svc.Provision(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err := svc.ListDataLakes(ctx, c, []string{region})
	require.NoError(t, err)
	require.Len(t, got, 1)
	return got[0]
}

// TestDataLakeProvisionLifecycleDelete: a lake is INITIALIZED until the job provisions its bucket; an update's
// lifecycle becomes the bucket's rule; deleting the lake keeps the bucket, and a lake created again finds it.
func TestDataLakeProvisionLifecycleDelete(t *testing.T) {
	st, svc := start(t)
	c := rootIn("eu-west-1")
	lk := createLake(t, svc, "eu-west-1")
	require.Equal(t, lake.StatusCompleted, lk.CreateStatus)
	bucket := strings.TrimPrefix(lk.BucketARN, "arn:aws:s3:::")
	require.True(t, strings.HasPrefix(bucket, "aws-security-data-lake-eu-west-1-"), bucket)
	n, err := svc.Provision(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing left pending")

	upd, err := svc.UpdateDataLake(ctx, c, "req-1", []lake.Configuration{{Region: "eu-west-1", Lifecycle: &lake.Lifecycle{
		Expiration: &lake.Expiration{Days: days(365)}, Transitions: []lake.Transition{{Days: days(30), StorageClass: "STANDARD_IA"}}}}}, "")
	require.NoError(t, err)
	require.Equal(t, lake.StatusInitialized, upd[0].UpdateStatus.Status)
	require.Equal(t, "req-1", upd[0].UpdateStatus.RequestID)
	_, err = svc.Provision(ctx)
	require.NoError(t, err)
	lc, err := st.Objects.GetBucketLifecycle(ctx, c, bucket)
	require.NoError(t, err)
	require.Len(t, lc.Rules, 1)
	require.Equal(t, 365, lc.Rules[0].Expiration.Days)
	require.Equal(t, "STANDARD_IA", lc.Rules[0].Transitions[0].StorageClass)
	got, err := svc.ListDataLakes(ctx, c, nil)
	require.NoError(t, err)
	require.Equal(t, lake.StatusCompleted, got[0].UpdateStatus.Status)

	require.NoError(t, svc.DeleteDataLake(ctx, c, []string{"eu-west-1"}))
	got, err = svc.ListDataLakes(ctx, c, nil)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = st.Objects.HeadBucket(ctx, c, bucket)
	require.NoError(t, err, "the data stays")
	again := createLake(t, svc, "eu-west-1")
	require.Equal(t, lk.BucketARN, again.BucketARN, "a lake created again finds its bucket")
}

// TestDataLakeKeyCheck: a key whose policy does not let Security Lake's principal use it fails the update
// with the statement, principal and action named, an exception to list, and the bucket left as it was; with
// the statement, the bucket is switched to the key.
func TestDataLakeKeyCheck(t *testing.T) { testDataLakeKeyCheck(t, start) }

// TestDataLakeKeyCheckPostgres is TestDataLakeKeyCheck on PostgreSQL (SECLAKE_TEST_POSTGRES).
func TestDataLakeKeyCheckPostgres(t *testing.T) {
	testDataLakeKeyCheck(t, func(t *testing.T) (*stack.Stack, *lake.Service) {
		return startOn(t, stacktest.StartOn(t, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)), stacktest.Postgres(t)))
	})
}

func testDataLakeKeyCheck(t *testing.T, start func(*testing.T) (*stack.Stack, *lake.Service)) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	lk := createLake(t, svc, "us-east-1")
	bucket := strings.TrimPrefix(lk.BucketARN, "arn:aws:s3:::")
	admin := `{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"}`
	service := `{"Sid":"Allow SLR","Effect":"Allow","Principal":{"AWS":"` + table.ResourceManagementRoleARN(acct) + `"},` +
		`"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::` +
		bucket + `"},"StringLike":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}`
	key, err := st.KMS.CreateKey(ctx, c, kms.CreateKeyRequest{Policy: `{"Version":"2012-10-17","Statement":[` + admin + `]}`})
	require.NoError(t, err)

	update := func() lake.DataLake {
		t.Helper()
		_, err := svc.UpdateDataLake(ctx, c, "req", []lake.Configuration{{Region: "us-east-1", Encryption: &lake.Encryption{KMSKeyID: key.KeyID}}}, "")
		require.NoError(t, err)
		_, err = svc.Provision(ctx)
		require.NoError(t, err)
		got, err := svc.ListDataLakes(ctx, c, nil)
		require.NoError(t, err)
		return got[0]
	}
	got := update()
	require.Equal(t, lake.StatusFailed, got.UpdateStatus.Status)
	require.Equal(t, "AccessDeniedException", got.UpdateStatus.Exception.Code)
	for _, want := range []string{`"Allow SLR"`, "assumed-role/AWSServiceRoleForSecurityLakeResourceManagement/", "kms:GenerateDataKey", key.ARN} {
		require.Contains(t, got.UpdateStatus.Exception.Reason, want)
	}
	exc, next, err := svc.ListDataLakeExceptions(ctx, c, nil, "", nil)
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, exc, 1)
	require.Contains(t, exc[0].Remediation, service, "the remediation is the first guide's statement for this lake")
	enc, err := st.Objects.GetBucketEncryption(ctx, c, bucket)
	require.NoError(t, err)
	require.Equal(t, "AES256", string(enc.Rules[0].Default.SSEAlgorithm))

	require.NoError(t, st.KMS.PutKeyPolicy(ctx, c, key.KeyID, "default", `{"Version":"2012-10-17","Statement":[`+admin+`,`+service+`]}`, false))
	got = update()
	require.Equal(t, lake.StatusCompleted, got.UpdateStatus.Status, "%+v", got.UpdateStatus.Exception)
	require.Nil(t, got.UpdateStatus.Exception)
	enc, err = st.Objects.GetBucketEncryption(ctx, c, bucket)
	require.NoError(t, err)
	require.Equal(t, key.ARN, enc.Rules[0].Default.KMSMasterKeyID)

	// The check is the lake's write path: the table writer's identity (a session of the resource-management role
	// for the lake) writes under the key; without the statement it is refused, and an update with the key fails again.
	src := actor.Source{ARN: lk.ARN, Account: acct}
	writer, err := st.IAM.ServiceRoleSession(ctx, table.ResourceManagementPrincipal, table.ResourceManagementRoleARN(acct), "SecurityLakeResourceManagement", src)
	require.NoError(t, err)
	writer.Region, writer.Source = "us-east-1", src
	write := func() error {
		_, err := st.Objects.Deliver(ctx, objstore.DeliveryInput{Caller: writer, Object: objstore.PutInput{Bucket: bucket, Key: "aws/VPC_FLOW/2.0/x.parquet",
			Body: strings.NewReader("rows"), Size: 4}})
		return err
	}
	_, err = svc.CreateAwsLogSource(ctx, c, []lake.AwsSourceConfiguration{{Regions: []string{"us-east-1"}, SourceName: "VPC_FLOW"}})
	require.NoError(t, err)
	status := func() string {
		t.Helper()
		_, srcs, _, err := svc.GetDataLakeSources(ctx, c, nil, "", nil)
		require.NoError(t, err)
		require.Len(t, srcs, 1)
		return srcs[0].Statuses[0].Status
	}
	require.Equal(t, "NOT_COLLECTING", status())
	require.NoError(t, st.KMS.PutKeyPolicy(ctx, c, key.KeyID, "default", `{"Version":"2012-10-17","Statement":[`+admin+`]}`, false))
	require.Error(t, write(), "the lake's writes need the statement")
	require.Equal(t, "MISCONFIGURED", status(), "the source says so")
	require.Equal(t, lake.StatusFailed, update().UpdateStatus.Status)
	require.NoError(t, st.KMS.PutKeyPolicy(ctx, c, key.KeyID, "default", `{"Version":"2012-10-17","Statement":[`+admin+`,`+service+`]}`, false))
	require.NoError(t, write(), "and succeed with it")
	require.Equal(t, lake.StatusCompleted, update().UpdateStatus.Status)
}

// TestValidation: the model's constraints are BadRequestException, checked after authorization.
func TestValidation(t *testing.T) {
	_, svc := start(t)
	c := rootIn("us-east-1")
	role := "arn:aws:iam::" + acct + ":role/x"
	name := "siem"
	for what, err := range map[string]error{
		"region pattern": func() error {
			_, err := svc.CreateDataLake(ctx, c, lake.CreateDataLakeInput{Configurations: []lake.Configuration{{Region: "mars-1"}}, MetaStoreRole: role})
			return err
		}(),
		"role pattern": func() error {
			_, err := svc.CreateDataLake(ctx, c, lake.CreateDataLakeInput{Configurations: []lake.Configuration{{Region: "us-east-1"}}, MetaStoreRole: "role"})
			return err
		}(),
		"expiration days": func() error {
			_, err := svc.UpdateDataLake(ctx, c, "r", []lake.Configuration{{Region: "us-east-1", Lifecycle: &lake.Lifecycle{Expiration: &lake.Expiration{Days: days(0)}}}}, "")
			return err
		}(),
		"source name": func() error {
			_, err := svc.CreateAwsLogSource(ctx, c, []lake.AwsSourceConfiguration{{Regions: []string{"us-east-1"}, SourceName: "GUARDDUTY"}})
			return err
		}(),
		"WAF has no 1.0": func() error {
			_, err := svc.CreateAwsLogSource(ctx, c, []lake.AwsSourceConfiguration{{Regions: []string{"us-east-1"}, SourceName: "WAF", SourceVersion: "1.0"}})
			return err
		}(),
		"principal pattern": func() error {
			_, err := svc.CreateSubscriber(ctx, c, lake.SubscriberInput{Name: &name, Identity: &lake.AwsIdentity{Principal: "someone", ExternalID: "ext"},
				Sources: []lake.SourceRef{{Aws: &lake.AwsSource{SourceName: "VPC_FLOW"}}}})
			return err
		}(),
		"union": func() error {
			_, err := svc.CreateSubscriber(ctx, c, lake.SubscriberInput{Name: &name, Identity: &lake.AwsIdentity{Principal: acct, ExternalID: "ext"},
				Sources: []lake.SourceRef{{}}})
			return err
		}(),
		"subscriber id": func() error { _, err := svc.GetSubscriber(ctx, c, "42"); return err }(),
		"max results":   func() error { _, _, err := svc.ListSubscribers(ctx, c, "", days(101)); return err }(),
		"next token":    func() error { _, _, err := svc.ListSubscribers(ctx, c, "!!", nil); return err }(),
		"protocol": func() error {
			return svc.PutExceptionSubscription(ctx, c, true, lake.ExceptionSubscription{Protocol: "HTTPS", Endpoint: "x"})
		}(),
	} {
		require.Error(t, err, what)
		require.Equal(t, "BadRequestException", code(t, err), what)
	}
}

// TestSubscriberRoleAndPaging: a subscriber's role trusts its principal with its external ID and reads only its
// sources' prefixes; subscribers list a page at a time with tokens that resume where the last page ended.
func TestSubscriberRoleAndPaging(t *testing.T) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	lk := createLake(t, svc, "us-east-1")
	bucket := strings.TrimPrefix(lk.BucketARN, "arn:aws:s3:::")
	var ids []string
	for i := 0; i < 5; i++ {
		name := "siem"
		sub, err := svc.CreateSubscriber(ctx, c, lake.SubscriberInput{Name: &name, Identity: &lake.AwsIdentity{Principal: "444455556666", ExternalID: "ext-id"},
			Sources: []lake.SourceRef{{Aws: &lake.AwsSource{SourceName: "VPC_FLOW"}}, {Custom: &lake.CustomSource{SourceName: "suricata", SourceVersion: "1.0"}}}})
		require.NoError(t, err)
		ids = append(ids, sub.ID)
	}
	role, err := st.IAM.GetRole(ctx, c, "AmazonSecurityLake-"+ids[0])
	require.NoError(t, err)
	require.Contains(t, role.TrustPolicy, `"sts:ExternalId":"ext-id"`)
	require.Contains(t, role.TrustPolicy, "arn:aws:iam::444455556666:root")
	pol, err := st.IAM.GetInlinePolicy(ctx, c, "role", "AmazonSecurityLake-"+ids[0], "AmazonSecurityLakeSubscriberRead")
	require.NoError(t, err)
	require.Contains(t, pol.Document, "arn:aws:s3:::"+bucket+"/aws/VPC_FLOW/2.0/*")
	require.Contains(t, pol.Document, "arn:aws:s3:::"+bucket+"/ext/suricata/1.0/*")

	seen := map[string]bool{}
	token, pages := "", 0
	for {
		subs, next, err := svc.ListSubscribers(ctx, c, token, days(2))
		require.NoError(t, err)
		require.LessOrEqual(t, len(subs), 2)
		for _, s := range subs {
			require.False(t, seen[s.ID], "no subscriber twice")
			seen[s.ID] = true
		}
		pages++
		if next == "" {
			break
		}
		token = next
	}
	require.Equal(t, 3, pages)
	require.Len(t, seen, 5)

	require.NoError(t, svc.DeleteSubscriber(ctx, c, ids[0]))
	_, err = st.IAM.GetRole(ctx, c, "AmazonSecurityLake-"+ids[0])
	require.Equal(t, "NoSuchEntity", code(t, err))
	_, err = svc.GetSubscriber(ctx, c, ids[0])
	require.Equal(t, "ResourceNotFoundException", code(t, err))
}

// TestCustomSourceVersions: a custom source's location and provider role; the role stays while a version of
// the source does, and goes with the last one.
func TestCustomSourceVersions(t *testing.T) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	lk := createLake(t, svc, "us-east-1")
	in := lake.CustomSourceInput{SourceName: "zeek", CrawlerRoleARN: "arn:aws:iam::" + acct + ":role/crawler",
		Provider: lake.AwsIdentity{Principal: "444455556666", ExternalID: "zeek-ext"}}
	v1, err := svc.CreateCustomLogSource(ctx, c, in)
	require.NoError(t, err)
	require.Equal(t, "1.0", v1.SourceVersion)
	require.Equal(t, "s3://"+strings.TrimPrefix(lk.BucketARN, "arn:aws:s3:::")+"/ext/zeek/1.0/", v1.Provider.Location)
	in.SourceVersion = "2.0"
	_, err = svc.CreateCustomLogSource(ctx, c, in)
	require.NoError(t, err)
	role, err := st.IAM.GetRole(ctx, c, "AmazonSecurityLake-Provider-zeek-us-east-1")
	require.NoError(t, err)
	require.Equal(t, v1.Provider.RoleARN, role.ARN())
	pol, err := st.IAM.GetInlinePolicy(ctx, c, "role", role.Name, "AmazonSecurityLakeProviderWrite")
	require.NoError(t, err)
	require.Contains(t, pol.Document, "/ext/zeek/*", "the role writes every version's location")

	require.NoError(t, svc.DeleteCustomLogSource(ctx, c, "zeek", "1.0"))
	_, err = st.IAM.GetRole(ctx, c, role.Name)
	require.NoError(t, err, "version 2.0 still uses the role")
	err = svc.DeleteCustomLogSource(ctx, c, "zeek", "1.0")
	require.Equal(t, "ResourceNotFoundException", code(t, err))
	require.NoError(t, svc.DeleteCustomLogSource(ctx, c, "zeek", ""))
	_, err = st.IAM.GetRole(ctx, c, role.Name)
	require.Equal(t, "NoSuchEntity", code(t, err))
}

// TestCreateFailsThenUpdateRetries: a lake created with a key that does not exist is FAILED with the reason
// and an exception; an update retries the creation.
func TestCreateFailsThenUpdateRetries(t *testing.T) {
	_, svc := start(t)
	c := rootIn("us-east-1")
	missing := "arn:aws:kms:us-east-1:" + acct + ":key/00000000-0000-4000-8000-000000000000"
	_, err := svc.CreateDataLake(ctx, c, lake.CreateDataLakeInput{Configurations: []lake.Configuration{{Region: "us-east-1",
		Encryption: &lake.Encryption{KMSKeyID: missing}}}, MetaStoreRole: "arn:aws:iam::" + acct + ":role/AmazonSecurityLakeMetaStoreManager"})
	require.NoError(t, err)
	_, err = svc.Provision(ctx)
	require.NoError(t, err)
	got, err := svc.ListDataLakes(ctx, c, nil)
	require.NoError(t, err)
	require.Equal(t, lake.StatusFailed, got[0].CreateStatus)
	require.Contains(t, got[0].UpdateStatus.Exception.Reason, missing)
	exc, _, err := svc.ListDataLakeExceptions(ctx, c, []string{"us-east-1"}, "", nil)
	require.NoError(t, err)
	require.Len(t, exc, 1)

	_, err = svc.UpdateDataLake(ctx, c, "retry", []lake.Configuration{{Region: "us-east-1", Encryption: &lake.Encryption{KMSKeyID: lake.S3ManagedKey}}}, "")
	require.NoError(t, err)
	_, err = svc.Provision(ctx)
	require.NoError(t, err)
	got, err = svc.ListDataLakes(ctx, c, nil)
	require.NoError(t, err)
	require.Equal(t, lake.StatusCompleted, got[0].CreateStatus)
	require.Equal(t, lake.StatusCompleted, got[0].UpdateStatus.Status)
	require.Nil(t, got[0].UpdateStatus.Exception)
}

// TestNotifyCommitted: a subscriber notified through SQS gets an "Object Created" message for each committed
// file under its sources' prefixes, and none for the others.
func TestNotifyCommitted(t *testing.T) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	lk := createLake(t, svc, "us-east-1")
	bucket := strings.TrimPrefix(lk.BucketARN, "arn:aws:s3:::")
	name := "siem"
	sub, err := svc.CreateSubscriber(ctx, c, lake.SubscriberInput{Name: &name, Identity: &lake.AwsIdentity{Principal: acct, ExternalID: "ext-id"},
		Sources: []lake.SourceRef{{Aws: &lake.AwsSource{SourceName: "VPC_FLOW", SourceVersion: "2.0"}}}})
	require.NoError(t, err)
	_, err = svc.PutSubscriberNotification(ctx, c, sub.ID, true, lake.NotificationInput{SQS: true})
	require.NoError(t, err)

	n, err := svc.NotifyCommitted(ctx, acct, "us-east-1", bucket, []lake.CommittedObject{
		{Key: "aws/VPC_FLOW/2.0/region=us-east-1/accountId=" + acct + "/eventDay=20261201/a.parquet", Size: 1234, ETag: "abc"},
		{Key: "aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/b.parquet", Size: 99, ETag: "def"},
	})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	msgs, err := st.Queues.Receive(ctx, c, queue.Ref{Account: acct, Name: "AmazonSecurityLake-" + sub.ID + "-Main-Queue"}, queue.ReceiveRequest{Max: 10})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	var ev struct {
		DetailType string `json:"detail-type"`
		Detail     struct {
			Bucket struct{ Name string }
			Object struct {
				Key  string
				Size int64
				ETag string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(msgs[0].Body), &ev))
	require.Equal(t, "Object Created", ev.DetailType)
	require.Equal(t, bucket, ev.Detail.Bucket.Name)
	require.Equal(t, int64(1234), ev.Detail.Object.Size)
	require.Equal(t, "abc", ev.Detail.Object.ETag)
	require.Contains(t, ev.Detail.Object.Key, "aws/VPC_FLOW/2.0/")
}

// TestHTTPSNotificationKeySealed: an HTTPS notification's API key is kept sealed, never in the clear, and opens
// again for delivery.
func TestHTTPSNotificationKeySealed(t *testing.T) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	createLake(t, svc, "us-east-1")
	name := "siem"
	sub, err := svc.CreateSubscriber(ctx, c, lake.SubscriberInput{Name: &name, Identity: &lake.AwsIdentity{Principal: acct, ExternalID: "ext-id"},
		Sources: []lake.SourceRef{{Aws: &lake.AwsSource{SourceName: "VPC_FLOW"}}}})
	require.NoError(t, err)
	const secret = "very-secret-api-key-value"
	ep, err := svc.PutSubscriberNotification(ctx, c, sub.ID, true, lake.NotificationInput{APIKeyValue: secret,
		HTTPS: &lake.HTTPSNotify{Endpoint: "https://siem.example.com/hook", APIKeyName: "X-Key", TargetRoleARN: "arn:aws:iam::" + acct + ":role/x"}})
	require.NoError(t, err)
	require.Equal(t, "https://siem.example.com/hook", ep)
	got, err := svc.GetSubscriber(ctx, c, sub.ID)
	require.NoError(t, err)
	key, err := svc.APIKey(got)
	require.NoError(t, err)
	require.Equal(t, secret, key)
	plain := false
	require.NoError(t, st.Meta.View(ctx, func(tx meta.Tx) error {
		return tx.Scan("lake.subscribers", meta.Range{}, func(_ string, v []byte) bool {
			plain = plain || strings.Contains(string(v), secret)
			return true
		})
	}))
	require.False(t, plain, "no plaintext at rest")
}
