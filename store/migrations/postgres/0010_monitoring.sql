-- Online monitoring (HJ 212): device mappings, every packet received with
-- its verdict, the CP values of accepted packets, and the monthly figures
-- computed from them (monitor package), per device mapping.

-- A monitoring device (数采仪, by its MN) mapped to a taxpayer's outlet
-- (排放口) for a validity period. Periods of one MN never overlap (checked
-- by the store under a lock). A mapping is ended, never deleted.
CREATE TABLE monitoring_devices (
    id          BIGSERIAL PRIMARY KEY,
    mn          TEXT NOT NULL CHECK (length(mn) BETWEEN 1 AND 64),
    credit_code TEXT NOT NULL REFERENCES taxpayers (credit_code),
    outlet_no   TEXT NOT NULL CHECK (outlet_no <> ''),
    valid_from  DATE NOT NULL,
    valid_to    DATE CHECK (valid_to IS NULL OR valid_to >= valid_from),
    note        TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL CHECK (version > 0),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX monitoring_devices_mn ON monitoring_devices (mn);
CREATE INDEX monitoring_devices_taxpayer ON monitoring_devices (credit_code);

-- Every packet received, valid or not, once: hash is the SHA-256 of the
-- raw bytes without a trailing CR LF, so a resent packet is a no-op.
-- raw is kept byte for byte (BYTEA: devices send bytes, not always UTF-8).
CREATE TABLE monitoring_packets (
    id          BIGSERIAL PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    raw         BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    origin      TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('valid', 'lenient', 'rejected')),
    reason      TEXT NOT NULL,
    problems    TEXT NOT NULL,
    warnings    TEXT NOT NULL,
    qn          TEXT NOT NULL,
    cn          TEXT NOT NULL,
    mn          TEXT NOT NULL,
    flag        INTEGER NOT NULL,
    data_time   TEXT NOT NULL,
    month       TEXT NOT NULL,
    pairs       INTEGER NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX monitoring_packets_mn ON monitoring_packets (mn, month);
CREATE INDEX monitoring_packets_received ON monitoring_packets (received_at);

-- The CP pairs with a factor code of accepted packets that carry an MN
-- and a readable DataTime: value exactly as sent, num the same value as
-- an exact number (NULL when it is not one).
CREATE TABLE monitoring_values (
    packet_id BIGINT NOT NULL REFERENCES monitoring_packets (id),
    seq       INTEGER NOT NULL,
    mn        TEXT NOT NULL,
    cn        TEXT NOT NULL,
    month     TEXT NOT NULL,
    data_time TEXT NOT NULL,
    code      TEXT NOT NULL,
    suffix    TEXT NOT NULL,
    value     TEXT NOT NULL,
    num       NUMERIC,
    PRIMARY KEY (packet_id, seq)
);
CREATE INDEX monitoring_values_mn_month ON monitoring_values (mn, month);

-- Device-months whose stored monthly figures are out of date (new data
-- or a changed mapping); RefreshMonthly recomputes and clears them.
CREATE TABLE monitoring_dirty (
    mn    TEXT NOT NULL,
    month TEXT NOT NULL,
    PRIMARY KEY (mn, month)
);

-- Monthly figures (monitor.Figure) per device MN, month, mapping (0: days
-- no mapping covers), factor code and basis.
CREATE TABLE monitoring_monthly (
    mn           TEXT NOT NULL,
    month        TEXT NOT NULL,
    device_id    BIGINT NOT NULL,
    code         TEXT NOT NULL,
    basis        TEXT NOT NULL CHECK (basis IN ('hour', 'day')),
    total        NUMERIC NOT NULL,
    total_count  INTEGER NOT NULL,
    avg_sum      NUMERIC NOT NULL,
    avg_count    INTEGER NOT NULL,
    mean         NUMERIC NOT NULL,
    max          NUMERIC NOT NULL,
    max_at       TEXT NOT NULL,
    test_sum     NUMERIC NOT NULL,
    test_count   INTEGER NOT NULL,
    test_mean    NUMERIC NOT NULL,
    test_max     NUMERIC NOT NULL,
    test_max_at  TEXT NOT NULL,
    zs_count     INTEGER NOT NULL,
    valid        INTEGER NOT NULL,
    units        INTEGER NOT NULL,
    completeness NUMERIC NOT NULL,
    duplicates   INTEGER NOT NULL,
    lenient      INTEGER NOT NULL,
    excluded     INTEGER NOT NULL,
    detail       TEXT NOT NULL,
    computed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (mn, month, device_id, code, basis)
);
CREATE INDEX monitoring_monthly_device ON monitoring_monthly (device_id, month);
