-- monitoring_packets keyed by device as on PostgreSQL (postgres/0048).
-- SQLite cannot change a key, so the table is rebuilt; an id is no
-- longer an AUTOINCREMENT rowid (a key of two columns cannot be one):
-- the one writer takes the next after the largest (packets are never
-- deleted, so an id is never used twice), store/queries/monitoring.sql.
CREATE TABLE monitoring_packets_new (
    id          INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    raw         BLOB NOT NULL,
    received_at TIMESTAMP NOT NULL,
    origin      TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('valid', 'lenient', 'rejected')),
    reason      TEXT NOT NULL,
    problems    TEXT NOT NULL,
    warnings    TEXT NOT NULL,
    qn          TEXT NOT NULL,
    cn          TEXT NOT NULL,
    mn          TEXT NOT NULL,
    flag        INTEGER NOT NULL,
    data_time   TEXT NOT NULL,
    month       TEXT NOT NULL,
    pairs       INTEGER NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (mn, id),
    UNIQUE (mn, hash)
);
INSERT INTO monitoring_packets_new (id, hash, raw, received_at, origin, verdict, reason, problems, warnings, qn, cn, mn,
    flag, data_time, month, pairs, note)
SELECT id, hash, raw, received_at, origin, verdict, reason, problems, warnings, qn, cn, mn,
    flag, data_time, month, pairs, note FROM monitoring_packets;
DROP TABLE monitoring_packets;
ALTER TABLE monitoring_packets_new RENAME TO monitoring_packets;
CREATE INDEX monitoring_packets_mn ON monitoring_packets (mn, month);
CREATE INDEX monitoring_packets_received ON monitoring_packets (received_at);
CREATE INDEX monitoring_packets_id ON monitoring_packets (id);
