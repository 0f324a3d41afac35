-- Reconciliation (比对): what a run reads (rc-…, by scope: a region prefix,
-- optionally one credit code, and a range of credit codes — after … through,
-- '' through = to the end — so that a large region is read a slice of
-- taxpayers at a time) and what it writes and lists. The range is put on
-- the taxpayers' credit code and again on that of the table read:
-- PostgreSQL does not carry a range across a join, and with it on the
-- taxpayers only each slice scanned the whole of tax_sources,
-- production_outputs and monitoring_devices (TestReconcileExplain).

-- name: rc-taxpayer-codes
SELECT credit_code
FROM taxpayers
WHERE region LIKE ? || '%' AND (? = '' OR credit_code = ?)
ORDER BY credit_code;

-- name: rc-taxpayers
-- Only what a reconciliation reads (the loads of rc-… leave out versions
-- and times: formatting and parsing them was a share of every load).
SELECT credit_code, name, region, industry
FROM taxpayers
WHERE region LIKE ? || '%' AND (? = '' OR credit_code = ?) AND credit_code > ? AND (? = '' OR credit_code <= ?)
ORDER BY credit_code;

-- name: rc-sources
SELECT s.id, s.credit_code, s.outlet_no, s.outlet_name, s.location, s.kind, s.fugitive, s.pollutant, s.method, s.standard,
    s.standard_concentration, s.day_limit_db, s.night_limit_db, s.multiple_points, s.valid_from, s.valid_to
FROM tax_sources s JOIN taxpayers t ON t.credit_code = s.credit_code
WHERE t.region LIKE ? || '%' AND (? = '' OR s.credit_code = ?) AND t.credit_code > ? AND (? = '' OR t.credit_code <= ?)
    AND s.credit_code > ? AND (? = '' OR s.credit_code <= ?)
ORDER BY s.credit_code, s.id;

-- name: rc-declarations
-- The latest submitted or accepted revision of each taxpayer for two periods
-- (this one and the same one a year before); drafts are ignored.
SELECT d.id, d.credit_code, d.period, d.revision, d.status
FROM declarations d JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE t.region LIKE ? || '%' AND (? = '' OR d.credit_code = ?) AND t.credit_code > ? AND (? = '' OR t.credit_code <= ?)
    AND d.credit_code > ? AND (? = '' OR d.credit_code <= ?) AND d.period IN (?, ?) AND d.status <> 'draft'
    AND d.revision = (SELECT MAX(x.revision) FROM declarations x
                      WHERE x.credit_code = d.credit_code AND x.period = d.period AND x.status <> 'draft')
ORDER BY d.credit_code, d.period;

-- name: rc-figures
-- The figures of the revisions rc-declarations picks for one period.
SELECT f.declaration_id, f.source_id, f.month, f.emission_kg, f.wastewater_t, f.avg_concentration, f.max_concentration,
    f.value, f.measured, f.standard, f.day_measured_db, f.day_exceed_days, f.night_measured_db, f.night_exceed_days,
    f.generated_t, f.stored_t, f.disposed_t, f.utilized_t, f.stock_start, f.stock_end, f.quantity
FROM declaration_figures f
JOIN declarations d ON d.credit_code = f.credit_code AND d.id = f.declaration_id
JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE t.region LIKE ? || '%' AND (? = '' OR d.credit_code = ?) AND t.credit_code > ? AND (? = '' OR t.credit_code <= ?)
    AND d.credit_code > ? AND (? = '' OR d.credit_code <= ?) AND d.period = ? AND d.status <> 'draft'
    AND d.revision = (SELECT MAX(x.revision) FROM declarations x
                      WHERE x.credit_code = d.credit_code AND x.period = d.period AND x.status <> 'draft')
ORDER BY f.declaration_id, f.line;

