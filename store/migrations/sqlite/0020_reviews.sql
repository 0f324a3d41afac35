-- 复核 (环境保护税法 第二十条): see the PostgreSQL migration of the same number.
CREATE TABLE reviews (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    ref            TEXT NOT NULL UNIQUE,
    credit_code    TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period         TEXT NOT NULL,
    outlet_no      TEXT NOT NULL,
    source_id      BIGINT REFERENCES tax_sources (id),
    pollutant      TEXT NOT NULL DEFAULT '',
    month          TEXT NOT NULL DEFAULT '' CHECK (month = '' OR month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    flag_code      TEXT NOT NULL,
    reason         TEXT NOT NULL,
    declaration_id BIGINT REFERENCES declarations (id),
    item_status    TEXT NOT NULL CHECK (item_status IN ('declared', 'not_declared', 'no_declaration')),
    received_on    DATE NOT NULL,
    deadline       DATE NOT NULL CHECK (deadline >= received_on),
    status         TEXT NOT NULL CHECK (status IN ('open', 'answered', 'applied', 'closed')),
    version        INTEGER NOT NULL CHECK (version > 0),
    opened_by      TEXT NOT NULL,
    opinion        TEXT CHECK (opinion IN ('confirmed', 'corrected', 'cannot_determine')),
    opinion_note   TEXT NOT NULL DEFAULT '',
    corrections    TEXT,
    answered_on    DATE,
    answered_by    TEXT NOT NULL DEFAULT '',
    answered_at    TIMESTAMP,
    applied_at     TIMESTAMP,
    applied_by     TEXT NOT NULL DEFAULT '',
    correction_id  BIGINT REFERENCES declarations (id),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CHECK ((status = 'open') = (opinion IS NULL)),
    CHECK ((opinion = 'corrected') = (corrections IS NOT NULL))
);
CREATE INDEX reviews_taxpayer ON reviews (credit_code, period);
CREATE INDEX reviews_open ON reviews (status, deadline);
CREATE UNIQUE INDEX reviews_one_live ON reviews (credit_code, period, outlet_no, pollutant, month, flag_code)
    WHERE status IN ('open', 'answered');

CREATE TRIGGER reviews_address_immutable BEFORE UPDATE OF ref, credit_code, period, outlet_no, source_id, pollutant,
    month, flag_code, reason, declaration_id, received_on, deadline ON reviews
BEGIN SELECT RAISE(ABORT, 'the address of a review never changes'); END;
CREATE TRIGGER reviews_opinion_immutable BEFORE UPDATE OF opinion, opinion_note, corrections, answered_on ON reviews
WHEN OLD.status <> 'open'
BEGIN SELECT RAISE(ABORT, 'the opinion is given; it is never rewritten'); END;
CREATE TRIGGER reviews_final BEFORE UPDATE ON reviews
WHEN OLD.status IN ('applied', 'closed')
BEGIN SELECT RAISE(ABORT, 'the review is final'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are never deleted'); END;
