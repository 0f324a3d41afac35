-- Penalty records: see the PostgreSQL migration of the same number.
CREATE TABLE penalty_records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code  TEXT NOT NULL REFERENCES taxpayers (credit_code),
    case_no      TEXT NOT NULL,
    outlet_no    TEXT NOT NULL,
    revision     INTEGER NOT NULL CHECK (revision > 0),
    replaces_id  BIGINT REFERENCES penalty_records (id),
    status       TEXT NOT NULL CHECK (status IN ('active', 'superseded')),
    case_code    TEXT NOT NULL,
    period_from  DATE NOT NULL,
    period_to    DATE NOT NULL CHECK (period_to >= period_from),
    decided_on   DATE NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP,
    UNIQUE (credit_code, case_no, outlet_no, revision),
    CHECK ((revision = 1) = (replaces_id IS NULL))
);
CREATE INDEX penalty_records_cover ON penalty_records (credit_code, outlet_no, status);

CREATE TABLE penalty_pollutants (
    penalty_id BIGINT NOT NULL REFERENCES penalty_records (id),
    pollutant  TEXT NOT NULL,
    PRIMARY KEY (penalty_id, pollutant)
);

CREATE TABLE penalty_generated (
    penalty_id   BIGINT NOT NULL REFERENCES penalty_records (id),
    pollutant    TEXT NOT NULL,
    month        TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    generated_kg TEXT NOT NULL,
    PRIMARY KEY (penalty_id, pollutant, month)
);

CREATE TRIGGER penalty_records_fields BEFORE UPDATE OF id, credit_code, case_no, outlet_no, revision, replaces_id,
    case_code, period_from, period_to, decided_on, note, created_by, created_at ON penalty_records
BEGIN SELECT RAISE(ABORT, 'penalty records are never changed; file a new revision'); END;
CREATE TRIGGER penalty_records_status BEFORE UPDATE OF status ON penalty_records
WHEN NOT (OLD.status = 'active' AND NEW.status = 'superseded')
BEGIN SELECT RAISE(ABORT, 'penalty record: only active → superseded may change'); END;
CREATE TRIGGER penalty_records_no_delete BEFORE DELETE ON penalty_records
BEGIN SELECT RAISE(ABORT, 'penalty records are never deleted'); END;
CREATE TRIGGER penalty_pollutants_no_update BEFORE UPDATE ON penalty_pollutants
BEGIN SELECT RAISE(ABORT, 'penalty items are never changed'); END;
CREATE TRIGGER penalty_pollutants_no_delete BEFORE DELETE ON penalty_pollutants
BEGIN SELECT RAISE(ABORT, 'penalty items are never changed'); END;
CREATE TRIGGER penalty_generated_no_update BEFORE UPDATE ON penalty_generated
BEGIN SELECT RAISE(ABORT, 'penalty items are never changed'); END;
CREATE TRIGGER penalty_generated_no_delete BEFORE DELETE ON penalty_generated
BEGIN SELECT RAISE(ABORT, 'penalty items are never changed'); END;
