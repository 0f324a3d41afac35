-- name: insert-source
INSERT INTO tax_sources (credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant, method,
    standard, standard_concentration, day_limit_db, night_limit_db, multiple_points, valid_from, valid_to,
    version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
RETURNING id;

-- name: get-source
SELECT id, credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant, method, standard,
    standard_concentration, day_limit_db, night_limit_db, multiple_points, valid_from, valid_to, version,
    created_at, updated_at
FROM tax_sources WHERE id = ?;

-- name: list-sources
SELECT id, credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant, method, standard,
    standard_concentration, day_limit_db, night_limit_db, multiple_points, valid_from, valid_to, version,
    created_at, updated_at
FROM tax_sources WHERE credit_code = ?
ORDER BY id;

-- name: update-source
UPDATE tax_sources SET outlet_no = ?, outlet_name = ?, location = ?, fugitive = ?, pollutant = ?, method = ?,
    standard = ?, standard_concentration = ?, day_limit_db = ?, night_limit_db = ?, multiple_points = ?,
    valid_from = ?, valid_to = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ?;

-- name: insert-source-history
-- Copies the source as it now stands into its history.
INSERT INTO tax_source_history (id, version, credit_code, outlet_no, outlet_name, location, kind, fugitive,
    pollutant, method, standard, standard_concentration, day_limit_db, night_limit_db, multiple_points,
    valid_from, valid_to, created_at, updated_at, change, changed_by, changed_at)
SELECT id, version, credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant, method,
    standard, standard_concentration, day_limit_db, night_limit_db, multiple_points, valid_from, valid_to,
    created_at, updated_at, ?, ?, ?
FROM tax_sources WHERE id = ?;

-- name: list-source-history
SELECT id, version, credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant, method, standard,
    standard_concentration, day_limit_db, night_limit_db, multiple_points, valid_from, valid_to,
    created_at, updated_at, change, changed_by, changed_at
FROM tax_source_history WHERE id = ?
ORDER BY version;
