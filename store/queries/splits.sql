-- Split HJ 212 messages (分包): the parts of each message and its verdict
-- (store/splits.go; reassembled by app.Ingest with hj212/split).

-- name: insert-part
INSERT INTO monitoring_parts (mn, qn, cn, pnum, pno, packet_hash, header, cp, lenient, backfill, received_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING;

-- name: list-parts
SELECT mn, qn, cn, pnum, pno, packet_hash, header, cp, lenient, backfill, received_at
FROM monitoring_parts WHERE mn = ? AND qn = ? AND cn = ? AND pnum = ?
ORDER BY pno, received_at, packet_hash;

-- name: open-split-set
-- A new message is pending; one judged incomplete is pending again when
-- another part comes.
INSERT INTO monitoring_split_sets (mn, qn, cn, pnum, verdict, reason, parts, packet_hash, first_at, decided_at)
VALUES (?, ?, ?, ?, 'pending', '', 0, '', ?, NULL)
ON CONFLICT (mn, qn, cn, pnum) DO UPDATE SET verdict = 'pending', decided_at = NULL
WHERE monitoring_split_sets.verdict = 'incomplete';

-- name: decide-split-set
UPDATE monitoring_split_sets SET verdict = ?, reason = ?, parts = ?, packet_hash = ?, decided_at = ?
WHERE mn = ? AND qn = ? AND cn = ? AND pnum = ?;

-- name: get-split-set
SELECT mn, qn, cn, pnum, verdict, reason, parts, packet_hash, first_at, decided_at
FROM monitoring_split_sets WHERE mn = ? AND qn = ? AND cn = ? AND pnum = ?;

-- name: pending-split-sets
SELECT mn, qn, cn, pnum, verdict, reason, parts, packet_hash, first_at, decided_at
FROM monitoring_split_sets WHERE verdict = 'pending'
ORDER BY first_at, mn, qn, cn, pnum
LIMIT ?;

-- name: list-split-sets
-- Filtered by MN and verdict ('' = all), newest first; dated (1): only
-- messages whose QN's day (its first 8 characters) is in [from, to] ('' to = open).
SELECT mn, qn, cn, pnum, verdict, reason, parts, packet_hash, first_at, decided_at
FROM monitoring_split_sets WHERE (? = '' OR mn = ?) AND (? = '' OR verdict = ?)
  AND (? = 0 OR (length(qn) >= 8 AND substr(qn, 1, 8) >= ? AND (? = '' OR substr(qn, 1, 8) <= ?)))
ORDER BY first_at DESC, mn, qn, cn, pnum
LIMIT ?;

-- name: delete-parts
-- A complete message's parts are no longer needed here: the packets keep them.
DELETE FROM monitoring_parts WHERE mn = ? AND qn = ? AND cn = ? AND pnum = ?;
