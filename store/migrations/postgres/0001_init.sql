-- Initial schema. Money and quantities are NUMERIC (exact), never float.

CREATE TABLE taxpayers (
    credit_code TEXT PRIMARY KEY CHECK (length(credit_code) = 18),
    name        TEXT NOT NULL,
    region      TEXT NOT NULL CHECK (region ~ '^[0-9]{6}$'),
    industry    TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL CHECK (version > 0),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE tax_sources (
    id                     BIGSERIAL PRIMARY KEY,
    credit_code            TEXT NOT NULL REFERENCES taxpayers (credit_code),
    outlet_no              TEXT NOT NULL,
    outlet_name            TEXT NOT NULL,
    location               TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL CHECK (kind IN ('air', 'water', 'noise', 'solid_waste', 'livestock', 'sampling')),
    fugitive               BOOLEAN NOT NULL DEFAULT FALSE,
    pollutant              TEXT NOT NULL DEFAULT '',
    method                 TEXT NOT NULL DEFAULT '',
    standard               TEXT NOT NULL DEFAULT '',
    standard_concentration NUMERIC,
    day_limit_db           NUMERIC,
    night_limit_db         NUMERIC,
    multiple_points        BOOLEAN NOT NULL DEFAULT FALSE,
    valid_from             DATE NOT NULL,
    valid_to               DATE CHECK (valid_to IS NULL OR valid_to >= valid_from),
    version                INTEGER NOT NULL CHECK (version > 0),
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
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
    fugitive               BOOLEAN NOT NULL,
    pollutant              TEXT NOT NULL,
    method                 TEXT NOT NULL,
    standard               TEXT NOT NULL,
    standard_concentration NUMERIC,
    day_limit_db           NUMERIC,
    night_limit_db         NUMERIC,
    multiple_points        BOOLEAN NOT NULL,
    valid_from             DATE NOT NULL,
    valid_to               DATE,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    change                 TEXT NOT NULL CHECK (change IN ('create', 'change', 'end')),
    changed_by             TEXT NOT NULL,
    changed_at             TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE declarations (
    id              BIGSERIAL PRIMARY KEY,
    credit_code     TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period          TEXT NOT NULL,
    revision        INTEGER NOT NULL CHECK (revision > 0),
    replaces_id     BIGINT REFERENCES declarations (id),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'accepted')),
    version         INTEGER NOT NULL CHECK (version > 0),
    deadline        DATE NOT NULL,
    total_tax_due   NUMERIC,
    total_reduction NUMERIC,
    total_tax       NUMERIC,
    previous_tax    NUMERIC,
    tax_difference  NUMERIC,
    assessment      TEXT,
    submitted_at    TIMESTAMPTZ,
    submitted_by    TEXT NOT NULL DEFAULT '',
    accepted_at     TIMESTAMPTZ,
    accepted_by     TEXT NOT NULL DEFAULT '',
    paid_on         DATE,
    paid_amount     NUMERIC,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (credit_code, period, revision)
);

CREATE TABLE declaration_figures (
    declaration_id    BIGINT NOT NULL REFERENCES declarations (id),
    line              INTEGER NOT NULL,
    source_id         BIGINT NOT NULL REFERENCES tax_sources (id),
    month             TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    emission_kg       NUMERIC,
    wastewater_t      NUMERIC,
    avg_concentration NUMERIC,
    max_concentration NUMERIC,
    value             NUMERIC,
    measured          NUMERIC,
    standard          NUMERIC,
    day_measured_db   NUMERIC,
    day_exceed_days   INTEGER,
    night_measured_db NUMERIC,
    night_exceed_days INTEGER,
    generated_t       NUMERIC,
    stored_t          NUMERIC,
    disposed_t        NUMERIC,
    utilized_t        NUMERIC,
    stock_start       NUMERIC,
    stock_end         NUMERIC,
    quantity          NUMERIC,
    PRIMARY KEY (declaration_id, line),
    UNIQUE (declaration_id, source_id, month)
);

-- A submitted or accepted declaration is immutable: its figures cannot
-- change, whatever the application does.
CREATE FUNCTION figures_only_on_drafts() RETURNS trigger AS $$
BEGIN
    IF (SELECT status FROM declarations WHERE id = COALESCE(NEW.declaration_id, OLD.declaration_id)) <> 'draft' THEN
        RAISE EXCEPTION 'declaration % is not a draft; its figures are immutable', COALESCE(NEW.declaration_id, OLD.declaration_id);
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$ LANGUAGE plpgsql;
CREATE TRIGGER declaration_figures_immutable BEFORE INSERT OR UPDATE OR DELETE ON declaration_figures
    FOR EACH ROW EXECUTE FUNCTION figures_only_on_drafts();

CREATE TABLE tokens (
    id          BIGSERIAL PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('enterprise', 'tax_officer', 'env_officer', 'finance', 'admin')),
    credit_code TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    label       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    CHECK ((role = 'enterprise') = (credit_code <> ''))
);

-- Append-only: who changed what, when, before and after.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    token_id    BIGINT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    credit_code TEXT NOT NULL DEFAULT '',
    before      JSONB,
    after       JSONB,
    request_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_taxpayer ON audit_log (credit_code);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Answers to create requests that carried an Idempotency-Key, per token.
CREATE TABLE idempotency_keys (
    token_id     BIGINT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_id, key)
);
