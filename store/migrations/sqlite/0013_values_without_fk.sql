-- monitoring_values: no foreign key to monitoring_packets (as on
-- PostgreSQL, see postgres/0013). SQLite cannot drop a constraint, so the
-- table is rebuilt.
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
    PRIMARY KEY (packet_id, seq)
);
INSERT INTO monitoring_values_new SELECT packet_id, seq, mn, cn, month, data_time, code, suffix, value, num FROM monitoring_values;
DROP TABLE monitoring_values;
ALTER TABLE monitoring_values_new RENAME TO monitoring_values;
CREATE INDEX monitoring_values_mn_month ON monitoring_values (mn, month);
