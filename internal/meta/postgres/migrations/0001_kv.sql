-- The whole metadata store: one ordered key space per table name. Keys are bytea so they compare bytewise.
CREATE TABLE seclake_kv (
    tbl text  NOT NULL,
    k   bytea NOT NULL,
    v   bytea NOT NULL,
    PRIMARY KEY (tbl, k)
);
