-- name: insert-session
INSERT INTO web_sessions (id, token_hash, created_at, seen_at, expires_at) VALUES (?, ?, ?, ?, ?);

-- name: get-session
SELECT id, token_hash, created_at, seen_at, expires_at, ended_at FROM web_sessions WHERE id = ?;

-- name: touch-session
UPDATE web_sessions SET seen_at = ? WHERE id = ? AND ended_at IS NULL;

-- name: end-session
UPDATE web_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL;

-- name: purge-sessions
DELETE FROM web_sessions WHERE expires_at < ?;
