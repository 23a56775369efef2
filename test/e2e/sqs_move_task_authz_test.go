package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSQSMoveTaskNeedsTheRedrivePermissions: StartMessageMoveTask needs, besides sqs:StartMessageMoveTask,
// what a redrive does: sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the dead-letter
// queue, and sqs:SendMessage on the destination (the given one, or the queues that dead-letter into it). A user
// lacking any one of them is refused with AccessDenied naming it, and nothing moves; with all of them the move
// completes.
func TestSQSMoveTaskNeedsTheRedrivePermissions(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os, json
from botocore.exceptions import ClientError
E = os.environ["ENDPOINT"]
sqs = boto3.client("sqs", endpoint_url=E)
iam = boto3.client("iam", endpoint_url=E)
def arn(url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
dlq_arn = arn(dlq)
src = sqs.create_queue(QueueName="orders", Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})["QueueUrl"]
src_arn = arn(src)
other = sqs.create_queue(QueueName="replay")["QueueUrl"]
other_arn = arn(other)
sqs.send_message(QueueUrl=dlq, MessageBody="stuck")

need = {"sqs:StartMessageMoveTask": dlq_arn, "sqs:ReceiveMessage": dlq_arn, "sqs:DeleteMessage": dlq_arn,
        "sqs:GetQueueAttributes": dlq_arn, "sqs:SendMessage": "*"}
def client_without(missing):
    name = "mover-" + missing.split(":")[1]
    iam.create_user(UserName=name)
    stmts = [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in need.items() if a != missing]
    iam.put_user_policy(UserName=name, PolicyName="redrive", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": stmts}))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return boto3.client("sqs", endpoint_url=E, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])

for missing in need:
    c = client_without(missing)
    for dest in (None, other_arn):
        args = {"SourceArn": dlq_arn}
        if dest:
            args["DestinationArn"] = dest
        try:
            c.start_message_move_task(**args)
            raise SystemExit("moved without " + missing)
        except ClientError as e:
            err = e.response["Error"]
            assert err["Code"] in ("AccessDenied", "AccessDeniedException"), err
            assert missing in err["Message"], (missing, err)
    print("refused without", missing)

n = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]
assert n == "1", n

ok = client_without("none:none")
ok.start_message_move_task(SourceArn=dlq_arn, DestinationArn=other_arn)
m = sqs.receive_message(QueueUrl=other, WaitTimeSeconds=1)["Messages"]
assert [x["Body"] for x in m] == ["stuck"], m
print("moved ok")
`)
	require.NoError(t, err, out)
	for _, a := range []string{"StartMessageMoveTask", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes", "SendMessage"} {
		require.Contains(t, out, "refused without sqs:"+a)
	}
	require.Contains(t, out, "moved ok")
}
