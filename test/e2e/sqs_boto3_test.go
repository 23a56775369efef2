package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSQSBoto3ConsumerLoop drives SQS with boto3: queues, attributes, tags, sends with attributes, and a
// consumer thread that long-polls, processes and deletes while another thread sends; every message is
// received exactly once, and the long poll returns as soon as a message arrives.
func TestSQSBoto3ConsumerLoop(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os, threading, time, json
sqs = boto3.client("sqs", endpoint_url=os.environ["ENDPOINT"])
url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "30"}, tags={"team": "sec"})["QueueUrl"]
assert url.endswith("/111122223333/work"), url
assert sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "30"})["QueueUrl"] == url
try:
    sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "31"})
    raise SystemExit("a different attribute must be refused")
except sqs.exceptions.QueueNameExists:
    pass
assert sqs.get_queue_url(QueueName="work")["QueueUrl"] == url
assert url in sqs.list_queues(QueueNamePrefix="wo")["QueueUrls"]
assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "sec"}
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:111122223333:work", attrs
assert attrs["SqsManagedSseEnabled"] == "true" and attrs["VisibilityTimeout"] == "30", attrs
sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "20"})
try:
    sqs.get_queue_url(QueueName="nope")
    raise SystemExit("missing queue found")
except sqs.exceptions.QueueDoesNotExist as e:
    assert e.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue", e.response

N = 40
got, lock, done = [], threading.Lock(), threading.Event()
def consume():
    c = boto3.client("sqs", endpoint_url=os.environ["ENDPOINT"])
    while not done.is_set():
        r = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                              MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])
        for m in r.get("Messages", []):
            with lock:
                got.append((m["Body"], m["MessageAttributes"]["n"]["StringValue"], m["Attributes"]["ApproximateReceiveCount"]))
            c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        with lock:
            if len(got) >= N:
                done.set()
t = threading.Thread(target=consume); t.start()
time.sleep(0.3)  # the consumer is waiting in a long poll
for i in range(0, N, 10):
    r = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "e%d" % j, "MessageBody": "msg %d" % j,
        "MessageAttributes": {"n": {"DataType": "Number", "StringValue": str(j)}, "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}}
        for j in range(i, i + 10)])
    assert len(r["Successful"]) == 10 and not r.get("Failed"), r
t.join(30)
assert done.is_set(), got
bodies = sorted(b for b, _, _ in got)
assert bodies == sorted("msg %d" % j for j in range(N)), bodies
assert all(c == "1" for _, _, c in got)
# a single send and a long poll that an arriving message wakes
start = time.time()
def late():
    time.sleep(0.5)
    sqs.send_message(QueueUrl=url, MessageBody="late", DelaySeconds=0)
threading.Thread(target=late).start()
r = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
assert r["Messages"][0]["Body"] == "late" and time.time() - start < 9, r
h = r["Messages"][0]["ReceiptHandle"]
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=h, VisibilityTimeout=0)
r = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, AttributeNames=["ApproximateReceiveCount"])
assert r["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2", r
sqs.delete_message(QueueUrl=url, ReceiptHandle=r["Messages"][0]["ReceiptHandle"])
sqs.send_message(QueueUrl=url, MessageBody="to purge")
sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=600)
a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"])["Attributes"]
assert a == {"ApproximateNumberOfMessages": "1", "ApproximateNumberOfMessagesDelayed": "1"}, a
sqs.purge_queue(QueueUrl=url)
assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
sqs.delete_queue(QueueUrl=url)
print("ok")
`)
	require.NoError(t, err)
	require.Equal(t, "ok", strings.TrimSpace(out))
}
