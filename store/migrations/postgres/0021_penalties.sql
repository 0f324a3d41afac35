-- Penalty records from the environment bureau (环境违法和受行政处罚情况,
-- 法 第十五条第二款). For the period of the violation the emission base of
-- the named outlet and pollutants is the 产生量 (实施条例 第六条、第七条;
-- 财税〔2018〕117号). A record is never changed: a corrected record is a new
-- revision that supersedes the previous one.
CREATE TABLE penalty_records (
    id           BIGSERIAL PRIMARY KEY,
    credit_code  TEXT NOT NULL REFERENCES taxpayers (credit_code),
    case_no      TEXT NOT NULL,                      -- 处罚决定书文号
    outlet_no    TEXT NOT NULL,
    revision     INTEGER NOT NULL CHECK (revision > 0),
    replaces_id  BIGINT REFERENCES penalty_records (id),
    status       TEXT NOT NULL CHECK (status IN ('active', 'superseded')),
    case_code    TEXT NOT NULL,                      -- fixtures/tax/penalties.csv
    period_from  DATE NOT NULL,
    period_to    DATE NOT NULL CHECK (period_to >= period_from),
    decided_on   DATE NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ,
    UNIQUE (credit_code, case_no, outlet_no, revision),
    CHECK ((revision = 1) = (replaces_id IS NULL))
);
CREATE INDEX penalty_records_cover ON penalty_records (credit_code, outlet_no, status);

-- The pollutants (or, for solid waste, the waste) the record names.
CREATE TABLE penalty_pollutants (
    penalty_id BIGINT NOT NULL REFERENCES penalty_records (id),
    pollutant  TEXT NOT NULL,
    PRIMARY KEY (penalty_id, pollutant)
);

-- The 产生量 fixed for a pollutant and month (air and water).
CREATE TABLE penalty_generated (
    penalty_id   BIGINT NOT NULL REFERENCES penalty_records (id),
    pollutant    TEXT NOT NULL,
    month        TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    generated_kg NUMERIC NOT NULL CHECK (generated_kg >= 0),
    PRIMARY KEY (penalty_id, pollutant, month)
);

CREATE FUNCTION penalty_records_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'penalty records are never deleted';
    END IF;
    IF NOT (OLD.status = 'active' AND NEW.status = 'superseded')
        OR (to_jsonb(NEW) - 'status' - 'superseded_at') <> (to_jsonb(OLD) - 'status' - 'superseded_at') THEN
        RAISE EXCEPTION 'penalty record %: only active → superseded may change', OLD.id;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER penalty_records_immutable BEFORE UPDATE OR DELETE ON penalty_records
    FOR EACH ROW EXECUTE FUNCTION penalty_records_immutable();

CREATE FUNCTION penalty_items_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'penalty items are never changed';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER penalty_pollutants_append_only BEFORE UPDATE OR DELETE ON penalty_pollutants
    FOR EACH ROW EXECUTE FUNCTION penalty_items_append_only();
CREATE TRIGGER penalty_generated_append_only BEFORE UPDATE OR DELETE ON penalty_generated
    FOR EACH ROW EXECUTE FUNCTION penalty_items_append_only();
