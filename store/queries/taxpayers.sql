-- name: insert-taxpayer
INSERT INTO taxpayers (credit_code, name, region, industry, version, created_at, updated_at)
VALUES (?, ?, ?, ?, 1, ?, ?);

-- name: get-taxpayer
SELECT credit_code, name, region, industry, version, created_at, updated_at
FROM taxpayers WHERE credit_code = ?;

-- name: list-taxpayers
-- Filtered by an optional credit code ('' = all) and region prefix ('' = all).
SELECT credit_code, name, region, industry, version, created_at, updated_at
FROM taxpayers
WHERE (? = '' OR credit_code = ?) AND region LIKE ? || '%'
ORDER BY credit_code
LIMIT ? OFFSET ?;

-- name: update-taxpayer
-- Optimistic lock: nothing changes unless the caller saw the current version.
UPDATE taxpayers SET name = ?, region = ?, industry = ?, version = version + 1, updated_at = ?
WHERE credit_code = ? AND version = ?;
