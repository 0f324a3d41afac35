-- name: get-idempotency
SELECT request_hash, status, location, body FROM idempotency_keys WHERE token_id = ? AND key = ?;

-- name: insert-idempotency
INSERT INTO idempotency_keys (token_id, key, request_hash, status, location, body, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?);
