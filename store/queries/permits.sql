-- The permit register (排污许可); see store/permits.go.

-- name: insert-permit
INSERT INTO permits (credit_code, permit_no, valid_from, valid_to, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?);

-- name: insert-permit-line
INSERT INTO permit_lines (credit_code, permit_no, line, outlet_no, pollutant, standard, concentration_limit, annual_limit_kg)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-permits
SELECT credit_code, permit_no, valid_from, valid_to, created_by, created_at
FROM permits WHERE credit_code = ? ORDER BY valid_from, permit_no;

-- name: list-permit-lines
SELECT permit_no, outlet_no, pollutant, standard, concentration_limit, annual_limit_kg
FROM permit_lines WHERE credit_code = ? ORDER BY permit_no, line;

-- name: insert-sample
INSERT INTO supervisory_samples (credit_code, outlet_no, pollutant, sampled_on, report_no, agency, concentration, flow, flow_unit,
    created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-samples
SELECT credit_code, outlet_no, pollutant, sampled_on, report_no, agency, concentration, flow, flow_unit, created_by, created_at
FROM supervisory_samples WHERE credit_code = ? AND sampled_on >= ? AND sampled_on <= ? ORDER BY sampled_on, outlet_no, pollutant, report_no;
