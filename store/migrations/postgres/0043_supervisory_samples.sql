-- Supervisory measurements (监督性监测, 实施条例 第十五条第二项) recorded by
-- the environment bureau and sent in the exchange's supervisory_samples.
CREATE TABLE supervisory_samples (
    credit_code   TEXT NOT NULL REFERENCES taxpayers (credit_code),
    outlet_no     TEXT NOT NULL,
    pollutant     TEXT NOT NULL,
    sampled_on    DATE NOT NULL,
    report_no     TEXT NOT NULL,
    agency        TEXT NOT NULL,
    concentration NUMERIC NOT NULL,
    flow          NUMERIC,
    flow_unit     TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (credit_code, outlet_no, pollutant, sampled_on, report_no)
);
