-- name: insert-audit
INSERT INTO audit_log (at, actor, token_id, action, entity, entity_id, credit_code, before, after, request_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-audit
-- Optional filters: '' means any. Newest first.
SELECT id, at, actor, token_id, action, entity, entity_id, credit_code, before, after, request_id
FROM audit_log
WHERE (? = '' OR entity = ?) AND (? = '' OR entity_id = ?) AND (? = '' OR credit_code = ?)
ORDER BY id DESC
LIMIT ?;
