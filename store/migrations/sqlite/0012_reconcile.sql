-- (SQLite: exact decimals as TEXT.)
-- Reconciliation (比对, 环境保护税法 第二十条): declared vs monitored by
-- taxpayer × outlet × pollutant × month, with the tax each gives and the
-- risk flags (风险疑点) raised. Every run is kept; reconcile_current
-- points at the run whose results stand for a taxpayer and period.

CREATE TABLE reconcile_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    period      TEXT NOT NULL,
    region      TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    as_of       DATE NOT NULL,
    taxpayers   INTEGER NOT NULL,
    items       INTEGER NOT NULL,
    flags       INTEGER NOT NULL,
    params      TEXT NOT NULL,
    warnings    TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE reconcile_results (
    run_id          BIGINT NOT NULL REFERENCES reconcile_runs (id),
    credit_code     TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period          TEXT NOT NULL,
    declaration_id  BIGINT,
    revision        INTEGER,
    declared_tax    TEXT,
    monitored_tax   TEXT,
    tax_difference  TEXT,
    status          TEXT NOT NULL,
    items           INTEGER NOT NULL,
    flags           INTEGER NOT NULL,
    detail          TEXT NOT NULL,
    PRIMARY KEY (run_id, credit_code)
);

CREATE TABLE reconcile_current (
    credit_code TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period      TEXT NOT NULL,
    run_id      BIGINT NOT NULL REFERENCES reconcile_runs (id),
    PRIMARY KEY (credit_code, period)
);

CREATE TABLE reconcile_items (
    run_id        BIGINT NOT NULL,
    credit_code   TEXT NOT NULL,
    period        TEXT NOT NULL,
    month         TEXT NOT NULL,
    outlet_no     TEXT NOT NULL,
    pollutant     TEXT NOT NULL,
    pollutant_id  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    source_id     BIGINT NOT NULL,
    declared_kg   TEXT,
    monitored_kg  TEXT,
    difference_kg TEXT,
    declared_tax  TEXT,
    monitored_tax TEXT,
    completeness  TEXT,
    valid_units   INTEGER NOT NULL,
    units         INTEGER NOT NULL,
    excluded      INTEGER NOT NULL,
    basis         TEXT NOT NULL,
    status        TEXT NOT NULL,
    detail        TEXT NOT NULL,
    PRIMARY KEY (run_id, credit_code, month, outlet_no, pollutant_id)
);

-- A flag is addressed by (credit_code, period, outlet_no, pollutant,
-- month, code); outlet_no, pollutant and month are '' where the flag is
-- about the whole taxpayer or period.
CREATE TABLE reconcile_flags (
    run_id      BIGINT NOT NULL,
    credit_code TEXT NOT NULL,
    period      TEXT NOT NULL,
    month       TEXT NOT NULL,
    outlet_no   TEXT NOT NULL,
    source_id   BIGINT NOT NULL,
    pollutant   TEXT NOT NULL,
    code        TEXT NOT NULL,
    parameter   TEXT NOT NULL,
    threshold   TEXT NOT NULL,
    observed    TEXT NOT NULL,
    rule        TEXT NOT NULL,
    message     TEXT NOT NULL,
    raised_on   DATE NOT NULL,
    PRIMARY KEY (run_id, credit_code, month, outlet_no, pollutant, code)
);
CREATE INDEX reconcile_flags_period ON reconcile_flags (period, credit_code);
