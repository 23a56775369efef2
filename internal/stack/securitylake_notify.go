package stack

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
)

// lakeDataFiles subscribes a lake bucket's data files under a prefix (lake.DataFiles): objstore records an event
// of type lake with each .parquet object written there, in the write's transaction, and s3notify hands it to
// lakeEvents.
type lakeDataFiles struct{ o *objstore.Service }

// lakeSubscriptionPrefix starts the IDs of the lake's subscriptions (one per source prefix and bucket).
const lakeSubscriptionPrefix = "securitylake:"

func (d lakeDataFiles) SubscribeDataFiles(ctx context.Context, bucket, prefix string) error {
	return d.o.SubscribeWith(ctx, bucket, objstore.Subscription{ID: lakeSubscriptionPrefix + prefix, Prefix: prefix,
		Suffix: ".parquet", Kind: objstore.DestinationLake})
}

// lakeReplicaSubscription is the ID of a rollup lake bucket's subscription to the data files written into it.
const lakeReplicaSubscription = "securitylake-rollup:aws/"

func (d lakeDataFiles) SubscribeReplicas(ctx context.Context, bucket string) error {
	return d.o.SubscribeWith(ctx, bucket, objstore.Subscription{ID: lakeReplicaSubscription, Prefix: "aws/",
		Suffix: ".parquet", Kind: objstore.DestinationLake})
}

// lakeEvents tells a lake's subscribers of a new data file (s3notify.Lake); a refusal keeps the event for a retry.
type lakeEvents struct{ l *lake.Service }

func (e lakeEvents) LakeEvent(ctx context.Context, ev *objstore.Event, subscription string) error {
	if ev.Name == "ObjectCreated:Copy" && ev.Principal == lake.EventSource {
		return nil // the lake's re-encryption of a file it already announced
	}
	if subscription == lakeReplicaSubscription {
		if !strings.HasPrefix(ev.Name, "ObjectCreated:") {
			return nil
		}
		return e.l.AddReplica(ctx, ev.Owner, ev.Region, ev.Key)
	}
	_, err := e.l.NotifyCommitted(ctx, ev.Owner, ev.Region, ev.Bucket, []lake.CommittedObject{{Key: ev.Key, Size: ev.Size, ETag: strings.Trim(ev.ETag, `"`)}})
	return err
}

// lakeCollection reads ingestion's records of its commits (lake.Collection), once ingestion runs.
type lakeCollection struct{ s *Stack }

func (c lakeCollection) Collected(ctx context.Context, account, region string) ([]lake.Collected, error) {
	in := c.s.Ingest
	if in == nil {
		return nil, nil
	}
	got, err := in.Collected(ctx, account, region)
	out := make([]lake.Collected, len(got))
	for i, g := range got {
		out[i] = lake.Collected{Account: g.Account, Source: g.Source, Version: g.Version, Last: g.Last}
	}
	return out, err
}
