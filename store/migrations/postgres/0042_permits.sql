-- The permit register (排污许可, 法 第十五条第二款; HJ 608 numbers): what the
-- environment bureau sends in the exchange's `permits` dataset and the
-- number beside each outlet in `polluters`. Keyed by the taxpayer, so
-- that a Citus cluster distributes it with the taxpayer's other tables.
CREATE TABLE permits (
    credit_code TEXT NOT NULL REFERENCES taxpayers (credit_code),
    permit_no   TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE CHECK (valid_to IS NULL OR valid_to >= valid_from),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (credit_code, permit_no)
);

-- What a permit allows, outlet by outlet and pollutant by pollutant.
CREATE TABLE permit_lines (
    credit_code         TEXT NOT NULL,
    permit_no           TEXT NOT NULL,
    line                INTEGER NOT NULL CHECK (line > 0),
    outlet_no           TEXT NOT NULL,
    pollutant           TEXT NOT NULL,
    standard            TEXT NOT NULL,
    concentration_limit NUMERIC,
    annual_limit_kg     NUMERIC,
    PRIMARY KEY (credit_code, permit_no, line),
    FOREIGN KEY (credit_code, permit_no) REFERENCES permits (credit_code, permit_no)
);
