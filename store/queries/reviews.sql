-- 复核 (review) requests and their answers; see store/reviews.go.

-- name: insert-review
INSERT INTO reviews (ref, credit_code, period, outlet_no, source_id, pollutant, month, flag_code, reason,
    declaration_id, item_status, received_on, deadline, status, version, opened_by, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?)
RETURNING id;

-- name: get-review
SELECT id, ref, credit_code, period, outlet_no, source_id, pollutant, month, flag_code, reason, declaration_id,
    item_status, received_on, deadline, status, version, opened_by, opinion, opinion_note, corrections, answered_on,
    answered_by, answered_at, applied_at, applied_by, correction_id, created_at, updated_at
FROM reviews WHERE id = ?;

-- name: get-review-by-ref
SELECT id, ref, credit_code, period, outlet_no, source_id, pollutant, month, flag_code, reason, declaration_id,
    item_status, received_on, deadline, status, version, opened_by, opinion, opinion_note, corrections, answered_on,
    answered_by, answered_at, applied_at, applied_by, correction_id, created_at, updated_at
FROM reviews WHERE ref = ?;

-- name: list-reviews
-- Optional filters ('' = any): taxpayer, region prefix, period, status;
-- overdue (1 = only open reviews whose deadline is before the given day).
SELECT r.id, r.ref, r.credit_code, r.period, r.outlet_no, r.source_id, r.pollutant, r.month, r.flag_code, r.reason,
    r.declaration_id, r.item_status, r.received_on, r.deadline, r.status, r.version, r.opened_by, r.opinion,
    r.opinion_note, r.corrections, r.answered_on, r.answered_by, r.answered_at, r.applied_at, r.applied_by,
    r.correction_id, r.created_at, r.updated_at
FROM reviews r JOIN taxpayers t ON t.credit_code = r.credit_code
WHERE (? = '' OR r.credit_code = ?) AND t.region LIKE ? || '%' AND (? = '' OR r.period = ?)
    AND (? = '' OR r.status = ?) AND (? = 0 OR (r.status = 'open' AND r.deadline < ?))
ORDER BY r.deadline, r.id
LIMIT ?;

-- name: answer-review
-- Only an open review at the version the caller saw takes an opinion.
UPDATE reviews SET status = 'answered', opinion = ?, opinion_note = ?, corrections = ?, answered_on = ?,
    answered_by = ?, answered_at = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status = 'open';

-- name: finish-review
-- applied (with the correction it became) or closed; only from answered.
UPDATE reviews SET status = ?, correction_id = ?, applied_at = ?, applied_by = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status = 'answered';

-- name: find-live-review
-- The open or answered review of the same item, if any.
SELECT id, ref, credit_code, period, outlet_no, source_id, pollutant, month, flag_code, reason, declaration_id,
    item_status, received_on, deadline, status, version, opened_by, opinion, opinion_note, corrections, answered_on,
    answered_by, answered_at, applied_at, applied_by, correction_id, created_at, updated_at
FROM reviews
WHERE credit_code = ? AND period = ? AND outlet_no = ? AND pollutant = ? AND month = ? AND flag_code = ?
    AND status IN ('open', 'answered');
