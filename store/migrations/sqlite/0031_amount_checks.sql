-- store: foreign keys off
-- The non-negative amounts PostgreSQL checked (NUMERIC CHECK (x >= 0))
-- and SQLite did not: found by TestSchemasAgree. SQLite cannot add a CHECK
-- to a table, so the five tables are rebuilt (the 12 steps of
-- https://sqlite.org/lang_altertable.html#otheralter: foreign keys off for
-- this migration only, checked with foreign_key_check before it commits).
-- The amounts are exact decimals as TEXT; their sign is what is checked.

CREATE TABLE budget_damage_cases_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    district         TEXT NOT NULL CHECK (length(district) = 6 AND district NOT GLOB '*[^0-9]*'),
    case_name        TEXT NOT NULL CHECK (case_name <> ''),
    claim            TEXT,
    claim_total      TEXT,
    claim_unverified INTEGER NOT NULL DEFAULT 0,
    settled_amount   TEXT CHECK (CAST(settled_amount AS REAL) >= 0),
    settled_on       DATE,
    created_at       TIMESTAMP NOT NULL,
    created_by       TEXT NOT NULL,
    CHECK (claim IS NOT NULL OR settled_amount IS NOT NULL),
    CHECK ((claim IS NULL) = (claim_total IS NULL))
);
INSERT INTO budget_damage_cases_new SELECT * FROM budget_damage_cases;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'budget_damage_cases_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'budget_damage_cases_new');
UPDATE sqlite_sequence SET seq = max(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'budget_damage_cases'), 0))
    WHERE name = 'budget_damage_cases_new';
DROP TABLE budget_damage_cases;
ALTER TABLE budget_damage_cases_new RENAME TO budget_damage_cases;
CREATE INDEX budget_damage_cases_district ON budget_damage_cases (district);

CREATE TABLE budget_damage_receipts_new (
    case_id  BIGINT NOT NULL REFERENCES budget_damage_cases (id) ON DELETE CASCADE,
    line     INTEGER NOT NULL,
    month    TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    amount   TEXT NOT NULL CHECK (CAST(amount AS REAL) > 0),
    received INTEGER NOT NULL,
    PRIMARY KEY (case_id, line)
);
INSERT INTO budget_damage_receipts_new SELECT * FROM budget_damage_receipts;
DROP TABLE budget_damage_receipts;
ALTER TABLE budget_damage_receipts_new RENAME TO budget_damage_receipts;
CREATE INDEX budget_damage_receipts_month ON budget_damage_receipts (month);

CREATE TABLE budget_fee_months_new (
    bill_id  BIGINT NOT NULL REFERENCES budget_fee_bills (id) ON DELETE CASCADE,
    line     INTEGER NOT NULL,
    month    TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    day      DATE,
    quantity TEXT NOT NULL CHECK (CAST(quantity AS REAL) >= 0),
    amount   TEXT NOT NULL,
    schedule TEXT NOT NULL,
    verified INTEGER NOT NULL,
    PRIMARY KEY (bill_id, line),
    UNIQUE (bill_id, month)
);
INSERT INTO budget_fee_months_new SELECT * FROM budget_fee_months;
DROP TABLE budget_fee_months;
ALTER TABLE budget_fee_months_new RENAME TO budget_fee_months;
CREATE INDEX budget_fee_months_month ON budget_fee_months (month);

CREATE TABLE penalty_generated_new (
    penalty_id   BIGINT NOT NULL REFERENCES penalty_records (id),
    pollutant    TEXT NOT NULL,
    month        TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    generated_kg TEXT NOT NULL CHECK (CAST(generated_kg AS REAL) >= 0),
    PRIMARY KEY (penalty_id, pollutant, month)
);
INSERT INTO penalty_generated_new SELECT * FROM penalty_generated;
DROP TABLE penalty_generated;
ALTER TABLE penalty_generated_new RENAME TO penalty_generated;
CREATE TRIGGER penalty_generated_no_update BEFORE UPDATE ON penalty_generated
BEGIN SELECT RAISE(ABORT, 'penalty items are never changed'); END;
CREATE TRIGGER penalty_generated_no_delete BEFORE DELETE ON penalty_generated
BEGIN SELECT RAISE(ABORT, 'penalty items are never changed'); END;

CREATE TABLE production_outputs_new (
    credit_code TEXT NOT NULL REFERENCES taxpayers (credit_code),
    month       TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    product     TEXT NOT NULL CHECK (product <> ''),
    unit        TEXT NOT NULL CHECK (unit <> ''),
    quantity    TEXT NOT NULL CHECK (CAST(quantity AS REAL) >= 0),
    version     INTEGER NOT NULL CHECK (version > 0),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (credit_code, month)
);
INSERT INTO production_outputs_new SELECT * FROM production_outputs;
DROP TABLE production_outputs;
ALTER TABLE production_outputs_new RENAME TO production_outputs;
