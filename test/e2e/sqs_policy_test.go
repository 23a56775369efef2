package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/queue"
)

// TestSQSQueuePolicyCrossAccount: a user of another account may send only once the queue policy lets its
// account (AddPermission), and no longer after RemovePermission.
func TestSQSQueuePolicyCrossAccount(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	member := memberAccount(t, s, "sender", "sender@example.com")
	keyID, secret := userWithPolicy(t, memberAdmin(t, s, member), "sender", "arn:aws:iam::aws:policy/AdministratorAccess")
	c := sqs.NewFromConfig(s.rootConfig())
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("shared")})
	require.NoError(t, err)
	other := sqs.NewFromConfig(s.sdkConfig(keyID, secret, ""))
	send := func() error {
		_, err := other.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")})
		return err
	}
	require.ErrorContains(t, send(), "AccessDenied")
	_, err = c.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: q.QueueUrl, Label: aws.String("member-sends"),
		AWSAccountIds: []string{member}, Actions: []string{"SendMessage"}})
	require.NoError(t, err)
	require.NoError(t, send())
	_, err = other.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
	require.ErrorContains(t, err, "sqs:ReceiveMessage", "only SendMessage was granted")
	_, err = c.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: q.QueueUrl, Label: aws.String("member-sends")})
	require.NoError(t, err)
	require.ErrorContains(t, send(), "AccessDenied")
}

// guideQueue is the first guide's SQS setup: the SQS key with the guide's key policy, a subscriber role of
// another account (external ID ext-123) with the guide's AllowDecryptForSpecificKey policy, and a queue encrypted
// with the key whose policy lets events.amazonaws.com send for ruleARN only and the subscriber role receive.
type guideQueue struct {
	subAdmin                  aws.Config
	roleARN, keyARN, queueARN string
	queueURL                  *string
	admin, events, sub        string // the key policy's statements
	keyPolicy                 func(stmts ...string)
}

func newGuideQueue(t *testing.T, s *server, ruleARN string) *guideQueue {
	t.Helper()
	ctx := context.Background()
	subscriber := memberAccount(t, s, "subscriber", "subscriber@example.com")
	subAdmin := memberAdmin(t, s, subscriber)
	roleARN := "arn:aws:iam::" + subscriber + ":role/Subscriber"
	_, err := iam.NewFromConfig(subAdmin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Subscriber"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + subscriber + `:root"},
			"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}`)})
	require.NoError(t, err)

	kc := kms.NewFromConfig(s.rootConfig())
	key, err := kc.CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(t, err)
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	admin := `{ "Sid": "Key administration (as needed)", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + testAccount + `:root"}, "Action": "kms:*", "Resource": "*" }`
	events := `{
      "Sid": "Allow EventBridge To Use The Key",
      "Effect": "Allow",
      "Principal": { "Service": "events.amazonaws.com" },
      "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
      "Resource": "*"
    }`
	sub := `{
      "Sid": "Allow Subscriber Role To Use The Key",
      "Effect": "Allow",
      "Principal": { "AWS": "` + roleARN + `" },
      "Action": ["kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
      "Resource": "*"
    }`
	keyPolicy := func(stmts ...string) {
		_, err := kc.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default"),
			Policy: aws.String(`{"Version": "2012-10-17", "Id": "Security-Lake-SQS-Key-Policy", "Statement": [` + strings.Join(stmts, ",") + `]}`)})
		require.NoError(t, err)
	}
	keyPolicy(admin, events, sub)
	_, err = iam.NewFromConfig(subAdmin).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Subscriber"), PolicyName: aws.String("decrypt"),
		PolicyDocument: aws.String(`{ "Version": "2012-10-17",
  "Statement": { "Sid": "AllowDecryptForSpecificKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "` + keyARN + `" } }`)})
	require.NoError(t, err)
	_, err = iam.NewFromConfig(subAdmin).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Subscriber"), PolicyName: aws.String("sqs"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage"],"Resource":"*"}}`)})
	require.NoError(t, err)

	queueARN := "arn:aws:sqs:" + testRegion + ":" + testAccount + ":subscriber-queue"
	c := sqs.NewFromConfig(s.rootConfig())
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("subscriber-queue"), Attributes: map[string]string{
		"KmsMasterKeyId": keyARN, "KmsDataKeyReusePeriodSeconds": "60",
		"Policy": `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + queueARN + `",
			 "Condition":{"ArnEquals":{"aws:SourceArn":"` + ruleARN + `"}}},
			{"Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":["sqs:ReceiveMessage","sqs:DeleteMessage"],"Resource":"` + queueARN + `"}]}`}})
	require.NoError(t, err)

	return &guideQueue{subAdmin: subAdmin, roleARN: roleARN, keyARN: keyARN, queueARN: queueARN, queueURL: q.QueueUrl,
		admin: admin, events: events, sub: sub, keyPolicy: keyPolicy}
}

