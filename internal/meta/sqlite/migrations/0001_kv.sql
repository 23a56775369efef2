-- The whole metadata store: one ordered key space per table name. Keys are BLOBs so they compare bytewise.
CREATE TABLE kv (
    tbl TEXT NOT NULL,
    k   BLOB NOT NULL,
    v   BLOB NOT NULL,
    PRIMARY KEY (tbl, k)
) WITHOUT ROWID;
