// Package query runs SQL over the lake's Iceberg tables on an embedded DuckDB: the only importer of DuckDB.
//
// A query names its tables as Athena does; each is resolved through the Glue Data Catalog as the caller (following
// resource links to their target), its scan planned from the Iceberg metadata (partition and column-statistics
// pruning on the predicates of the SQL), and only the data files left are read through the object store as the
// reader (the caller, or Lake Formation's reader for governed tables), so the caller's s3:GetObject and kms:Decrypt
// decide as on AWS. Decrypted files live in anonymous memory (memfd) and reach DuckDB as /proc/self/fd/N; DuckDB runs
// locked down per query (no extension loading, no external access but the query's own files, no spilling to disk,
// a memory limit), so plaintext never reaches the disk.
package query

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/actor"
)

// Request is one SQL statement run for a caller.
type Request struct {
	// SQL is the statement (DuckDB's dialect, with the Athena/Trino functions Security Lake's examples use).
	SQL string
	// Caller is who runs it; the catalog and object reads are authorized as this caller.
	Caller *actor.Caller
	// Catalog is the account ID whose Glue catalog resolves names ("" = the caller's account).
	Catalog string
	// Database is the default database for unqualified table names (Athena's QueryExecutionContext).
	Database string
	// Region is the region of the catalog ("" = the caller's region).
	Region string
	// MemoryLimit is the query's memory limit in bytes; 0 = Config.MemoryLimit.
	MemoryLimit int64
}

// Column is a result column with its type as Athena names it (varchar, bigint, integer, double, boolean,
// timestamp, date, decimal(p,s), array(varchar), row(a varchar, b bigint), map(varchar,varchar), …).
type Column struct{ Name, Type string }

// Rows is a running query's result, read row by row.
type Rows interface {
	// Columns are the result's columns.
	Columns() []Column
	// Next advances to the next row; false at the end or on an error (see Err).
	Next() bool
	// Row is the current row, each value as Athena prints it (nil = NULL): timestamps "2024-01-02 03:04:05.000",
	// arrays "[a, b]", rows "{a=1, b=x}", maps "{k=v}".
	Row() []*string
	// Err is the error that ended the rows, if any.
	Err() error
	// Stats says what the query read.
	Stats() Stats
	// Close ends the query and releases its memory and files.
	Close() error
}

// Stats says what a query read.
type Stats struct {
	// DataScannedBytes are the bytes of data files read (whole files, or only the footer and the chunks of the
	// columns the query reads).
	DataScannedBytes int64
	// FilesRead are the data files read; FilesPruned those the plan skipped (partitions and column statistics).
	FilesRead, FilesPruned int
	// EngineTime is the time spent planning and running the query.
	EngineTime time.Duration
}

// Governor decides, for Lake Formation, what a caller may read of a table (nil Governor: IAM only).
type Governor interface {
	// Access returns what c may read of t; an error is the access error to return to the caller.
	Access(ctx context.Context, c *actor.Caller, t TableRef) (Access, error)
}

// TableRef names a table (the target of a resource link once resolved).
type TableRef struct{ Catalog, Region, Database, Table string }

// Access is what a governed caller may read: Governed false = the caller reads under IAM alone.
type Access struct {
	Governed bool
	// Columns are the readable columns (nil = all).
	Columns []string
	// RowFilter is a SQL boolean expression over the table's columns ("" = every row).
	RowFilter string
	// Reader is who reads the files when governed (Lake Formation's role for the table's account).
	Reader *actor.Caller
}

// Config builds an Engine.
type Config struct {
	// Catalog resolves tables and plans their scans.
	Catalog Catalog
	// Objects reads the data files as a caller.
	Objects Objects
	// Governor decides governed access (nil: IAM only).
	Governor Governor
	// MemoryLimit is the default memory limit of a query in bytes (0: 1 GiB).
	MemoryLimit int64
	// Threads is DuckDB's thread count per query (0: the number of CPUs).
	Threads int
	// FooterCacheBytes bounds the data files' decrypted footers kept in memory between queries (0:
	// DefaultFooterCacheBytes; negative: none kept). A kept footer saves a query the read of the file's tail; the
	// query still reads the rest of the file (at least a few bytes) as its reader, so access is decided each time.
	FooterCacheBytes int64
}
