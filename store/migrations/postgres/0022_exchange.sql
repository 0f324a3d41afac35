-- The tax–environment exchange (涉税信息共享, 法 第十五条): every batch made
-- here or received, with its manifest and files byte for byte, and every
-- record with what its import did. Append-only.
CREATE TABLE exchange_batches (
    id              BIGSERIAL PRIMARY KEY,
    batch_id        TEXT NOT NULL UNIQUE,   -- the manifest's batch_id
    direction       TEXT NOT NULL CHECK (direction IN ('tax_to_env', 'env_to_tax')),
    origin          TEXT NOT NULL CHECK (origin IN ('export', 'import')),
    format          TEXT NOT NULL CHECK (format IN ('jsonl', 'csv', 'xlsx')),
    sender          TEXT NOT NULL,
    period          TEXT NOT NULL,
    region          TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    records         INTEGER NOT NULL CHECK (records >= 0),
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE exchange_files (
    batch_pk BIGINT NOT NULL REFERENCES exchange_batches (id),
    name     TEXT NOT NULL,
    content  BYTEA NOT NULL,
    PRIMARY KEY (batch_pk, name)
);

CREATE TABLE exchange_records (
    batch_pk    BIGINT NOT NULL REFERENCES exchange_batches (id),
    dataset     TEXT NOT NULL,
    line        INTEGER NOT NULL CHECK (line > 0),
    record_key  TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    region      TEXT NOT NULL,
    payload     TEXT NOT NULL,   -- the record as one JSON Lines object
    outcome     TEXT NOT NULL,   -- what the import did with it
    PRIMARY KEY (batch_pk, dataset, line),
    UNIQUE (batch_pk, dataset, record_key)
);
CREATE INDEX exchange_records_taxpayer ON exchange_records (credit_code, dataset);

CREATE FUNCTION exchange_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'exchange batches are append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER exchange_batches_append_only BEFORE UPDATE OR DELETE ON exchange_batches
    FOR EACH ROW EXECUTE FUNCTION exchange_append_only();
CREATE TRIGGER exchange_files_append_only BEFORE UPDATE OR DELETE ON exchange_files
    FOR EACH ROW EXECUTE FUNCTION exchange_append_only();
CREATE TRIGGER exchange_records_append_only BEFORE UPDATE OR DELETE ON exchange_records
    FOR EACH ROW EXECUTE FUNCTION exchange_append_only();
