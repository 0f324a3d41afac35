-- Cross-region settlements (issue 11; docs/budget.md): a party of a
-- settlement recorded by a bureau whose region does not cover it is
-- pending (confirmed_by '') until a bureau of its region confirms; only
-- confirmed parties enter their region's budget. Parties recorded before
-- this rule stay as they were: confirmed.
ALTER TABLE budget_eco_parties ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
UPDATE budget_eco_parties SET confirmed_by = 'recorded before confirmation';
