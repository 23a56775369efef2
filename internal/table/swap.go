package table

import (
	"context"
	"fmt"
	"io"
	"strings"

	icetable "github.com/apache/iceberg-go/table"
)

// SwapMetadata points table ns.name at the metadata file loc, written by an engine that commits as Iceberg's
// Glue catalog does (Glue's UpdateTable with a new metadata_location), if the table's current metadata file is
// still prev: a conditional UPDATE of the catalog's row, so it serializes with the catalog's other commits; a
// table that moved on is ErrCommitFailed. The file must be the same table's metadata (its table UUID), read
// through the lake's file IO.
func (l *Lake) SwapMetadata(ctx context.Context, ns, name, prev, loc string) (*TableInfo, error) {
	cur, err := l.loadTable(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	if cur.MetadataLocation() != prev {
		return nil, fmt.Errorf("%w: the table's metadata is %s, not %s", ErrCommitFailed, cur.MetadataLocation(), prev)
	}
	if !strings.HasPrefix(loc, "s3://") {
		return nil, fmt.Errorf("%w: metadata_location %q is not an s3:// path", ErrInvalidCatalogObject, loc)
	}
	fs, err := cur.FS(ctx)
	if err != nil {
		return nil, err
	}
	f, err := fs.Open(loc)
	if err != nil {
		return nil, fmt.Errorf("%w: read metadata_location %s: %v", ErrInvalidCatalogObject, loc, err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%w: read metadata_location %s: %v", ErrInvalidCatalogObject, loc, err)
	}
	md, err := icetable.ParseMetadataBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not Iceberg table metadata: %v", ErrInvalidCatalogObject, loc, err)
	}
	if md.TableUUID() != cur.Metadata().TableUUID() {
		return nil, fmt.Errorf("%w: %s is the metadata of table %s, not of %s.%s (%s)", ErrInvalidCatalogObject, loc,
			md.TableUUID(), ns, name, cur.Metadata().TableUUID())
	}
	res, err := l.cfg.DB.ExecContext(ctx, `UPDATE iceberg_tables SET metadata_location = $1, previous_metadata_location = $2
WHERE catalog_name = $3 AND table_namespace = $4 AND table_name = $5 AND metadata_location = $6`,
		loc, prev, l.cfg.Account, ns, name, prev)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: swap metadata: %w", ns, name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, fmt.Errorf("%w: table %s.%s moved on meanwhile (%v)", ErrCommitFailed, ns, name, err)
	}
	return l.LoadTable(ctx, ns, name)
}
