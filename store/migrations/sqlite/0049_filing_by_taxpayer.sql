-- store: foreign keys off
-- Filing tables keyed by taxpayer, as on PostgreSQL (postgres/0049). Two
-- differences, both of storage, checked by TestSchemasAgree
-- (sqliteRowidKeys): tax_sources and declarations keep their
-- AUTOINCREMENT id as the primary key (a key of two columns cannot be
-- one) and get UNIQUE (credit_code, id) beside it, which the composite
-- foreign keys point at. Tables whose foreign keys or keys change are
-- rebuilt (https://sqlite.org/lang_altertable.html#otheralter), with their
-- indexes, triggers and AUTOINCREMENT counters.

CREATE UNIQUE INDEX tax_sources_taxpayer_id ON tax_sources (credit_code, id);

-- The figures' triggers read declarations, which is rebuilt first; they
-- are made again with the new figures table below.
DROP TRIGGER declaration_figures_insert;
DROP TRIGGER declaration_figures_update;
DROP TRIGGER declaration_figures_delete;

CREATE TABLE declarations_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code     TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period          TEXT NOT NULL,
    revision        INTEGER NOT NULL CHECK (revision > 0),
    replaces_id     BIGINT,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'accepted')),
    version         INTEGER NOT NULL CHECK (version > 0),
    deadline        DATE NOT NULL,
    total_tax_due   TEXT,
    total_reduction TEXT,
    total_tax       TEXT,
    previous_tax    TEXT,
    tax_difference  TEXT,
    assessment      TEXT,
    submitted_at    TIMESTAMP,
    submitted_by    TEXT NOT NULL DEFAULT '',
    accepted_at     TIMESTAMP,
    accepted_by     TEXT NOT NULL DEFAULT '',
    paid_on         DATE,
    paid_amount     TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (credit_code, period, revision),
    UNIQUE (credit_code, id),
    FOREIGN KEY (credit_code, replaces_id) REFERENCES declarations (credit_code, id)
);
INSERT INTO declarations_new (id, credit_code, period, revision, replaces_id, status, version, deadline, total_tax_due,
    total_reduction, total_tax, previous_tax, tax_difference, assessment, submitted_at, submitted_by, accepted_at,
    accepted_by, paid_on, paid_amount, created_at, updated_at)
SELECT id, credit_code, period, revision, replaces_id, status, version, deadline, total_tax_due,
    total_reduction, total_tax, previous_tax, tax_difference, assessment, submitted_at, submitted_by, accepted_at,
    accepted_by, paid_on, paid_amount, created_at, updated_at FROM declarations;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'declarations_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'declarations_new');
UPDATE sqlite_sequence SET seq = max(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'declarations'), 0))
    WHERE name = 'declarations_new';
DROP TABLE declarations;
ALTER TABLE declarations_new RENAME TO declarations;

CREATE TABLE declaration_figures_new (
    declaration_id    BIGINT NOT NULL,
    line              INTEGER NOT NULL,
    source_id         BIGINT NOT NULL,
    month             TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    emission_kg       TEXT,
    wastewater_t      TEXT,
    avg_concentration TEXT,
    max_concentration TEXT,
    value             TEXT,
    measured          TEXT,
    standard          TEXT,
    day_measured_db   TEXT,
    day_exceed_days   INTEGER,
    night_measured_db TEXT,
    night_exceed_days INTEGER,
    generated_t       TEXT,
    stored_t          TEXT,
    disposed_t        TEXT,
    utilized_t        TEXT,
    stock_start       TEXT,
    stock_end         TEXT,
    quantity          TEXT,
    credit_code       TEXT NOT NULL,
    PRIMARY KEY (credit_code, declaration_id, line),
    UNIQUE (credit_code, declaration_id, source_id, month),
    FOREIGN KEY (credit_code, declaration_id) REFERENCES declarations (credit_code, id),
    FOREIGN KEY (credit_code, source_id) REFERENCES tax_sources (credit_code, id)
);
INSERT INTO declaration_figures_new (declaration_id, line, source_id, month, emission_kg, wastewater_t, avg_concentration,
    max_concentration, value, measured, standard, day_measured_db, day_exceed_days, night_measured_db, night_exceed_days,
    generated_t, stored_t, disposed_t, utilized_t, stock_start, stock_end, quantity, credit_code)
SELECT f.declaration_id, f.line, f.source_id, f.month, f.emission_kg, f.wastewater_t, f.avg_concentration,
    f.max_concentration, f.value, f.measured, f.standard, f.day_measured_db, f.day_exceed_days, f.night_measured_db, f.night_exceed_days,
    f.generated_t, f.stored_t, f.disposed_t, f.utilized_t, f.stock_start, f.stock_end, f.quantity, d.credit_code
