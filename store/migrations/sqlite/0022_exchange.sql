-- The tax–environment exchange: see the PostgreSQL migration of the same number.
CREATE TABLE exchange_batches (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id        TEXT NOT NULL UNIQUE,
    direction       TEXT NOT NULL CHECK (direction IN ('tax_to_env', 'env_to_tax')),
    origin          TEXT NOT NULL CHECK (origin IN ('export', 'import')),
    format          TEXT NOT NULL CHECK (format IN ('jsonl', 'csv', 'xlsx')),
    sender          TEXT NOT NULL,
    period          TEXT NOT NULL,
    region          TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    records         INTEGER NOT NULL CHECK (records >= 0),
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE exchange_files (
    batch_pk BIGINT NOT NULL REFERENCES exchange_batches (id),
    name     TEXT NOT NULL,
    content  BLOB NOT NULL,
    PRIMARY KEY (batch_pk, name)
);

CREATE TABLE exchange_records (
    batch_pk    BIGINT NOT NULL REFERENCES exchange_batches (id),
    dataset     TEXT NOT NULL,
    line        INTEGER NOT NULL CHECK (line > 0),
    record_key  TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    region      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    PRIMARY KEY (batch_pk, dataset, line),
    UNIQUE (batch_pk, dataset, record_key)
);
CREATE INDEX exchange_records_taxpayer ON exchange_records (credit_code, dataset);

CREATE TRIGGER exchange_batches_no_update BEFORE UPDATE ON exchange_batches
BEGIN SELECT RAISE(ABORT, 'exchange batches are append-only'); END;
CREATE TRIGGER exchange_batches_no_delete BEFORE DELETE ON exchange_batches
BEGIN SELECT RAISE(ABORT, 'exchange batches are append-only'); END;
CREATE TRIGGER exchange_files_no_update BEFORE UPDATE ON exchange_files
BEGIN SELECT RAISE(ABORT, 'exchange batches are append-only'); END;
CREATE TRIGGER exchange_files_no_delete BEFORE DELETE ON exchange_files
BEGIN SELECT RAISE(ABORT, 'exchange batches are append-only'); END;
CREATE TRIGGER exchange_records_no_update BEFORE UPDATE ON exchange_records
BEGIN SELECT RAISE(ABORT, 'exchange batches are append-only'); END;
CREATE TRIGGER exchange_records_no_delete BEFORE DELETE ON exchange_records
BEGIN SELECT RAISE(ABORT, 'exchange batches are append-only'); END;
