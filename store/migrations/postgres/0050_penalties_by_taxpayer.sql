-- Penalty records keyed by taxpayer (issue 13, docs/scale.md), as 0049
-- did for declarations: under Citus penalty_records, penalty_pollutants
-- and penalty_generated are distributed by credit_code. The items get
-- their record's credit_code (the append-only triggers would refuse
-- filling it in; they are off for those statements only); keys and
-- foreign keys carry it. Ids still come from one sequence, so no key
-- admits a row it refused before; a record is still found by its id
-- alone (the API's paths), hence a plain index on id.
ALTER TABLE penalty_pollutants DROP CONSTRAINT penalty_pollutants_penalty_id_fkey;
ALTER TABLE penalty_generated DROP CONSTRAINT penalty_generated_penalty_id_fkey;
ALTER TABLE penalty_records DROP CONSTRAINT penalty_records_replaces_id_fkey;

ALTER TABLE penalty_records DROP CONSTRAINT penalty_records_pkey;
ALTER TABLE penalty_records ADD CONSTRAINT penalty_records_pkey PRIMARY KEY (credit_code, id);
CREATE INDEX penalty_records_id ON penalty_records (id);

ALTER TABLE penalty_pollutants ADD COLUMN credit_code TEXT;
ALTER TABLE penalty_pollutants DISABLE TRIGGER penalty_pollutants_append_only;
UPDATE penalty_pollutants x SET credit_code = p.credit_code FROM penalty_records p WHERE p.id = x.penalty_id;
ALTER TABLE penalty_pollutants ENABLE TRIGGER penalty_pollutants_append_only;
ALTER TABLE penalty_pollutants ALTER COLUMN credit_code SET NOT NULL;
ALTER TABLE penalty_pollutants DROP CONSTRAINT penalty_pollutants_pkey;
ALTER TABLE penalty_pollutants ADD CONSTRAINT penalty_pollutants_pkey PRIMARY KEY (credit_code, penalty_id, pollutant);
CREATE INDEX penalty_pollutants_penalty ON penalty_pollutants (penalty_id, pollutant);

ALTER TABLE penalty_generated ADD COLUMN credit_code TEXT;
ALTER TABLE penalty_generated DISABLE TRIGGER penalty_generated_append_only;
UPDATE penalty_generated x SET credit_code = p.credit_code FROM penalty_records p WHERE p.id = x.penalty_id;
ALTER TABLE penalty_generated ENABLE TRIGGER penalty_generated_append_only;
ALTER TABLE penalty_generated ALTER COLUMN credit_code SET NOT NULL;
ALTER TABLE penalty_generated DROP CONSTRAINT penalty_generated_pkey;
ALTER TABLE penalty_generated ADD CONSTRAINT penalty_generated_pkey PRIMARY KEY (credit_code, penalty_id, pollutant, month);
CREATE INDEX penalty_generated_penalty ON penalty_generated (penalty_id, pollutant, month);

ALTER TABLE penalty_records ADD CONSTRAINT penalty_records_replaces_id_fkey
    FOREIGN KEY (credit_code, replaces_id) REFERENCES penalty_records (credit_code, id);
ALTER TABLE penalty_pollutants ADD CONSTRAINT penalty_pollutants_penalty_id_fkey
    FOREIGN KEY (credit_code, penalty_id) REFERENCES penalty_records (credit_code, id);
ALTER TABLE penalty_generated ADD CONSTRAINT penalty_generated_penalty_id_fkey
    FOREIGN KEY (credit_code, penalty_id) REFERENCES penalty_records (credit_code, id);
