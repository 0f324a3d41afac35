-- monitoring_values: no foreign key to monitoring_packets. Values are only
-- ever written by store.Ingest in the transaction that writes their packet
-- (ids taken from the packets' sequence), and never deleted; the per-row
-- check cost half of the ingest rate (docs/monitoring.md, Speed). A test
-- checks that every value row has its packet.
ALTER TABLE monitoring_values DROP CONSTRAINT monitoring_values_packet_id_fkey;
