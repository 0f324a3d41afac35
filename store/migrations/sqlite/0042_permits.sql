-- The permit register: see the PostgreSQL migration of the same number.
CREATE TABLE permits (
    credit_code TEXT NOT NULL REFERENCES taxpayers (credit_code),
    permit_no   TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE CHECK (valid_to IS NULL OR valid_to >= valid_from),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (credit_code, permit_no)
);

CREATE TABLE permit_lines (
    credit_code         TEXT NOT NULL,
    permit_no           TEXT NOT NULL,
    line                INTEGER NOT NULL CHECK (line > 0),
    outlet_no           TEXT NOT NULL,
    pollutant           TEXT NOT NULL,
    standard            TEXT NOT NULL,
    concentration_limit TEXT,
    annual_limit_kg     TEXT,
    PRIMARY KEY (credit_code, permit_no, line),
    FOREIGN KEY (credit_code, permit_no) REFERENCES permits (credit_code, permit_no)
);
