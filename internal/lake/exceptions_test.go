package lake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/queue"
)

// TestExceptionsDeliveredAndExpire: with an "sqs" exception subscription, a failure of the lake arrives on the
// queue (sent as Security Lake's principal, which the queue policy lets in); exceptions older than the
// subscription's time to live (days) leave the list.
func TestExceptionsDeliveredAndExpire(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st, svc := startOn(t, stacktest.Start(t, clk))
	c := rootIn("us-east-1")
	arn := queue.ARN("us-east-1", acct, "lake-exceptions")
	_, err := st.Queues.CreateQueue(ctx, c, "lake-exceptions", map[string]string{"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"Service":"securitylake.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + arn + `",` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":"` + acct + `"}}}]}`}, nil)
	require.NoError(t, err)
	ttl := int64(2)
	require.NoError(t, svc.PutExceptionSubscription(ctx, c, true, lake.ExceptionSubscription{Protocol: "sqs", Endpoint: arn, TimeToLive: &ttl}))

	missing := "arn:aws:kms:us-east-1:" + acct + ":key/00000000-0000-4000-8000-000000000000"
	_, err = svc.CreateDataLake(ctx, c, lake.CreateDataLakeInput{Configurations: []lake.Configuration{{Region: "us-east-1",
		Encryption: &lake.Encryption{KMSKeyID: missing}}}, MetaStoreRole: "arn:aws:iam::" + acct + ":role/AmazonSecurityLakeMetaStoreManager"})
	require.NoError(t, err)
	_, err = svc.Provision(ctx)
	require.NoError(t, err)

	msgs, err := st.Queues.Receive(ctx, c, queue.Ref{Account: acct, Name: "lake-exceptions"}, queue.ReceiveRequest{Max: 10})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0].Body, missing)
	require.Contains(t, msgs[0].Body, `"remediation"`)

	exc, _, err := svc.ListDataLakeExceptions(ctx, c, nil, "", nil)
	require.NoError(t, err)
	require.Len(t, exc, 1)
	clk.Advance(49 * time.Hour)
	exc, _, err = svc.ListDataLakeExceptions(ctx, c, nil, "", nil)
	require.NoError(t, err)
	require.Empty(t, exc, "older than the time to live")
}
