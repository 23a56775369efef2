package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/postgres"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
)

// openStores prepares the data directory and opens the root key, the metadata store and the blob store. It
// returns the stores and a name of the blob store for logs; close the metadata store when done.
func openStores(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (stack.Stores, string, error) {
	fresh, err := prepareDataDir(cfg.DataDir)
	if err != nil {
		return stack.Stores{}, "", err
	}
	key, created, err := loadRootKey(cfg.DataDir, getenv(opt, "SECLAKE_ROOT_KEY"), fresh, rand.Reader)
	if err != nil {
		return stack.Stores{}, "", err
	}
	if created {
		log.Info("created root key", "path", filepath.Join(cfg.DataDir, rootKeyFile), "note", "back it up: without it the data directory's secrets cannot be read")
	}
	store, err := openMeta(ctx, cfg)
	if err != nil {
		return stack.Stores{}, "", fmt.Errorf("open metadata store: %w", err)
	}
	if err := checkRootKey(ctx, store, key); err != nil {
		return stack.Stores{}, "", errors.Join(err, store.Close())
	}
	blobs, blobName, err := openBlob(ctx, cfg, opt)
	if err != nil {
		return stack.Stores{}, "", errors.Join(fmt.Errorf("open blob store: %w", err), store.Close())
	}
	return stack.Stores{Meta: store, Blobs: blobs, Seal: key}, blobName, nil
}

// openMeta opens the metadata store the config names. (It returns the interface only on success, so a
// failed open never leaves a typed nil behind.)
func openMeta(ctx context.Context, cfg config.Config) (meta.Store, error) {
	if cfg.Meta == "" {
		st, err := sqlite.Open(filepath.Join(cfg.DataDir, metaFile), sqlite.Options{})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	// Retry backoff is about real contention, so it runs on the wall clock even when tests fake domain time.
	st, err := postgres.Open(ctx, cfg.Meta, postgres.Options{Schema: cfg.MetaSchema, Clock: clock.System})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// tableInfo is the app's own table: facts about the installation itself.
const tableInfo = "app.info"

// checkRootKey makes sure the root key is the one this store was created with, recording it on first use.
func checkRootKey(ctx context.Context, store meta.Store, key *seal.Key) error {
	return store.Update(ctx, func(tx meta.Tx) error {
		check, err := tx.Get(tableInfo, "rootkey-check")
		if errors.Is(err, meta.ErrNotFound) {
			return tx.Put(tableInfo, "rootkey-check", key.Check())
		}
		if err != nil {
			return fmt.Errorf("read root key check: %w", err)
		}
		if !key.Matches(check) {
			return errors.New("the root key does not belong to this data directory (its check value differs): restore the matching root.key or SECLAKE_ROOT_KEY")
		}
		return nil
	})
}
