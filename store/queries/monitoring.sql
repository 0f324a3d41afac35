-- Online monitoring (HJ 212): device mappings, packets, values, monthly
-- figures and production output. Queries named pg-… run on PostgreSQL
-- only (the SQLite path does the same with plain statements).

-- name: insert-device
INSERT INTO monitoring_devices (mn, credit_code, outlet_no, valid_from, valid_to, note, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
RETURNING id;

-- name: get-device
SELECT id, mn, credit_code, outlet_no, valid_from, valid_to, note, version, created_at, updated_at
FROM monitoring_devices WHERE id = ?;

-- name: list-devices
-- Filtered by credit code, region prefix and MN ('' = all).
SELECT d.id, d.mn, d.credit_code, d.outlet_no, d.valid_from, d.valid_to, d.note, d.version, d.created_at, d.updated_at
FROM monitoring_devices d JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE (? = '' OR d.credit_code = ?) AND t.region LIKE ? || '%' AND (? = '' OR d.mn = ?)
ORDER BY d.credit_code, d.mn, d.valid_from, d.id;

-- name: devices-by-mn
SELECT id, mn, credit_code, outlet_no, valid_from, valid_to, note, version, created_at, updated_at
FROM monitoring_devices WHERE mn = ?
ORDER BY valid_from, id;

-- name: update-device
UPDATE monitoring_devices SET mn = ?, outlet_no = ?, valid_from = ?, valid_to = ?, note = ?,
    version = version + 1, updated_at = ?
WHERE id = ? AND version = ?;

-- name: pg-lock-mn
-- Serialises changes to the mappings of one MN (the overlap check).
SELECT pg_advisory_xact_lock(7310213, hashtext(?));

-- name: mark-dirty-mn
-- Every month with data of an MN must be recomputed after its mapping changed.
INSERT INTO monitoring_dirty (mn, month)
SELECT DISTINCT mn, month FROM monitoring_packets WHERE mn = ? AND month <> ''
ON CONFLICT DO NOTHING;

-- name: mark-dirty
INSERT INTO monitoring_dirty (mn, month) VALUES (?, ?) ON CONFLICT DO NOTHING;

-- name: pg-lock-months
-- Making month partitions one process at a time (CREATE TABLE … IF NOT
-- EXISTS races on the catalog otherwise).
SELECT pg_advisory_xact_lock(7310214);

-- name: pg-ensure-month
SELECT monitoring_values_month(?);

-- name: pg-drop-raw
-- The months before ? whose raw (real-time and minute) values were dropped.
SELECT m FROM monitoring_values_drop_raw(?) AS d(m) ORDER BY m;

-- name: raw-months
-- SQLite: the months before ? that hold raw (real-time 2011, minute 2051) values.
SELECT DISTINCT month FROM monitoring_values WHERE cn IN ('2011', '2051') AND month < ? ORDER BY month;

-- name: delete-raw
-- SQLite: the raw values of the months before ?.
DELETE FROM monitoring_values WHERE cn IN ('2011', '2051') AND month < ?;

-- name: pg-ingest-new
-- Two statements, sent as one simple query (one round trip; store.Tx.ingestPG
-- puts the arrays in as quoted literals).
--
-- First the devices of the batch (an array of MNs), one advisory lock each,
-- taken in one order (by the hash) so two batches never wait for each
-- other in a cycle: a resent packet has the MN of the first copy (the MN
-- is read from its bytes), so the duplicate check and the COPY are one
-- step for the packets of a device, while batches of other devices go on
-- beside them. (Under Citus the lock is taken on the coordinator, like
-- this.)
SELECT pg_advisory_xact_lock(7310212, h)
FROM (SELECT DISTINCT hashtext(m) AS h FROM unnest(?::text[]) AS u(m)) s
ORDER BY h;
-- Then, in a statement of its own (READ COMMITTED takes its snapshot once
-- the locks are held, so a batch of the same device committed meanwhile is
-- seen), of the batch's packets given as two arrays (mn, hash) in batch
-- order, those not stored yet: their place in the arrays (1-based) and a
-- new packet id, in batch order. Each packet is looked up by the (mn,
-- hash) key on its own (LATERAL … LIMIT 1 keeps the plan a probe per
-- packet; with statistics of a table of some 10⁴ packets the planner
-- would otherwise hash the whole table for every batch), and the sequence
-- is looked up once, not per row.
WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('monitoring_packets', 'id')::regclass AS seq)
SELECT u.i AS i, nextval(s.seq) AS id
FROM s, unnest(?::text[], ?::text[]) WITH ORDINALITY AS u(mn, hash, i)
LEFT JOIN LATERAL (SELECT true AS hit FROM monitoring_packets p WHERE p.mn = u.mn AND p.hash = u.hash LIMIT 1) x ON true
WHERE x.hit IS NULL
ORDER BY u.i;

-- name: pg-mark-dirty
-- mark-dirty for the device-months of a batch at once, given as two
-- arrays (mn, month) in one order (the same for every ingest, so no two
-- wait in a cycle); sent as a simple query like pg-ingest-new.
INSERT INTO monitoring_dirty (mn, month)
SELECT mn, month FROM unnest(?::text[], ?::text[]) AS u(mn, month)
ON CONFLICT DO NOTHING;

