-- monitoring_packets keyed by device (issue 13, docs/scale.md): under
-- Citus the table is distributed by mn, and every key must carry it.
-- Neither key admits more rows than before: an id is still taken from
-- the one sequence, and a hash (SHA-256 of the bytes) still names one
-- packet, whose MN is read from those same bytes, so the same hash never
-- comes with two MNs. The duplicate check (store.Ingest) asks for
-- (mn, hash) pairs, under the advisory lock of each device.
-- A packet is still found by its id alone (a listing's order and cursor,
-- the raw bytes of one packet), hence a plain index on id.
ALTER TABLE monitoring_packets DROP CONSTRAINT monitoring_packets_pkey;
ALTER TABLE monitoring_packets ADD CONSTRAINT monitoring_packets_pkey PRIMARY KEY (mn, id);
ALTER TABLE monitoring_packets DROP CONSTRAINT monitoring_packets_hash_key;
ALTER TABLE monitoring_packets ADD CONSTRAINT monitoring_packets_hash_key UNIQUE (mn, hash);
CREATE INDEX monitoring_packets_id ON monitoring_packets (id);