-- name: rc-emissions
-- Only the emission of each figure of those revisions (last year's, for yoy_drop).
SELECT f.declaration_id, f.source_id, f.month, f.emission_kg
FROM declaration_figures f
JOIN declarations d ON d.credit_code = f.credit_code AND d.id = f.declaration_id
JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE t.region LIKE ? || '%' AND (? = '' OR d.credit_code = ?) AND t.credit_code > ? AND (? = '' OR t.credit_code <= ?)
    AND d.credit_code > ? AND (? = '' OR d.credit_code <= ?) AND d.period = ? AND d.status <> 'draft'
    AND d.revision = (SELECT MAX(x.revision) FROM declarations x
                      WHERE x.credit_code = d.credit_code AND x.period = d.period AND x.status <> 'draft')
ORDER BY f.declaration_id, f.line;

-- name: rc-devices
-- Mappings active on at least one day from … to.
SELECT d.id, d.mn, d.credit_code, d.outlet_no, d.valid_from, d.valid_to
FROM monitoring_devices d JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE t.region LIKE ? || '%' AND (? = '' OR d.credit_code = ?) AND t.credit_code > ? AND (? = '' OR t.credit_code <= ?)
    AND d.credit_code > ? AND (? = '' OR d.credit_code <= ?) AND d.valid_from <= ? AND (d.valid_to IS NULL OR d.valid_to >= ?)
ORDER BY d.credit_code, d.id;

-- name: rc-monthly
-- The monthly figures of the scope's mappings for months from … to, without their detail.
SELECT m.device_id, m.mn, m.code, m.month, m.basis, m.total, m.total_count, m.test_sum, m.test_count, m.test_max,
    m.valid, m.units, m.excluded, m.lenient
FROM monitoring_monthly m
JOIN monitoring_devices d ON d.id = m.device_id
JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE t.region LIKE ? || '%' AND (? = '' OR d.credit_code = ?) AND t.credit_code > ? AND (? = '' OR t.credit_code <= ?)
    AND d.credit_code > ? AND (? = '' OR d.credit_code <= ?) AND m.month >= ? AND m.month <= ?
ORDER BY d.credit_code, m.device_id, m.month, m.code, m.basis;

-- name: rc-outputs
SELECT o.credit_code, o.month, o.product, o.unit, o.quantity
FROM production_outputs o JOIN taxpayers t ON t.credit_code = o.credit_code
WHERE t.region LIKE ? || '%' AND (? = '' OR o.credit_code = ?) AND t.credit_code > ? AND (? = '' OR t.credit_code <= ?)
    AND o.credit_code > ? AND (? = '' OR o.credit_code <= ?) AND o.month >= ? AND o.month <= ?
ORDER BY o.credit_code, o.month;

-- name: insert-run
-- A run begins 'running'; its slices and then its end (finish-run) follow.
INSERT INTO reconcile_runs (period, region, credit_code, as_of, taxpayers, items, flags, params, warnings, created_by, created_at,
    state, done_through, resume_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', '', ?)
RETURNING id;

-- name: open-run
-- The unfinished run a retry of the same request continues (the latest).
SELECT id, period, region, credit_code, as_of, taxpayers, items, flags, params, warnings, created_by, created_at, done_through
FROM reconcile_runs
WHERE resume_key = ? AND resume_key <> '' AND state = 'running'
ORDER BY id DESC
LIMIT 1;

-- name: advance-run
-- A slice of taxpayers (after, through] is being stored: the run moves on
-- only from where it was (else another worker stored the slice first).
UPDATE reconcile_runs SET done_through = ?
WHERE id = ? AND state = 'running' AND done_through = ?;

-- name: add-run-counts
UPDATE reconcile_runs SET taxpayers = taxpayers + ?, items = items + ?, flags = flags + ? WHERE id = ?;

-- name: finish-run
-- The peer comparison is in: the run is done, with its last flags.
UPDATE reconcile_runs SET state = 'done', flags = flags + ?
WHERE id = ? AND state = 'running' AND done_through = ?
RETURNING taxpayers, items, flags;

-- name: abandoned-runs
-- Runs still 'running' that began before a time: stopped and never
-- continued (a retry continues a run within moments, not a day later).
SELECT id FROM reconcile_runs WHERE state = 'running' AND created_at < ? ORDER BY id;

-- name: delete-run-flags
DELETE FROM reconcile_flags WHERE run_id = ?;

-- name: delete-run-items
DELETE FROM reconcile_items WHERE run_id = ?;

-- name: delete-run-results
DELETE FROM reconcile_results WHERE run_id = ?;

-- name: delete-running-run
-- Only a run that never finished: a finished run may be standing
-- (reconcile_current) and is kept for good.
DELETE FROM reconcile_runs WHERE id = ? AND state = 'running';

-- name: run-results
-- The stored results of a running run's slice (after, through], for the
-- peer comparison of a continued run.
SELECT r.credit_code, t.industry, r.period, r.status, r.detail
FROM reconcile_results r JOIN taxpayers t ON t.credit_code = r.credit_code
WHERE r.run_id = ? AND r.credit_code > ? AND r.credit_code <= ?
ORDER BY r.credit_code
LIMIT ?;

-- name: create-peer-updates
-- The peer comparison's changes to a run's results, gathered before one
-- UPDATE (dropped at the end of the transaction that uses it).
CREATE TEMP TABLE reconcile_peer_updates (credit_code TEXT NOT NULL, status TEXT NOT NULL, flags INTEGER NOT NULL, detail TEXT NOT NULL);

-- name: insert-peer-update
INSERT INTO reconcile_peer_updates (credit_code, status, flags, detail) VALUES (?, ?, ?, ?);

-- name: apply-peer-updates
UPDATE reconcile_results SET status = u.status, flags = reconcile_results.flags + u.flags, detail = u.detail
FROM reconcile_peer_updates u
WHERE reconcile_results.run_id = ? AND reconcile_results.credit_code = u.credit_code;

-- name: drop-peer-updates
DROP TABLE reconcile_peer_updates;

-- name: insert-result
-- One row; the SQLite path repeats the VALUES tuple, PostgreSQL COPYs.
INSERT INTO reconcile_results (run_id, credit_code, period, declaration_id, revision, declared_tax, monitored_tax,
    tax_difference, status, items, flags, detail)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert-item
INSERT INTO reconcile_items (run_id, credit_code, period, month, outlet_no, pollutant, pollutant_id, kind, source_id,
    declared_kg, monitored_kg, difference_kg, declared_tax, monitored_tax, completeness, valid_units, units, excluded,
    basis, status, detail)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert-flag
INSERT INTO reconcile_flags (run_id, credit_code, period, month, outlet_no, source_id, pollutant, code, parameter,
    threshold, observed, rule, message, raised_on)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: sort-in-memory
-- PostgreSQL only: room for the load's sorts in memory, for the
-- transaction only.
SET LOCAL work_mem = '64MB';

-- name: set-current
-- The run's results become the standing ones for their taxpayers and period.
INSERT INTO reconcile_current (credit_code, period, run_id)
SELECT credit_code, period, run_id FROM reconcile_results WHERE run_id = ?
ON CONFLICT (credit_code, period) DO UPDATE SET run_id = excluded.run_id;

-- name: get-run
SELECT id, period, region, credit_code, as_of, taxpayers, items, flags, params, warnings, created_by, created_at
FROM reconcile_runs WHERE id = ? AND state = 'done';

-- name: list-runs
-- Filtered by period ('' = all) and region prefix of the run's scope, newest first;
-- runs still being stored are not listed.
SELECT id, period, region, credit_code, as_of, taxpayers, items, flags, params, warnings, created_by, created_at
FROM reconcile_runs
WHERE state = 'done' AND (? = '' OR period = ?) AND region LIKE ? || '%' AND (? = '' OR credit_code = ?)
ORDER BY id DESC
LIMIT ?;

-- name: current-results
-- The standing result of each taxpayer in scope for a period.
SELECT r.run_id, r.credit_code, t.name, t.region, t.industry, r.period, r.declaration_id, r.revision, r.declared_tax,
    r.monitored_tax, r.tax_difference, r.status, r.items, r.flags, r.detail
FROM reconcile_results r
JOIN reconcile_current c ON c.credit_code = r.credit_code AND c.period = r.period AND c.run_id = r.run_id
JOIN taxpayers t ON t.credit_code = r.credit_code
WHERE r.period = ? AND t.region LIKE ? || '%' AND (? = '' OR r.credit_code = ?)
ORDER BY r.credit_code
LIMIT ? OFFSET ?;

-- name: current-items
SELECT i.run_id, i.credit_code, i.period, i.month, i.outlet_no, i.pollutant, i.pollutant_id, i.kind, i.source_id,
    i.declared_kg, i.monitored_kg, i.difference_kg, i.declared_tax, i.monitored_tax, i.completeness, i.valid_units,
    i.units, i.excluded, i.basis, i.status, i.detail
FROM reconcile_items i
JOIN reconcile_current c ON c.credit_code = i.credit_code AND c.period = i.period AND c.run_id = i.run_id
WHERE i.credit_code = ? AND i.period = ?
ORDER BY i.month, i.outlet_no, i.pollutant_id;

-- name: current-flags
-- The standing flags of a period, by region prefix, credit code and flag code ('' = all).
SELECT f.run_id, f.credit_code, f.period, f.month, f.outlet_no, f.source_id, f.pollutant, f.code, f.parameter,
    f.threshold, f.observed, f.rule, f.message, f.raised_on
FROM reconcile_flags f
JOIN reconcile_current c ON c.credit_code = f.credit_code AND c.period = f.period AND c.run_id = f.run_id
JOIN taxpayers t ON t.credit_code = f.credit_code
WHERE f.period = ? AND t.region LIKE ? || '%' AND (? = '' OR f.credit_code = ?) AND (? = '' OR f.code = ?)
ORDER BY f.credit_code, f.month, f.outlet_no, f.pollutant, f.code;

-- name: find-flag
-- A standing flag by its address.
SELECT f.run_id, f.credit_code, f.period, f.month, f.outlet_no, f.source_id, f.pollutant, f.code, f.parameter,
    f.threshold, f.observed, f.rule, f.message, f.raised_on
FROM reconcile_flags f
JOIN reconcile_current c ON c.credit_code = f.credit_code AND c.period = f.period AND c.run_id = f.run_id
WHERE f.credit_code = ? AND f.period = ? AND f.outlet_no = ? AND f.pollutant = ? AND f.month = ? AND f.code = ?;
