-- store: foreign keys off
-- Penalty records keyed by taxpayer, as on PostgreSQL (postgres/0050);
-- penalty_records keeps its AUTOINCREMENT id as the primary key with
-- UNIQUE (credit_code, id) beside it (sqliteRowidKeys, as in 0049). The
-- three tables are rebuilt with their triggers and counter.
DROP TRIGGER penalty_records_fields;
DROP TRIGGER penalty_records_status;
DROP TRIGGER penalty_records_no_delete;
DROP TRIGGER penalty_pollutants_no_update;
DROP TRIGGER penalty_pollutants_no_delete;
DROP TRIGGER penalty_generated_no_update;
DROP TRIGGER penalty_generated_no_delete;

CREATE TABLE penalty_records_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code  TEXT NOT NULL REFERENCES taxpayers (credit_code),
    case_no      TEXT NOT NULL,
    outlet_no    TEXT NOT NULL,
    revision     INTEGER NOT NULL CHECK (revision > 0),
    replaces_id  BIGINT,
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
    UNIQUE (credit_code, id),
    CHECK ((revision = 1) = (replaces_id IS NULL)),
    FOREIGN KEY (credit_code, replaces_id) REFERENCES penalty_records (credit_code, id)
);
INSERT INTO penalty_records_new (id, credit_code, case_no, outlet_no, revision, replaces_id, status, case_code, period_from,
    period_to, decided_on, note, created_by, created_at, superseded_at)
SELECT id, credit_code, case_no, outlet_no, revision, replaces_id, status, case_code, period_from,
    period_to, decided_on, note, created_by, created_at, superseded_at FROM penalty_records;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'penalty_records_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'penalty_records_new');
UPDATE sqlite_sequence SET seq = max(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'penalty_records'), 0))
    WHERE name = 'penalty_records_new';
DROP TABLE penalty_records;
ALTER TABLE penalty_records_new RENAME TO penalty_records;
CREATE INDEX penalty_records_cover ON penalty_records (credit_code, outlet_no, status);

CREATE TABLE penalty_pollutants_new (
    penalty_id  BIGINT NOT NULL,
    pollutant   TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    PRIMARY KEY (credit_code, penalty_id, pollutant),
    FOREIGN KEY (credit_code, penalty_id) REFERENCES penalty_records (credit_code, id)
);
INSERT INTO penalty_pollutants_new (penalty_id, pollutant, credit_code)
SELECT x.penalty_id, x.pollutant, p.credit_code FROM penalty_pollutants x JOIN penalty_records p ON p.id = x.penalty_id;
DROP TABLE penalty_pollutants;
ALTER TABLE penalty_pollutants_new RENAME TO penalty_pollutants;
CREATE INDEX penalty_pollutants_penalty ON penalty_pollutants (penalty_id, pollutant);

CREATE TABLE penalty_generated_new (
    penalty_id   BIGINT NOT NULL,
    pollutant    TEXT NOT NULL,
    month        TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    generated_kg TEXT NOT NULL CHECK (CAST(generated_kg AS REAL) >= 0),
    credit_code  TEXT NOT NULL,
    PRIMARY KEY (credit_code, penalty_id, pollutant, month),
    FOREIGN KEY (credit_code, penalty_id) REFERENCES penalty_records (credit_code, id)
);
INSERT INTO penalty_generated_new (penalty_id, pollutant, month, generated_kg, credit_code)
SELECT x.penalty_id, x.pollutant, x.month, x.generated_kg, p.credit_code FROM penalty_generated x JOIN penalty_records p ON p.id = x.penalty_id;
DROP TABLE penalty_generated;
ALTER TABLE penalty_generated_new RENAME TO penalty_generated;
CREATE INDEX penalty_generated_penalty ON penalty_generated (penalty_id, pollutant, month);

-- The rules of 0021 and 0031, as they were.
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