FROM declaration_figures f JOIN declarations d ON d.id = f.declaration_id;
DROP TABLE declaration_figures;
ALTER TABLE declaration_figures_new RENAME TO declaration_figures;
CREATE INDEX declaration_figures_declaration ON declaration_figures (declaration_id, line);
-- A submitted or accepted declaration is immutable: its figures cannot
-- change, whatever the application does (as in 0001).
CREATE TRIGGER declaration_figures_insert BEFORE INSERT ON declaration_figures
WHEN (SELECT status FROM declarations WHERE id = NEW.declaration_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'declaration is not a draft; its figures are immutable'); END;
CREATE TRIGGER declaration_figures_update BEFORE UPDATE ON declaration_figures
WHEN (SELECT status FROM declarations WHERE id = OLD.declaration_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'declaration is not a draft; its figures are immutable'); END;
CREATE TRIGGER declaration_figures_delete BEFORE DELETE ON declaration_figures
WHEN (SELECT status FROM declarations WHERE id = OLD.declaration_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'declaration is not a draft; its figures are immutable'); END;

CREATE TABLE tax_source_history_new (
    id                     BIGINT NOT NULL,
    version                INTEGER NOT NULL,
    credit_code            TEXT NOT NULL,
    outlet_no              TEXT NOT NULL,
    outlet_name            TEXT NOT NULL,
    location               TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    fugitive               INTEGER NOT NULL,
    pollutant              TEXT NOT NULL,
    method                 TEXT NOT NULL,
    standard               TEXT NOT NULL,
    standard_concentration TEXT,
    day_limit_db           TEXT,
    night_limit_db         TEXT,
    multiple_points        INTEGER NOT NULL,
    valid_from             DATE NOT NULL,
    valid_to               DATE,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    change                 TEXT NOT NULL CHECK (change IN ('create', 'change', 'end')),
    changed_by             TEXT NOT NULL,
    changed_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (credit_code, id, version),
    FOREIGN KEY (credit_code, id) REFERENCES tax_sources (credit_code, id)
);
INSERT INTO tax_source_history_new (id, version, credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant,
    method, standard, standard_concentration, day_limit_db, night_limit_db, multiple_points, valid_from, valid_to,
    created_at, updated_at, change, changed_by, changed_at)
SELECT id, version, credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant,
    method, standard, standard_concentration, day_limit_db, night_limit_db, multiple_points, valid_from, valid_to,
    created_at, updated_at, change, changed_by, changed_at FROM tax_source_history;
DROP TABLE tax_source_history;
ALTER TABLE tax_source_history_new RENAME TO tax_source_history;
CREATE INDEX tax_source_history_id ON tax_source_history (id, version);

CREATE TABLE reviews_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    ref            TEXT NOT NULL UNIQUE,
    credit_code    TEXT NOT NULL REFERENCES taxpayers (credit_code),
    period         TEXT NOT NULL,
    outlet_no      TEXT NOT NULL,
    source_id      BIGINT,
    pollutant      TEXT NOT NULL DEFAULT '',
    month          TEXT NOT NULL DEFAULT '' CHECK (month = '' OR month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    flag_code      TEXT NOT NULL,
    reason         TEXT NOT NULL,
    declaration_id BIGINT,
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
    correction_id  BIGINT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CHECK ((status = 'open') = (opinion IS NULL)),
    CHECK ((opinion = 'corrected') = (corrections IS NOT NULL)),
    FOREIGN KEY (credit_code, source_id) REFERENCES tax_sources (credit_code, id),
    FOREIGN KEY (credit_code, declaration_id) REFERENCES declarations (credit_code, id),
    FOREIGN KEY (credit_code, correction_id) REFERENCES declarations (credit_code, id)
);
INSERT INTO reviews_new (id, ref, credit_code, period, outlet_no, source_id, pollutant, month, flag_code, reason,
    declaration_id, item_status, received_on, deadline, status, version, opened_by, opinion, opinion_note, corrections,
    answered_on, answered_by, answered_at, applied_at, applied_by, correction_id, created_at, updated_at)
SELECT id, ref, credit_code, period, outlet_no, source_id, pollutant, month, flag_code, reason,
    declaration_id, item_status, received_on, deadline, status, version, opened_by, opinion, opinion_note, corrections,
    answered_on, answered_by, answered_at, applied_at, applied_by, correction_id, created_at, updated_at FROM reviews;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'reviews_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'reviews_new');
UPDATE sqlite_sequence SET seq = max(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'reviews'), 0))
    WHERE name = 'reviews_new';
DROP TABLE reviews;
ALTER TABLE reviews_new RENAME TO reviews;
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
