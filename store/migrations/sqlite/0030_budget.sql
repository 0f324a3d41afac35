-- Budget inputs (finance, issue 5): damage compensation cases with their
-- receipts, eco-compensation settlements with the region code of each
-- party, and fee bills by month. Each record is written once with the
-- figures computed when it was recorded; a wrong record is deleted (the
-- audit log keeps it) and recorded again. (SQLite: exact decimals as TEXT.)

CREATE TABLE budget_damage_cases (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    district         TEXT NOT NULL CHECK (length(district) = 6 AND district NOT GLOB '*[^0-9]*'),
    case_name        TEXT NOT NULL CHECK (case_name <> ''),
    claim            TEXT,
    claim_total      TEXT,
    claim_unverified INTEGER NOT NULL DEFAULT 0,
    settled_amount   TEXT,
    settled_on       DATE,
    created_at       TIMESTAMP NOT NULL,
    created_by       TEXT NOT NULL,
    CHECK (claim IS NOT NULL OR settled_amount IS NOT NULL),
    CHECK ((claim IS NULL) = (claim_total IS NULL))
);
CREATE INDEX budget_damage_cases_district ON budget_damage_cases (district);

CREATE TABLE budget_damage_receipts (
    case_id  BIGINT NOT NULL REFERENCES budget_damage_cases (id) ON DELETE CASCADE,
    line     INTEGER NOT NULL,
    month    TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    amount   TEXT NOT NULL,
    received INTEGER NOT NULL,
    PRIMARY KEY (case_id, line)
);
CREATE INDEX budget_damage_receipts_month ON budget_damage_receipts (month);

CREATE TABLE budget_eco_settlements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    year       INTEGER NOT NULL CHECK (year BETWEEN 2018 AND 2999),
    scheme     TEXT NOT NULL,
    request    TEXT NOT NULL,
    gross      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX budget_eco_settlements_year ON budget_eco_settlements (year);

CREATE TABLE budget_eco_parties (
    settlement_id BIGINT NOT NULL REFERENCES budget_eco_settlements (id) ON DELETE CASCADE,
    party         TEXT NOT NULL,
    region        TEXT NOT NULL CHECK (length(region) = 6 AND region NOT GLOB '*[^0-9]*'),
    PRIMARY KEY (settlement_id, party)
);
CREATE INDEX budget_eco_parties_region ON budget_eco_parties (region);

CREATE TABLE budget_fee_bills (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    district     TEXT NOT NULL CHECK (length(district) = 6 AND district NOT GLOB '*[^0-9]*'),
    payer        TEXT NOT NULL CHECK (payer <> ''),
    schedule     TEXT NOT NULL,
    inputs       TEXT NOT NULL,
    partial_step TEXT NOT NULL DEFAULT '' CHECK (partial_step IN ('', 'ceil', 'floor')),
    created_at   TIMESTAMP NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX budget_fee_bills_district ON budget_fee_bills (district);

CREATE TABLE budget_fee_months (
    bill_id  BIGINT NOT NULL REFERENCES budget_fee_bills (id) ON DELETE CASCADE,
    line     INTEGER NOT NULL,
    month    TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    day      DATE,
    quantity TEXT NOT NULL,
    amount   TEXT NOT NULL,
    schedule TEXT NOT NULL,
    verified INTEGER NOT NULL,
    PRIMARY KEY (bill_id, line),
    UNIQUE (bill_id, month)
);
CREATE INDEX budget_fee_months_month ON budget_fee_months (month);
