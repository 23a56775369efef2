package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/queue"
)

// KMS's failures reach senders and receivers as SQS's own errors: a disabled key is KmsDisabled (query code
// KMS.DisabledException), a principal that may use the queue but not the key is KmsAccessDenied naming the
// permission, the principal and the key; the data key is asked for again once the reuse period is over.
func TestKMSFailuresAsSQSErrors(t *testing.T) {
	e := newEnv(t)
	key := e.kmsKey(t)
	ref := e.queue(t, "sealed", map[string]string{"KmsMasterKeyId": key, "KmsDataKeyReusePeriodSeconds": "60",
		"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}`})
	send(t, e, ref, "before")

	events := actor.ServicePrincipal("events.amazonaws.com", "us-east-1", e.clock.Now(), actor.Source{ARN: "arn:aws:events:us-east-1:" + acct + ":rule/r", Account: acct})
	_, err := e.q.SendAs(ctx, events, "arn:aws:sqs:us-east-1:"+acct+":sealed", queue.SendEntry{Body: "from a rule"})
	ae, ok := awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "KmsAccessDenied", ae.Code)
	require.Equal(t, "KMS.AccessDeniedException", ae.QueryCode)
	require.Contains(t, ae.Message, "kms:GenerateDataKey")
	require.Contains(t, ae.Message, "events.amazonaws.com")
	require.Contains(t, ae.Message, key)

	require.NoError(t, e.st.KMS.DisableKey(ctx, root, key))
	send(t, e, ref, "cached data key") // within the reuse period SQS does not ask KMS again
	e.clock.Advance(61 * time.Second)
	_, err = e.q.Send(ctx, root, ref, []queue.SendEntry{{Body: "after"}}, true)
	ae, ok = awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "KmsDisabled", ae.Code)
	require.Equal(t, "KMS.DisabledException", ae.QueryCode)
	zero := 0
	_, err = e.q.Receive(ctx, root, ref, queue.ReceiveRequest{Max: 10, Wait: &zero})
	ae, ok = awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "KmsDisabled", ae.Code, "the receiver's kms:Decrypt fails too")
	require.NoError(t, e.st.KMS.EnableKey(ctx, root, key))
	got, err := e.q.Receive(ctx, root, ref, queue.ReceiveRequest{Max: 10, Wait: &zero})
	require.NoError(t, err)
	require.Len(t, got, 2, "the failed receive hid nothing")
}
