package ingest

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/ocsf/shape"
)

// collectedTable holds when rows were last committed to a lake's table for an account:
// <lake account>\x00<lake region>\x00<event account>\x00<table> → collected.
const collectedTable = "ingest.collected"

// collected is the record of collectedTable.
type collected struct {
	Account string    `json:"account"`
	Table   string    `json:"table"`
	Last    time.Time `json:"last"`
}

func collectedPrefix(account, region string) string { return account + "\x00" + region + "\x00" }

// Collected is when ingestion last committed rows of a source's table to a lake for the account the events
// are of.
type Collected struct {
	// Account is the account the events are of; Source and Version name the table (VPC_FLOW, 2.0).
	Account, Source, Version string
	Last                     time.Time
}

// noteCollected records, in the ledger's transaction tx, that b's rows were committed at now.
func noteCollected(tx meta.Tx, b *buffer, now time.Time) error {
	k := collectedPrefix(b.key.account, b.key.region) + b.key.evAccount + "\x00" + b.key.table
	return putJSON(tx, collectedTable, k, collected{Account: b.key.evAccount, Table: b.key.table, Last: now.UTC()})
}

// Collected returns when rows were last committed to each table of account's lake in region, per account the
// events are of.
func (s *Service) Collected(ctx context.Context, account, region string) ([]Collected, error) {
	var out []Collected
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		recs, err := meta.ScanJSON[collected](tx, collectedTable, meta.Range{Prefix: collectedPrefix(account, region)})
		for _, r := range recs {
			t, ok := shape.Lookup(r.Table)
			if !ok {
				continue
			}
			out = append(out, Collected{Account: r.Account, Source: t.Source, Version: t.Version, Last: r.Last})
		}
		return err
	})
	return out, err
}
