package app

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/eventbus"
)

// EventFailures prints the EventBridge deliveries that failed — retrying, sent to a dead-letter queue, or kept —
// of an existing data directory as JSON lines, one failure a line, for account (all accounts when empty) in the
// configured region. It returns how many it printed.
func EventFailures(ctx context.Context, cfg config.Config, account string, w io.Writer) (int, error) {
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer st.Meta.Close()
	fails, err := eventbus.Failures(ctx, st.Meta, account, cfg.Region)
	if err != nil {
		return 0, err
	}
	enc := json.NewEncoder(w)
	for _, f := range fails {
		if err := enc.Encode(f); err != nil {
			return 0, err
		}
	}
	return len(fails), nil
}

// RedriveEventFailures queues the kept EventBridge failures of an existing data directory (of account, or all
// accounts when empty, in the configured region) for delivery again; the server's delivery loop sends them.
func RedriveEventFailures(ctx context.Context, cfg config.Config, account string) (int, error) {
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer st.Meta.Close()
	return eventbus.Redrive(ctx, st.Meta, time.Now(), account, cfg.Region)
}
