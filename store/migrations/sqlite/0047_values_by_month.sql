-- monitoring_values keyed as on PostgreSQL (postgres/0047: by device,
-- month, packet, pair and kind of data), where the table is partitioned
-- by month; SQLite keeps one plain table (retention deletes rows,
-- store.DropRawBefore). SQLite cannot change a key, so the table is
-- rebuilt.
CREATE TABLE monitoring_values_new (
    packet_id BIGINT NOT NULL,
    seq       INTEGER NOT NULL,
    mn        TEXT NOT NULL,
    cn        TEXT NOT NULL,
    month     TEXT NOT NULL,
    data_time TEXT NOT NULL,
    code      TEXT NOT NULL,
    suffix    TEXT NOT NULL,
    value     TEXT NOT NULL,
    num       TEXT,
    PRIMARY KEY (mn, month, packet_id, seq, cn)
);
INSERT INTO monitoring_values_new (packet_id, seq, mn, cn, month, data_time, code, suffix, value, num)
SELECT packet_id, seq, mn, cn, month, data_time, code, suffix, value, num FROM monitoring_values;
DROP TABLE monitoring_values;
ALTER TABLE monitoring_values_new RENAME TO monitoring_values;
