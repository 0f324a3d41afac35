-- name: insert-declaration
INSERT INTO declarations (credit_code, period, revision, replaces_id, status, version, deadline,
    previous_tax, created_at, updated_at)
VALUES (?, ?, ?, ?, 'draft', 1, ?, ?, ?, ?)
RETURNING id;

-- name: get-declaration
SELECT id, credit_code, period, revision, replaces_id, status, version, deadline, total_tax_due,
    total_reduction, total_tax, previous_tax, tax_difference, assessment, submitted_at, submitted_by,
    accepted_at, accepted_by, paid_on, paid_amount, created_at, updated_at
FROM declarations WHERE id = ?;

-- name: list-declarations
SELECT id, credit_code, period, revision, replaces_id, status, version, deadline, total_tax_due,
    total_reduction, total_tax, previous_tax, tax_difference, NULL AS assessment, submitted_at, submitted_by,
    accepted_at, accepted_by, paid_on, paid_amount, created_at, updated_at
FROM declarations WHERE credit_code = ?
ORDER BY period, revision;

-- name: latest-revision
SELECT COALESCE(MAX(revision), 0) FROM declarations WHERE credit_code = ? AND period = ?;

-- name: touch-declaration
-- Raises the version of a draft whose figures changed.
UPDATE declarations SET version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status = 'draft';

-- name: submit-declaration
UPDATE declarations SET status = 'submitted', total_tax_due = ?, total_reduction = ?, total_tax = ?,
    tax_difference = ?, assessment = ?, submitted_at = ?, submitted_by = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status = 'draft';

-- name: accept-declaration
UPDATE declarations SET status = 'accepted', accepted_at = ?, accepted_by = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status = 'submitted';

-- name: pay-declaration
UPDATE declarations SET paid_on = ?, paid_amount = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status <> 'draft' AND paid_on IS NULL;

-- name: delete-figures
DELETE FROM declaration_figures WHERE declaration_id = ?;

-- name: insert-figure
-- credit_code is the declaration's (the key that places the row, 0049).
INSERT INTO declaration_figures (credit_code, declaration_id, line, source_id, month, emission_kg, wastewater_t,
    avg_concentration, max_concentration, value, measured, standard, day_measured_db, day_exceed_days,
    night_measured_db, night_exceed_days, generated_t, stored_t, disposed_t, utilized_t, stock_start,
    stock_end, quantity)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: declaration-taxpayer
SELECT credit_code FROM declarations WHERE id = ?;

-- name: list-figures
SELECT source_id, month, emission_kg, wastewater_t, avg_concentration, max_concentration, value, measured,
    standard, day_measured_db, day_exceed_days, night_measured_db, night_exceed_days, generated_t, stored_t,
    disposed_t, utilized_t, stock_start, stock_end, quantity
FROM declaration_figures WHERE declaration_id = ?
ORDER BY line;
