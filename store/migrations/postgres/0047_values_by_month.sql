-- monitoring_values partitioned by month (issue 13, docs/scale.md): a
-- province's 30-second data is ≈ 115 M value rows a day, so the table is
-- cut by the month of the data time (RANGE on month, 'YYYY-MM', the
-- month of DataTime) and each month again by kind of data (LIST on cn):
-- the raw real-time and minute data (2011, 2051), which a retention
-- setting drops whole (store.DropRawBefore), and the rest (hour and day
-- data, from which the monthly figures are computed, kept). SQLite keeps
-- one plain table with the same columns and keys (TestSchemasAgree knows
-- partitioning is a PostgreSQL storage detail).
--
-- The key now leads with the device (mn), the distribution column under
-- Citus, and carries the partition columns (month, cn), as PostgreSQL
-- requires of a key of a partitioned table; (packet_id, seq) alone was
-- already unique, so no row that was allowed is refused. The key serves
-- the monthly figures' read (mn, month, in packet and pair order), so
-- the separate (mn, month) index goes.
--
-- Partitions are made ahead by the application (store.EnsureMonths, at
-- start-up and for the months an ingest batch touches) through
-- monitoring_values_month; there is deliberately no DEFAULT month
-- partition: a row for a month nobody prepared fails the batch (nothing
-- is acknowledged) rather than landing in a catch-all that would block
-- creating that month later.
ALTER TABLE monitoring_values RENAME TO monitoring_values_unpartitioned;
ALTER TABLE monitoring_values_unpartitioned RENAME CONSTRAINT monitoring_values_pkey TO monitoring_values_unpartitioned_pkey;
DROP INDEX monitoring_values_mn_month;

CREATE TABLE monitoring_values (
    packet_id BIGINT NOT NULL,
    seq       INTEGER NOT NULL,
    mn        TEXT NOT NULL,
    cn        TEXT NOT NULL,
    month     TEXT COLLATE "C" NOT NULL,
    data_time TEXT NOT NULL,
    code      TEXT NOT NULL,
    suffix    TEXT NOT NULL,
    value     TEXT NOT NULL,
    num       NUMERIC,
    PRIMARY KEY (mn, month, packet_id, seq, cn)
) PARTITION BY RANGE (month);

-- monitoring_values_month makes the partition of one month (and its two
-- leaves) unless it is there. Callers serialise on an advisory lock
-- (store.EnsureMonths); a month that is not YYYY-MM is refused.
CREATE FUNCTION monitoring_values_month(m TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    part TEXT := 'monitoring_values_' || replace(m, '-', '_');
    nxt TEXT;
BEGIN
    IF m !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION 'monitoring_values_month: % is not a month (YYYY-MM)', m;
    END IF;
    IF to_regclass(quote_ident(part)) IS NOT NULL THEN
        RETURN;
    END IF;
    -- The month after 9999-12 has no four-digit name (and '10000-01'
    -- sorts before it): the last month runs to the end.
    IF m = '9999-12' THEN
        nxt := 'MAXVALUE';
    ELSE
        nxt := quote_literal(to_char(to_date(m || '-01', 'YYYY-MM-DD') + INTERVAL '1 month', 'YYYY-MM'));
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF monitoring_values FOR VALUES FROM (%L) TO (%s) PARTITION BY LIST (cn)', part, m, nxt);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (''2011'', ''2051'')', part || '_raw', part);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', part || '_rest', part);
END
$$;

-- monitoring_values_drop_raw detaches and drops the raw leaf (real-time
-- and minute data) of every month before the given one that holds any
-- rows, puts an empty leaf in its place (a late packet of such a month is
-- still raw data, dropped at the next run, not kept for ever in the rest
-- leaf), and returns the months it dropped.
CREATE FUNCTION monitoring_values_drop_raw(before TEXT) RETURNS SETOF TEXT LANGUAGE plpgsql AS $$
DECLARE
    part TEXT;
    m TEXT;
    has BOOLEAN;
BEGIN
    FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'monitoring_values'::regclass ORDER BY c.relname LOOP
        m := replace(right(part, 7), '_', '-');
        CONTINUE WHEN m >= before COLLATE "C" OR to_regclass(quote_ident(part || '_raw')) IS NULL;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', part || '_raw') INTO has;
        CONTINUE WHEN NOT has;
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', part, part || '_raw');
        EXECUTE format('DROP TABLE %I', part || '_raw');
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (''2011'', ''2051'')', part || '_raw', part);
        RETURN NEXT m;
    END LOOP;
END
$$;

SELECT monitoring_values_month(month) FROM (SELECT DISTINCT month FROM monitoring_values_unpartitioned) s;
INSERT INTO monitoring_values (packet_id, seq, mn, cn, month, data_time, code, suffix, value, num)
SELECT packet_id, seq, mn, cn, month, data_time, code, suffix, value, num FROM monitoring_values_unpartitioned;
DROP TABLE monitoring_values_unpartitioned;
