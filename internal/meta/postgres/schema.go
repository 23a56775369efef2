package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seclake/seclake/internal/meta"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the first half of the advisory lock key that serializes migrations of one schema when
// several nodes start at once; the second half is the hash of the schema name.
const migrationLock = 0x53434c4b

// migrate creates the schema if needed and brings it to the newest version in one transaction, after
// checking that this binary understands the version it finds.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	ms, err := meta.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", migrationLock, schema); err != nil {
			return fmt.Errorf("lock schema: %w", err)
		}
		quoted := pgx.Identifier{schema}.Sanitize()
		if err := createSchema(ctx, tx, schema, quoted); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+quoted); err != nil {
			return fmt.Errorf("set search_path: %w", err)
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS seclake_schema (version integer NOT NULL)"); err != nil {
			return fmt.Errorf("create seclake_schema: %w", err)
		}
		version := 0
		err := tx.QueryRow(ctx, "SELECT version FROM seclake_schema").Scan(&version)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > len(ms) {
			return meta.NewerSchemaError(version, len(ms))
		}
		for _, m := range ms[version:] {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.Name, err)
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM seclake_schema"); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO seclake_schema (version) VALUES ($1)", len(ms)); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
		return nil
	})
}

// createSchema creates the schema unless it exists; checking first lets a role without CREATE privilege on
// the database use a schema made for it.
func createSchema(ctx context.Context, tx pgx.Tx, schema, quoted string) error {
	var exists bool
	err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists)
	if err != nil {
		return fmt.Errorf("look up schema: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+quoted); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	return nil
}
