-- Initial schema (SQLite). Money and quantities are TEXT holding exact
-- decimals, never REAL; dates are TEXT YYYY-MM-DD, timestamps TEXT.

CREATE TABLE taxpayers (
    credit_code TEXT PRIMARY KEY CHECK (length(credit_code) = 18),
    name        TEXT NOT NULL,
    region      TEXT NOT NULL CHECK (length(region) = 6 AND region NOT GLOB '*[^0-9]*'),
    industry    TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL CHECK (version > 0),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE tax_sources (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code            TEXT NOT NULL REFERENCES taxpayers (credit_code),
    outlet_no              TEXT NOT NULL,
    outlet_name            TEXT NOT NULL,
    location               TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL CHECK (kind IN ('air', 'water', 'noise', 'solid_waste', 'livestock', 'sampling')),
    fugitive               INTEGER NOT NULL DEFAULT 0,
    pollutant              TEXT NOT NULL DEFAULT '',
    method                 TEXT NOT NULL DEFAULT '',
    standard               TEXT NOT NULL DEFAULT '',
    standard_concentration TEXT,
    day_limit_db           TEXT,
    night_limit_db         TEXT,
    multiple_points        INTEGER NOT NULL DEFAULT 0,
    valid_from             DATE NOT NULL,
    valid_to               DATE CHECK (valid_to IS NULL OR valid_to >= valid_from),
    version                INTEGER NOT NULL CHECK (version > 0),
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);
CREATE INDEX tax_sources_taxpayer ON tax_sources (credit_code);

-- Every version of every source, as it was after each change.
CREATE TABLE tax_source_history (
    id                     BIGINT NOT NULL REFERENCES tax_sources (id),
    version                INTEGER NOT NULL,
    credit_code            TEXT NOT NULL,
    outlet_no              TEXT NOT NULL,
    outlet_name            TEXT NOT NULL,
    location               TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    fugitive               INTEGER NOT NULL,
    pollutant              TEXT NOT NULL,
    method                 TEXT NOT NULL,
    standard               TEXT NOT NULL,
    standard_concentration TEXT,
    day_limit_db           TEXT,
    night_limit_db         TEXT,
    multiple_points        INTEGER NOT NULL,
    valid_from             DATE NOT NULL,
    valid_to               DATE,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    change                 TEXT NOT NULL CHECK (change IN ('create', 'change', 'end')),
    changed_by             TEXT NOT NULL,
    changed_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE declarations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code     TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period          TEXT NOT NULL,
    revision        INTEGER NOT NULL CHECK (revision > 0),
    replaces_id     BIGINT REFERENCES declarations (id),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'accepted')),
    version         INTEGER NOT NULL CHECK (version > 0),
    deadline        DATE NOT NULL,
    total_tax_due   TEXT,
    total_reduction TEXT,
    total_tax       TEXT,
    previous_tax    TEXT,
    tax_difference  TEXT,
    assessment      TEXT,
    submitted_at    TIMESTAMP,
    submitted_by    TEXT NOT NULL DEFAULT '',
    accepted_at     TIMESTAMP,
    accepted_by     TEXT NOT NULL DEFAULT '',
    paid_on         DATE,
    paid_amount     TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (credit_code, period, revision)
);

CREATE TABLE declaration_figures (
    declaration_id    BIGINT NOT NULL REFERENCES declarations (id),
    line              INTEGER NOT NULL,
    source_id         BIGINT NOT NULL REFERENCES tax_sources (id),
    month             TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    emission_kg       TEXT,
    wastewater_t      TEXT,
    avg_concentration TEXT,
    max_concentration TEXT,
    value             TEXT,
    measured          TEXT,
    standard          TEXT,
    day_measured_db   TEXT,
    day_exceed_days   INTEGER,
    night_measured_db TEXT,
    night_exceed_days INTEGER,
    generated_t       TEXT,
    stored_t          TEXT,
    disposed_t        TEXT,
    utilized_t        TEXT,
    stock_start       TEXT,
    stock_end         TEXT,
    quantity          TEXT,
    PRIMARY KEY (declaration_id, line),
    UNIQUE (declaration_id, source_id, month)
);

-- A submitted or accepted declaration is immutable: its figures cannot
-- change, whatever the application does.
CREATE TRIGGER declaration_figures_insert BEFORE INSERT ON declaration_figures
WHEN (SELECT status FROM declarations WHERE id = NEW.declaration_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'declaration is not a draft; its figures are immutable'); END;
CREATE TRIGGER declaration_figures_update BEFORE UPDATE ON declaration_figures
WHEN (SELECT status FROM declarations WHERE id = OLD.declaration_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'declaration is not a draft; its figures are immutable'); END;
CREATE TRIGGER declaration_figures_delete BEFORE DELETE ON declaration_figures
WHEN (SELECT status FROM declarations WHERE id = OLD.declaration_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'declaration is not a draft; its figures are immutable'); END;

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hash        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('enterprise', 'tax_officer', 'env_officer', 'finance', 'admin')),
    credit_code TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    label       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    CHECK ((role = 'enterprise') = (credit_code <> ''))
);

-- Append-only: who changed what, when, before and after.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    token_id    BIGINT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    credit_code TEXT NOT NULL DEFAULT '',
    before      TEXT,
    after       TEXT,
    request_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_taxpayer ON audit_log (credit_code);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Answers to create requests that carried an Idempotency-Key, per token.
CREATE TABLE idempotency_keys (
    token_id     BIGINT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (token_id, key)
);
