-- name: insert-token
INSERT INTO tokens (hash, role, credit_code, region, label, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: token-by-hash
SELECT id, role, credit_code, region, label, created_at, revoked_at
FROM tokens WHERE hash = ?;

-- name: list-tokens
SELECT id, role, credit_code, region, label, created_at, revoked_at
FROM tokens ORDER BY id;

-- name: revoke-token
UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL;
