package lake

import (
	"context"
	"fmt"
	"slices"

	"github.com/seclake/seclake/internal/meta"
)

// subscribeReplicas has the rollup regions' buckets record each data file written into them, so that the
// replicas of the contributing regions' files join the rollup lakes' tables (AddReplica).
func (s *Service) subscribeReplicas(ctx context.Context, to []ReplicaTarget) *failure {
	if s.cfg.DataFiles == nil {
		return nil
	}
	for _, t := range to {
		if err := s.cfg.DataFiles.SubscribeReplicas(ctx, t.Bucket); err != nil {
			return failed(fmt.Errorf("subscribe to the replicas of %s: %w", t.Bucket, err), "Call UpdateDataLake again.")
		}
	}
	return nil
}

// AddReplica adds a data file written into the bucket of account's lake in region to the lake's table when it is
// a replica of a contributing region's file (a lake of the account replicating to region committed it); the
// lake's own files and metadata files are left alone. A replica its contributing lake has not committed yet is
// table.ErrNotCommitted, and the event is tried again.
func (s *Service) AddReplica(ctx context.Context, account, region, key string) error {
	var contributing []string
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		all, err := scanJSON[DataLake](tx, tableLakes, account+"/")
		for _, dl := range all {
			if dl.Replication != nil && slices.Contains(dl.Replication.Regions, region) && dl.Region != region {
				contributing = append(contributing, dl.Region)
			}
		}
		return err
	})
	if err != nil || len(contributing) == 0 {
		return err
	}
	_, err = s.cfg.Lakes.AddReplicated(ctx, account, region, contributing, key)
	return err
}
