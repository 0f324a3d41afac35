-- Penalty records from the environment bureau; see store/penalties.go.

-- name: insert-penalty
INSERT INTO penalty_records (credit_code, case_no, outlet_no, revision, replaces_id, status, case_code, period_from,
    period_to, decided_on, note, created_by, created_at)
VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: insert-penalty-pollutant
INSERT INTO penalty_pollutants (credit_code, penalty_id, pollutant) VALUES (?, ?, ?);

-- name: insert-penalty-generated
INSERT INTO penalty_generated (credit_code, penalty_id, pollutant, month, generated_kg) VALUES (?, ?, ?, ?, ?);

-- name: supersede-penalty
UPDATE penalty_records SET status = 'superseded', superseded_at = ? WHERE id = ? AND status = 'active';

-- name: get-penalty
SELECT id, credit_code, case_no, outlet_no, revision, replaces_id, status, case_code, period_from, period_to,
    decided_on, note, created_by, created_at, superseded_at
FROM penalty_records WHERE id = ?;

-- name: find-penalty
SELECT id, credit_code, case_no, outlet_no, revision, replaces_id, status, case_code, period_from, period_to,
    decided_on, note, created_by, created_at, superseded_at
FROM penalty_records WHERE credit_code = ? AND case_no = ? AND outlet_no = ? AND revision = ?;

-- name: latest-penalty-revision
SELECT COALESCE(MAX(revision), 0) FROM penalty_records WHERE credit_code = ? AND case_no = ? AND outlet_no = ?;

-- name: list-penalties
-- Optional filters ('' = any): taxpayer, region prefix; a violation
-- period overlapping [from, to] (always given: 1900-01-01, 2999-12-31 for all).
SELECT p.id, p.credit_code, p.case_no, p.outlet_no, p.revision, p.replaces_id, p.status, p.case_code, p.period_from,
    p.period_to, p.decided_on, p.note, p.created_by, p.created_at, p.superseded_at
FROM penalty_records p JOIN taxpayers t ON t.credit_code = p.credit_code
WHERE (? = '' OR p.credit_code = ?) AND t.region LIKE ? || '%'
    AND p.period_to >= ? AND p.period_from <= ?
ORDER BY p.credit_code, p.case_no, p.outlet_no, p.revision;

-- name: penalties-covering
-- The active records of a taxpayer whose violation overlaps [from, to].
SELECT id, credit_code, case_no, outlet_no, revision, replaces_id, status, case_code, period_from, period_to,
    decided_on, note, created_by, created_at, superseded_at
FROM penalty_records
WHERE credit_code = ? AND status = 'active' AND period_to >= ? AND period_from <= ?
ORDER BY id;

-- name: list-penalty-pollutants
SELECT pollutant FROM penalty_pollutants WHERE penalty_id = ? ORDER BY pollutant;

-- name: list-penalty-generated
SELECT pollutant, month, generated_kg FROM penalty_generated WHERE penalty_id = ? ORDER BY pollutant, month;
