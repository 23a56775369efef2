// Package ingest is the lake's ingestion engine: raw objects in, rows in the lake's Iceberg tables out,
// exactly once.
//
// # Queue and ledger
//
// An object is enqueued under its identity (bucket, key, and version ID or else ETag) once: Enqueue inserts its
// record in the table ingest.objects, and a second notification or backfill of the same identity adds nothing.
// Workers (Run, a worker job) claim the objects that are due with a lease, renewed while they work; an object
// whose worker died comes due again when the lease runs out, and the next worker takes it over.
//
// # Normalize and buffer
//
// A claimed object is read through the object store as the Security Lake service principal
// (securitylake.amazonaws.com, aws:SourceAccount the lake's account), so the bucket policy and the key policy
// decide; a refusal fails the attempt with objstore's wording (principal, action, statement), and the object is
// retried with backoff, never dropped. Its source is the one named, or detected from AWS's delivery layouts
// (layout.go), which also give the events' account and region. Events go to per-(lake, table) buffers, committed
// when a buffer's estimated size reaches FlushPolicy.MaxBytes or its oldest event FlushPolicy.MaxAge, and all of
// them when the buffers together pass FlushPolicy.MaxBufferBytes, also in the middle of an object: memory stays
// bounded whatever the input.
//
// # Exactly once
//
// Every event of an object has a place: the n-th event the object's source makes for a table (normalization is
// deterministic, so the same bytes make the same events in the same order). The ledger keeps, per object and
// table, a watermark: how many of those events are committed. A commit of a buffer goes:
//
//  1. one meta transaction checks that this worker still holds the lease of every object contributing, with at
//     least Config.Margin left, and writes a write-ahead record (table ingest.commits) naming the table, the
//     append ID, and for each object the range of its events the commit covers; each object's record points at
//     the write-ahead record;
//  2. table.Append commits the events under that append ID (the snapshot summary records it);
//  3. one meta transaction deletes the write-ahead record and advances each object's watermark to the end of
//     its range; an object read to its end with nothing left buffered is done.
//
// Whoever claims an object that points at a write-ahead record resolves the record first: if the table has a
// snapshot with the record's append ID (table.Table.Committed), step 3 is applied; otherwise the record is
// deleted. The object is then read again from its start, and the first <watermark> events of each table are
// passed over. A crash at any point thus leaves every event committed once: before step 2 nothing is committed
// and the events are read again; after it, the watermarks move past them.
//
// Run also resolves the write-ahead records older than a lease whose objects no live worker holds, so every record
// is settled within a lease or so of its writing: snapshot expiry must keep the snapshots of the last hour at
// least (Committed reads the table's snapshots).
//
// What remains: a worker that stalls for longer than Config.Margin between the lease check of step 1 and the end
// of its Append, while its lease runs out and another worker takes the object over and commits the same events,
// makes duplicates. Leases are long (2 minutes) against a commit (a second or so), and the margin (a quarter of
// the lease) is checked right before the Append.
//
// Set-aside records (source.SetAside) are sealed with the root key (internal/seal) and kept per source, the newest
// Config.MaxSetAside of them; a record read again after a takeover is not stored twice.
//
// # The audit trail
//
// RunAudit feeds seclake's own audit log to the CloudTrail tables: records after a cursor kept in meta are
// normalized by source/cloudtrail and appended to the lake of the record's account (recipientAccountId) and
// region, when that account has one there. The range being committed is written in meta before the appends,
// whose append IDs derive from the range, lake and table; a worker that finds a range in flight appends only
// what is not committed yet and then moves the cursor, so every record is committed once.
package ingest
