-- Production output (产量) a taxpayer records per month, the "unit of
-- product" of 实施条例 第二十二条 (二): emission per unit of output is
-- compared with taxpayers of the same industry. One product line per
-- taxpayer and month.
CREATE TABLE production_outputs (
    credit_code TEXT NOT NULL REFERENCES taxpayers (credit_code),
    month       TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    product     TEXT NOT NULL CHECK (product <> ''),
    unit        TEXT NOT NULL CHECK (unit <> ''),
    quantity    NUMERIC NOT NULL CHECK (quantity >= 0),
    version     INTEGER NOT NULL CHECK (version > 0),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (credit_code, month)
);
