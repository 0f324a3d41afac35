-- The tax–environment exchange; see store/exchange.go.

-- name: insert-exchange-batch
INSERT INTO exchange_batches (batch_id, direction, origin, format, sender, period, region, manifest_sha256, records,
    created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: insert-exchange-file
INSERT INTO exchange_files (batch_pk, name, content) VALUES (?, ?, ?);

-- name: insert-exchange-record
INSERT INTO exchange_records (batch_pk, dataset, line, record_key, credit_code, region, payload, outcome)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: get-exchange-batch
SELECT id, batch_id, direction, origin, format, sender, period, region, manifest_sha256, records, created_by, created_at
FROM exchange_batches WHERE batch_id = ?;

-- name: list-exchange-batches
-- Optional filters ('' = any): direction; region: batches whose region
-- lies inside the given prefix.
SELECT id, batch_id, direction, origin, format, sender, period, region, manifest_sha256, records, created_by, created_at
FROM exchange_batches
WHERE (? = '' OR direction = ?) AND region LIKE ? || '%'
ORDER BY id DESC
LIMIT ?;

-- name: list-exchange-files
SELECT name, content FROM exchange_files WHERE batch_pk = ? ORDER BY name;

-- name: list-exchange-records
SELECT dataset, line, record_key, credit_code, region, payload, outcome
FROM exchange_records WHERE batch_pk = ? ORDER BY dataset, line;

-- name: list-imported-records
-- The records of imported batches (direction '' = any; region: batches
-- whose region lies inside the prefix), newest batch first.
SELECT b.batch_id, b.direction, r.dataset, r.line, r.record_key, r.credit_code, r.region, r.payload, r.outcome
FROM exchange_records r JOIN exchange_batches b ON b.id = r.batch_pk
WHERE b.origin = 'import' AND (? = '' OR b.direction = ?) AND b.region LIKE ? || '%'
ORDER BY b.id DESC, r.dataset, r.line;

-- name: exchange-declarations
-- Every filed revision of a period in a region, with its assessment.
SELECT d.id, d.credit_code, d.period, d.revision, d.replaces_id, d.status, d.version, d.deadline, d.total_tax_due,
    d.total_reduction, d.total_tax, d.previous_tax, d.tax_difference, d.assessment, d.submitted_at, d.submitted_by,
    d.accepted_at, d.accepted_by, d.paid_on, d.paid_amount, d.created_at, d.updated_at, t.name AS taxpayer_name,
    t.region AS taxpayer_region
FROM declarations d JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE d.period = ? AND t.region LIKE ? || '%' AND d.status <> 'draft'
ORDER BY d.credit_code, d.revision;