// TestSQSEventBridgeToKMSQueueAndSubscriber is the first guide's SQS path: a queue encrypted with the SQS key
// whose policy is pasted from the guide, a queue policy that lets events.amazonaws.com send for one rule only,
// and a subscriber role of another account (assumed with an external ID) that receives and decrypts. Without
// the "Allow EventBridge To Use The Key" statement the send fails naming kms:GenerateDataKey and
// events.amazonaws.com.
func TestSQSEventBridgeToKMSQueueAndSubscriber(t *testing.T) {
	clk := clock.NewFake(time.Now())
	s := startServer(t, withClock(clk))
	ctx := context.Background()
	ruleARN := "arn:aws:events:" + testRegion + ":" + testAccount + ":rule/new-data"
	g := newGuideQueue(t, s, ruleARN)
	subAdmin, roleARN, queueARN, q := g.subAdmin, g.roleARN, g.queueARN, struct{ QueueUrl *string }{g.queueURL}
	admin, events, sub, keyPolicy := g.admin, g.events, g.sub, g.keyPolicy
	sendAs := func(rule string) error {
		c := actor.ServicePrincipal("events.amazonaws.com", testRegion, s.Clock.Now(), actor.Source{ARN: rule, Account: testAccount})
		_, err := s.app.Queues().SendAs(ctx, c, queueARN, queue.SendEntry{Body: `{"detail-type":"Object Created"}`})
		return err
	}
	err := sendAs("arn:aws:events:" + testRegion + ":" + testAccount + ":rule/other")
	require.Error(t, err, "another rule may not send")
	e, _ := awserr.As(err)
	require.Equal(t, "AccessDenied", e.Code)
	require.NoError(t, sendAs(ruleARN))

	out, err := sts.NewFromConfig(subAdmin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sub"), ExternalId: aws.String("ext-123")})
	require.NoError(t, err)
	cr := out.Credentials
	subscriberSQS := sqs.NewFromConfig(s.sdkConfig(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)))
	r, err := subscriberSQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameSenderId}})
	require.NoError(t, err)
	require.Len(t, r.Messages, 1)
	require.Equal(t, `{"detail-type":"Object Created"}`, aws.ToString(r.Messages[0].Body))
	require.Equal(t, "events.amazonaws.com", r.Messages[0].Attributes["SenderId"])
	_, err = subscriberSQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: r.Messages[0].ReceiptHandle})
	require.NoError(t, err)

	// Without the EventBridge statement, the send fails and says why, once the data key's reuse period is over.
	keyPolicy(admin, sub)
	clk.Advance(61 * time.Second)
	err = sendAs(ruleARN)
	require.Error(t, err)
	e, _ = awserr.As(err)
	require.Equal(t, "KmsAccessDenied", e.Code)
	require.Contains(t, e.Message, "kms:GenerateDataKey")
	require.Contains(t, e.Message, "events.amazonaws.com")
	keyPolicy(admin, events, sub)
	require.NoError(t, sendAs(ruleARN))
}
