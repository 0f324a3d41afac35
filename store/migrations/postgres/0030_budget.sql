-- Budget inputs (finance, issue 5): damage compensation cases with their
-- receipts, eco-compensation settlements with the region code of each
-- party, and fee bills by month. Each record is written once with the
-- figures computed when it was recorded; a wrong record is deleted (the
-- audit log keeps it) and recorded again. Money and quantities NUMERIC.

CREATE TABLE budget_damage_cases (
    id               BIGSERIAL PRIMARY KEY,
    district         TEXT NOT NULL CHECK (district ~ '^[0-9]{6}$'),
    case_name        TEXT NOT NULL CHECK (case_name <> ''),
    claim            TEXT,                 -- the calc/damage request as sent
    claim_total      NUMERIC,              -- its computed total
    claim_unverified BOOLEAN NOT NULL DEFAULT FALSE,
    settled_amount   NUMERIC CHECK (settled_amount >= 0),
    settled_on       DATE,
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       TEXT NOT NULL,
    CHECK (claim IS NOT NULL OR settled_amount IS NOT NULL),
    CHECK ((claim IS NULL) = (claim_total IS NULL))
);
CREATE INDEX budget_damage_cases_district ON budget_damage_cases (district);

CREATE TABLE budget_damage_receipts (
    case_id  BIGINT NOT NULL REFERENCES budget_damage_cases (id) ON DELETE CASCADE,
    line     INTEGER NOT NULL,
    month    TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    amount   NUMERIC NOT NULL CHECK (amount > 0),
    received BOOLEAN NOT NULL,
    PRIMARY KEY (case_id, line)
);
CREATE INDEX budget_damage_receipts_month ON budget_damage_receipts (month);

CREATE TABLE budget_eco_settlements (
    id         BIGSERIAL PRIMARY KEY,
    year       INTEGER NOT NULL CHECK (year BETWEEN 2018 AND 2999),
    scheme     TEXT NOT NULL,
    request    TEXT NOT NULL,              -- the calc/ecocomp request as sent
    gross      NUMERIC NOT NULL,           -- its settled gross amount when recorded
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX budget_eco_settlements_year ON budget_eco_settlements (year);

CREATE TABLE budget_eco_parties (
    settlement_id BIGINT NOT NULL REFERENCES budget_eco_settlements (id) ON DELETE CASCADE,
    party         TEXT NOT NULL,
    region        TEXT NOT NULL CHECK (region ~ '^[0-9]{6}$'),
    PRIMARY KEY (settlement_id, party)
);
CREATE INDEX budget_eco_parties_region ON budget_eco_parties (region);

CREATE TABLE budget_fee_bills (
    id           BIGSERIAL PRIMARY KEY,
    district     TEXT NOT NULL CHECK (district ~ '^[0-9]{6}$'),
    payer        TEXT NOT NULL CHECK (payer <> ''),
    schedule     TEXT NOT NULL,
    inputs       TEXT NOT NULL,            -- JSON object of the schedule's inputs
    partial_step TEXT NOT NULL DEFAULT '' CHECK (partial_step IN ('', 'ceil', 'floor')),
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX budget_fee_bills_district ON budget_fee_bills (district);

CREATE TABLE budget_fee_months (
    bill_id  BIGINT NOT NULL REFERENCES budget_fee_bills (id) ON DELETE CASCADE,
    line     INTEGER NOT NULL,
    month    TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    day      DATE,
    quantity NUMERIC NOT NULL CHECK (quantity >= 0),
    amount   NUMERIC NOT NULL,             -- the fee computed when recorded
    schedule TEXT NOT NULL,                -- id@version that computed it
    verified BOOLEAN NOT NULL,
    PRIMARY KEY (bill_id, line),
    UNIQUE (bill_id, month)
);
CREATE INDEX budget_fee_months_month ON budget_fee_months (month);
