package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/meta"
)

// applicationID marks a SQLite file as a seclake metadata database ("SCLK"), so that Open refuses to take
// over another program's database.
const applicationID = 0x53434c4b

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema change; applying it moves the database to version.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in version order. Their names are NNNN_description.sql,
// numbered from 1 without gaps.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate brings the database on conn to the newest schema in one transaction, after checking that it is a
// seclake database that this binary understands.
func migrate(ctx context.Context, conn *sql.Conn) (err error) {
	ms, err := loadMigrations(migrationFS, "migrations")
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
		return fmt.Errorf("%w: schema version %d but this seclake knows only versions up to %d: "+
			"upgrade seclake or point --data at another directory", meta.ErrIncompatible, version, len(ms))
	}
	for _, m := range ms[version:] {
		if _, err := conn.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
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
