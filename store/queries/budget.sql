-- Budget inputs (store/budget.go) and the reads that gather a region's
-- tax figures for a year. Region filters take a GB/T 2260 prefix
-- (500000 → '50'), so a province sees its districts.

-- name: insert-budget-damage-case
INSERT INTO budget_damage_cases (district, case_name, claim, claim_total, claim_unverified, settled_amount,
    settled_on, created_at, created_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: insert-budget-damage-receipt
INSERT INTO budget_damage_receipts (case_id, line, month, amount, received) VALUES (?, ?, ?, ?, ?);

-- name: get-budget-damage-case
SELECT id, district, case_name, claim, claim_total, claim_unverified, settled_amount, settled_on,
    created_at, created_by
FROM budget_damage_cases WHERE id = ?;

-- name: list-budget-damage-cases
-- By region prefix and, unless the year pattern is '', with a receipt in that year ('2024-%').
SELECT id, district, case_name, claim, claim_total, claim_unverified, settled_amount, settled_on,
    created_at, created_by
FROM budget_damage_cases c
WHERE district LIKE ? || '%'
  AND (? = '' OR EXISTS (SELECT 1 FROM budget_damage_receipts r WHERE r.case_id = c.id AND r.month LIKE ?))
ORDER BY id;

-- name: list-budget-damage-receipts
SELECT case_id, line, month, amount, received FROM budget_damage_receipts WHERE case_id = ? ORDER BY line;

-- name: delete-budget-damage-receipts
DELETE FROM budget_damage_receipts WHERE case_id = ?;

-- name: delete-budget-damage-case
DELETE FROM budget_damage_cases WHERE id = ?;

-- name: insert-budget-eco-settlement
INSERT INTO budget_eco_settlements (year, scheme, request, gross, created_at, created_by)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: insert-budget-eco-party
INSERT INTO budget_eco_parties (settlement_id, party, region, confirmed_by) VALUES (?, ?, ?, ?);

-- name: get-budget-eco-settlement
SELECT id, year, scheme, request, gross, created_at, created_by FROM budget_eco_settlements WHERE id = ?;

-- name: list-budget-eco-settlements
-- Settlements with a party inside the region prefix; year 0 = any year.
SELECT id, year, scheme, request, gross, created_at, created_by
FROM budget_eco_settlements s
WHERE (? = 0 OR year = ?)
  AND EXISTS (SELECT 1 FROM budget_eco_parties p WHERE p.settlement_id = s.id AND p.region LIKE ? || '%')
ORDER BY id;

-- name: list-budget-eco-parties
SELECT settlement_id, party, region, confirmed_by FROM budget_eco_parties WHERE settlement_id = ? ORDER BY party;

-- name: confirm-budget-eco-party
UPDATE budget_eco_parties SET confirmed_by = ? WHERE settlement_id = ? AND party = ? AND confirmed_by = '';

-- name: delete-budget-eco-parties
DELETE FROM budget_eco_parties WHERE settlement_id = ?;

-- name: delete-budget-eco-settlement
DELETE FROM budget_eco_settlements WHERE id = ?;

-- name: insert-budget-fee-bill
INSERT INTO budget_fee_bills (district, payer, schedule, inputs, partial_step, created_at, created_by)
VALUES (?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: insert-budget-fee-month
INSERT INTO budget_fee_months (bill_id, line, month, day, quantity, amount, schedule, verified)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: get-budget-fee-bill
SELECT id, district, payer, schedule, inputs, partial_step, created_at, created_by FROM budget_fee_bills WHERE id = ?;

-- name: list-budget-fee-bills
-- By region prefix and, unless the year pattern is '', with a month in that year.
SELECT id, district, payer, schedule, inputs, partial_step, created_at, created_by
FROM budget_fee_bills b
WHERE district LIKE ? || '%'
  AND (? = '' OR EXISTS (SELECT 1 FROM budget_fee_months m WHERE m.bill_id = b.id AND m.month LIKE ?))
ORDER BY id;

-- name: list-budget-fee-months
SELECT bill_id, line, month, day, quantity, amount, schedule, verified FROM budget_fee_months WHERE bill_id = ? ORDER BY line;

-- name: delete-budget-fee-months
DELETE FROM budget_fee_months WHERE bill_id = ?;

-- name: delete-budget-fee-bill
DELETE FROM budget_fee_bills WHERE id = ?;

-- name: list-budget-taxpayers
SELECT credit_code, name, region, industry, version, created_at, updated_at
FROM taxpayers WHERE region LIKE ? || '%'
ORDER BY credit_code;

-- name: list-budget-sources
SELECT s.id, s.credit_code, s.outlet_no, s.outlet_name, s.location, s.kind, s.fugitive, s.pollutant, s.method,
    s.standard, s.standard_concentration, s.day_limit_db, s.night_limit_db, s.multiple_points, s.valid_from,
    s.valid_to, s.version, s.created_at, s.updated_at
FROM tax_sources s JOIN taxpayers t ON t.credit_code = s.credit_code
WHERE t.region LIKE ? || '%'
ORDER BY s.credit_code, s.id;

-- name: list-budget-declarations
-- Submitted and accepted revisions of the year's periods ('2024-%'), with their assessments.
SELECT d.id, d.credit_code, d.period, d.revision, d.replaces_id, d.status, d.version, d.deadline, d.total_tax_due,
    d.total_reduction, d.total_tax, d.previous_tax, d.tax_difference, d.assessment, d.submitted_at, d.submitted_by,
    d.accepted_at, d.accepted_by, d.paid_on, d.paid_amount, d.created_at, d.updated_at
FROM declarations d JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE t.region LIKE ? || '%' AND d.status <> 'draft' AND d.period LIKE ?
ORDER BY d.credit_code, d.period, d.revision;

-- name: list-budget-figures
SELECT f.declaration_id, f.source_id, f.month, f.emission_kg, f.wastewater_t, f.avg_concentration,
    f.max_concentration, f.value, f.measured, f.standard, f.day_measured_db, f.day_exceed_days,
    f.night_measured_db, f.night_exceed_days, f.generated_t, f.stored_t, f.disposed_t, f.utilized_t,
    f.stock_start, f.stock_end, f.quantity
FROM declaration_figures f
JOIN declarations d ON d.credit_code = f.credit_code AND d.id = f.declaration_id
JOIN taxpayers t ON t.credit_code = d.credit_code
WHERE t.region LIKE ? || '%' AND d.status <> 'draft' AND d.period LIKE ?
ORDER BY f.declaration_id, f.line;
