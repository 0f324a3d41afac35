-- 复核 (环境保护税法 第二十条): a tax officer asks the environment bureau to
-- review one flagged item of a declaration; the bureau answers within the
-- reply period with an opinion and, where needed, corrected figures; the
-- tax officer then adjusts the tax through a correction (更正申报).
CREATE TABLE reviews (
    id             BIGSERIAL PRIMARY KEY,
    ref            TEXT NOT NULL UNIQUE,               -- 复核编号, travels in the exchange
    credit_code    TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period         TEXT NOT NULL,
    outlet_no      TEXT NOT NULL,
    source_id      BIGINT REFERENCES tax_sources (id),  -- when the address names one source
    pollutant      TEXT NOT NULL DEFAULT '',
    month          TEXT NOT NULL DEFAULT '' CHECK (month = '' OR month ~ '^[0-9]{4}-[0-9]{2}$'),
    flag_code      TEXT NOT NULL,
    reason         TEXT NOT NULL,
    declaration_id BIGINT REFERENCES declarations (id), -- the revision under review when opened
    item_status    TEXT NOT NULL CHECK (item_status IN ('declared', 'not_declared', 'no_declaration')),
    received_on    DATE NOT NULL,
    deadline       DATE NOT NULL CHECK (deadline >= received_on),
    status         TEXT NOT NULL CHECK (status IN ('open', 'answered', 'applied', 'closed')),
    version        INTEGER NOT NULL CHECK (version > 0),
    opened_by      TEXT NOT NULL,
    opinion        TEXT CHECK (opinion IN ('confirmed', 'corrected', 'cannot_determine')),
    opinion_note   TEXT NOT NULL DEFAULT '',
    corrections    TEXT,                                -- JSON: the corrected figures
    answered_on    DATE,
    answered_by    TEXT NOT NULL DEFAULT '',
    answered_at    TIMESTAMPTZ,
    applied_at     TIMESTAMPTZ,
    applied_by     TEXT NOT NULL DEFAULT '',
    correction_id  BIGINT REFERENCES declarations (id),  -- the revision the opinion became
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CHECK ((status = 'open') = (opinion IS NULL)),
    CHECK ((opinion = 'corrected') = (corrections IS NOT NULL))
);
CREATE INDEX reviews_taxpayer ON reviews (credit_code, period);
CREATE INDEX reviews_open ON reviews (status, deadline);
-- One live review per flagged item: opening it twice is a conflict.
CREATE UNIQUE INDEX reviews_one_live ON reviews (credit_code, period, outlet_no, pollutant, month, flag_code)
    WHERE status IN ('open', 'answered');

-- The address never changes, and an opinion once given is never rewritten
-- (a new review is opened instead).
CREATE FUNCTION reviews_immutable() RETURNS trigger AS $$
BEGIN
    IF NEW.ref <> OLD.ref OR NEW.credit_code <> OLD.credit_code OR NEW.period <> OLD.period
        OR NEW.outlet_no <> OLD.outlet_no OR NEW.source_id IS DISTINCT FROM OLD.source_id
        OR NEW.pollutant <> OLD.pollutant OR NEW.month <> OLD.month OR NEW.flag_code <> OLD.flag_code
        OR NEW.reason <> OLD.reason OR NEW.declaration_id IS DISTINCT FROM OLD.declaration_id
        OR NEW.received_on <> OLD.received_on OR NEW.deadline <> OLD.deadline THEN
        RAISE EXCEPTION 'review %: the address of a review never changes', OLD.id;
    END IF;
    IF OLD.status <> 'open' AND (NEW.opinion IS DISTINCT FROM OLD.opinion OR NEW.opinion_note <> OLD.opinion_note
        OR NEW.corrections IS DISTINCT FROM OLD.corrections OR NEW.answered_on IS DISTINCT FROM OLD.answered_on) THEN
        RAISE EXCEPTION 'review %: the opinion is given; it is never rewritten', OLD.id;
    END IF;
    IF OLD.status IN ('applied', 'closed') THEN
        RAISE EXCEPTION 'review % is %; it is final', OLD.id, OLD.status;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER reviews_immutable BEFORE UPDATE ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_immutable();
CREATE FUNCTION reviews_no_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'reviews are never deleted';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_no_delete();