-- name: insert-packet
-- SQLite path (the one writer takes the next id, sqlite/0048); the
-- PostgreSQL path COPYs the same columns with ids from the sequence.
INSERT INTO monitoring_packets (id, hash, raw, received_at, origin, verdict, reason, problems, warnings, qn, cn, mn,
    flag, data_time, month, pairs, note)
VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM monitoring_packets), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (mn, hash) DO NOTHING
RETURNING id;

-- name: insert-value
-- One row; the SQLite path repeats the VALUES tuple for a batch.
INSERT INTO monitoring_values (packet_id, seq, mn, cn, month, data_time, code, suffix, value, num)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-dirty
SELECT mn, month FROM monitoring_dirty ORDER BY mn, month LIMIT ?;

-- name: list-dirty-mn
SELECT mn, month FROM monitoring_dirty WHERE mn = ? ORDER BY month;

-- name: take-dirty
DELETE FROM monitoring_dirty WHERE mn = ? AND month = ?;

-- name: month-values
-- The hour (2061) and day (2031) data of one MN and month, packet by packet.
SELECT v.packet_id, p.verdict, v.cn, v.data_time, v.code, v.suffix, v.value, v.num
FROM monitoring_values v JOIN monitoring_packets p ON p.mn = v.mn AND p.id = v.packet_id
WHERE v.mn = ? AND v.month = ? AND v.cn IN ('2061', '2031')
ORDER BY v.packet_id, v.seq;

-- name: delete-monthly
DELETE FROM monitoring_monthly WHERE mn = ? AND month = ?;

-- name: insert-monthly
INSERT INTO monitoring_monthly (mn, month, device_id, code, basis, total, total_count, avg_sum, avg_count, mean, max,
    max_at, test_sum, test_count, test_mean, test_max, test_max_at, zs_count, valid, units, completeness, duplicates,
    lenient, excluded, detail, computed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-monthly
-- The monthly figures of a taxpayer's device mappings for months from … to (YYYY-MM, inclusive).
SELECT m.mn, m.month, m.device_id, m.code, m.basis, m.total, m.total_count, m.avg_sum, m.avg_count, m.mean, m.max,
    m.max_at, m.test_sum, m.test_count, m.test_mean, m.test_max, m.test_max_at, m.zs_count, m.valid, m.units,
    m.completeness, m.duplicates, m.lenient, m.excluded, m.detail, m.computed_at
FROM monitoring_monthly m JOIN monitoring_devices d ON d.id = m.device_id
WHERE d.credit_code = ? AND m.month >= ? AND m.month <= ?
ORDER BY m.month, d.outlet_no, m.mn, m.code, m.basis;

-- name: list-unmapped
-- Monthly figures of data no mapping covers (device_id 0), for months from … to.
SELECT m.mn, m.month, m.device_id, m.code, m.basis, m.total, m.total_count, m.avg_sum, m.avg_count, m.mean, m.max,
    m.max_at, m.test_sum, m.test_count, m.test_mean, m.test_max, m.test_max_at, m.zs_count, m.valid, m.units,
    m.completeness, m.duplicates, m.lenient, m.excluded, m.detail, m.computed_at
FROM monitoring_monthly m
WHERE m.device_id = 0 AND m.month >= ? AND m.month <= ?
ORDER BY m.mn, m.month, m.code, m.basis;

-- name: list-packets
-- Filtered by MN, month and verdict ('' = all), newest first, after an id (0 = from the newest);
-- dated (1): only packets with a DataTime (month <> '') whose day is in [from, to] ('' to = open).
SELECT id, hash, received_at, origin, verdict, reason, problems, warnings, qn, cn, mn, flag, data_time, month, pairs, note
FROM monitoring_packets
WHERE (? = '' OR mn = ?) AND (? = '' OR month = ?) AND (? = '' OR verdict = ?) AND (? = 0 OR id < ?)
  AND (? = 0 OR (month <> '' AND substr(data_time, 1, 8) >= ? AND (? = '' OR substr(data_time, 1, 8) <= ?)))
ORDER BY id DESC
LIMIT ?;

-- name: get-packet-raw
SELECT raw FROM monitoring_packets WHERE id = ?;

-- name: get-output
SELECT credit_code, month, product, unit, quantity, version, created_at, updated_at
FROM production_outputs WHERE credit_code = ? AND month = ?;

-- name: list-outputs
SELECT credit_code, month, product, unit, quantity, version, created_at, updated_at
FROM production_outputs WHERE credit_code = ? AND month >= ? AND month <= ?
ORDER BY month;

-- name: insert-output
INSERT INTO production_outputs (credit_code, month, product, unit, quantity, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, 1, ?, ?);

-- name: update-output
UPDATE production_outputs SET product = ?, unit = ?, quantity = ?, version = version + 1, updated_at = ?
WHERE credit_code = ? AND month = ? AND version = ?;
