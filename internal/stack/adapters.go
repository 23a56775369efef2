package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/eventbus"
	"github.com/seclake/seclake/internal/queue"
	"github.com/seclake/seclake/internal/s3notify"
)

// queueTargets lets EventBridge deliver to SQS queues (eventbus.QueueSender).
type queueTargets struct{ q *queue.Service }

// SendAs sends body as the service principal c. For a FIFO queue (a group ID) the deduplication ID is the
// body's SHA-256: the body holds the event's ID, so a redelivered event is deduplicated.
func (a queueTargets) SendAs(ctx context.Context, c *actor.Caller, queueARN, body, groupID string) error {
	e := queue.SendEntry{Body: body, GroupID: groupID}
	if groupID != "" {
		sum := sha256.Sum256([]byte(body))
		e.DedupID = hex.EncodeToString(sum[:])
	}
	_, err := a.q.SendAs(ctx, c, queueARN, e)
	return err
}

// serviceEvents lets S3 put its events on the default bus (s3notify.Bus).
type serviceEvents struct{ b *eventbus.Service }

func (a serviceEvents) PutServiceEvent(ctx context.Context, e s3notify.ServiceEvent) error {
	_, err := a.b.PutServiceEvent(ctx, e.Account, e.Region, eventbus.Entry{Time: e.Time, Source: e.Source, DetailType: e.DetailType,
		Detail: string(e.Detail), Resources: e.Resources})
	return err
}
