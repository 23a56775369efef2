package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// applicationID marks a SQLite file as a seclake metadata database ("SCLK"), so that Open refuses to take
// over another program's database.
const applicationID = 0x53434c4b

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate brings the database on conn to the newest schema in one transaction, after checking that it is a
// seclake database that this binary understands.
func migrate(ctx context.Context, conn *sql.Conn) (err error) {
	ms, err := meta.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	var appID, version, objects int
	err = conn.QueryRowContext(ctx, "SELECT (SELECT application_id FROM pragma_application_id),"+
		" (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)").
		Scan(&appID, &version, &objects)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if appID != applicationID && (appID != 0 || objects != 0 || version != 0) {
		return fmt.Errorf("%w: not a seclake metadata database (SQLite application_id %#x): "+
			"point --data at another directory", meta.ErrIncompatible, appID)
	}
	if version > len(ms) {
		return meta.NewerSchemaError(version, len(ms))
	}
	for _, m := range ms[version:] {
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
	}
	// PRAGMA arguments cannot be bound; both values are integers this package controls.
	set := fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", applicationID, len(ms))
	if _, err := conn.ExecContext(ctx, set); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit migrations: %w", err)
	}
	return nil
}
