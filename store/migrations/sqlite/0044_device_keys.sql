-- SM4 keys of HJ 212-2025 devices (6.4: the data area is encrypted with
-- the sending device's key; keys are per device and rotated). One row per
-- key of an MN; the highest seq is the current key, the one below it the
-- previous key, kept so that packets sent around a change still decrypt.
-- Older keys are deleted on rotation. No operation sends a key back and
-- the audit log holds only its fingerprint.
CREATE TABLE device_keys (
    mn          TEXT NOT NULL CHECK (length(mn) BETWEEN 1 AND 64),
    seq         INTEGER NOT NULL CHECK (seq > 0),
    key_hex     TEXT NOT NULL CHECK (length(key_hex) = 32),
    fingerprint TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (mn, seq)
);
