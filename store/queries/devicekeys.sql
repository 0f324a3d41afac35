-- SM4 keys of HJ 212-2025 devices (store/devicekeys.go). key_hex is read
-- only by the key store of the listener and the import, never listed.

-- name: next-device-key-seq
SELECT COALESCE(MAX(seq), 0) + 1 FROM device_keys WHERE mn = ?;

-- name: insert-device-key
INSERT INTO device_keys (mn, seq, key_hex, fingerprint, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?);

-- name: prune-device-keys
-- Keep the current key and the one before it.
DELETE FROM device_keys WHERE mn = ? AND seq < ?;

-- name: device-keys
-- Current key first.
SELECT mn, seq, key_hex, fingerprint, set_by, set_at FROM device_keys WHERE mn = ? ORDER BY seq DESC;

-- name: pg-lock-device-key
-- Serialises key changes of one MN (the next seq).
SELECT pg_advisory_xact_lock(7310214, hashtext(?));
