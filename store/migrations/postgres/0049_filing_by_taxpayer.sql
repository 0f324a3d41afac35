-- Filing tables keyed by taxpayer (issue 13, docs/scale.md): under Citus
-- tax_sources, tax_source_history, declarations, declaration_figures and
-- reviews are distributed by credit_code, so every key must carry it and
-- every foreign key between them must join on it (co-located).
--
-- No key admits a row it refused before: ids still come from their one
-- sequence each, so (credit_code, id) is as unique as id was; a source's
-- history, a declaration's figures, a correction's original and a
-- review's source and revisions all belong to the same taxpayer, which
-- the new foreign keys now also check (before, a figure could have named
-- another taxpayer's source). A row is still found by its id alone (the
-- API's paths), hence plain indexes on id.

-- The foreign keys that rest on the id keys go first.
ALTER TABLE tax_source_history DROP CONSTRAINT tax_source_history_id_fkey;
ALTER TABLE declaration_figures DROP CONSTRAINT declaration_figures_declaration_id_fkey;
ALTER TABLE declaration_figures DROP CONSTRAINT declaration_figures_source_id_fkey;
ALTER TABLE declarations DROP CONSTRAINT declarations_replaces_id_fkey;
ALTER TABLE reviews DROP CONSTRAINT reviews_source_id_fkey;
ALTER TABLE reviews DROP CONSTRAINT reviews_declaration_id_fkey;
ALTER TABLE reviews DROP CONSTRAINT reviews_correction_id_fkey;

ALTER TABLE tax_sources DROP CONSTRAINT tax_sources_pkey;
ALTER TABLE tax_sources ADD CONSTRAINT tax_sources_pkey PRIMARY KEY (credit_code, id);
CREATE INDEX tax_sources_id ON tax_sources (id);

ALTER TABLE declarations DROP CONSTRAINT declarations_pkey;
ALTER TABLE declarations ADD CONSTRAINT declarations_pkey PRIMARY KEY (credit_code, id);
CREATE INDEX declarations_id ON declarations (id);

ALTER TABLE tax_source_history DROP CONSTRAINT tax_source_history_pkey;
ALTER TABLE tax_source_history ADD CONSTRAINT tax_source_history_pkey PRIMARY KEY (credit_code, id, version);
CREATE INDEX tax_source_history_id ON tax_source_history (id, version);

-- A figure now says whose it is (its declaration's taxpayer). The
-- immutability trigger would refuse filling it in on submitted
-- declarations; it is off for this one statement only.
ALTER TABLE declaration_figures ADD COLUMN credit_code TEXT;
ALTER TABLE declaration_figures DISABLE TRIGGER declaration_figures_immutable;
UPDATE declaration_figures f SET credit_code = d.credit_code FROM declarations d WHERE d.id = f.declaration_id;
ALTER TABLE declaration_figures ENABLE TRIGGER declaration_figures_immutable;
ALTER TABLE declaration_figures ALTER COLUMN credit_code SET NOT NULL;
ALTER TABLE declaration_figures DROP CONSTRAINT declaration_figures_pkey;
ALTER TABLE declaration_figures ADD CONSTRAINT declaration_figures_pkey PRIMARY KEY (credit_code, declaration_id, line);
ALTER TABLE declaration_figures DROP CONSTRAINT declaration_figures_declaration_id_source_id_month_key;
ALTER TABLE declaration_figures ADD CONSTRAINT declaration_figures_declaration_id_source_id_month_key
    UNIQUE (credit_code, declaration_id, source_id, month);
CREATE INDEX declaration_figures_declaration ON declaration_figures (declaration_id, line);

ALTER TABLE tax_source_history ADD CONSTRAINT tax_source_history_id_fkey
    FOREIGN KEY (credit_code, id) REFERENCES tax_sources (credit_code, id);
ALTER TABLE declaration_figures ADD CONSTRAINT declaration_figures_declaration_id_fkey
    FOREIGN KEY (credit_code, declaration_id) REFERENCES declarations (credit_code, id);
ALTER TABLE declaration_figures ADD CONSTRAINT declaration_figures_source_id_fkey
    FOREIGN KEY (credit_code, source_id) REFERENCES tax_sources (credit_code, id);
ALTER TABLE declarations ADD CONSTRAINT declarations_replaces_id_fkey
    FOREIGN KEY (credit_code, replaces_id) REFERENCES declarations (credit_code, id);
ALTER TABLE reviews ADD CONSTRAINT reviews_source_id_fkey
    FOREIGN KEY (credit_code, source_id) REFERENCES tax_sources (credit_code, id);
ALTER TABLE reviews ADD CONSTRAINT reviews_declaration_id_fkey
    FOREIGN KEY (credit_code, declaration_id) REFERENCES declarations (credit_code, id);
ALTER TABLE reviews ADD CONSTRAINT reviews_correction_id_fkey
    FOREIGN KEY (credit_code, correction_id) REFERENCES declarations (credit_code, id);
