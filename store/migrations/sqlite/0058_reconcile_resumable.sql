-- A reconciliation run over a large region is stored a slice of taxpayers
-- at a time, each slice in a transaction of its own (issue 13): state is
-- 'running' until the peer comparison and the standing results are in
-- ('done'); done_through is the last credit code whose results are
-- stored, which the next slice checks and moves on (so that two workers
-- never store one slice twice); resume_key names the request (token,
-- Idempotency-Key and request hash) whose retry continues the run.
-- Runs stored before this migration are done.
ALTER TABLE reconcile_runs ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
ALTER TABLE reconcile_runs ADD COLUMN done_through TEXT NOT NULL DEFAULT '';
ALTER TABLE reconcile_runs ADD COLUMN resume_key TEXT NOT NULL DEFAULT '';
CREATE INDEX reconcile_runs_resume ON reconcile_runs (resume_key);
