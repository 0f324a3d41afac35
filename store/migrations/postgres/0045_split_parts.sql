-- Split HJ 212 messages (分包: PNUM parts, PNO the part's number). Every
-- part is stored as a packet like any other (monitoring_packets, answered
-- once durable); its header and data are kept here too, by message, until
-- every part is there and the reassembled packet is stored with its values
-- (then they are deleted here: the packets keep them).
-- A part's own values are never stored: only the whole message's.
CREATE TABLE monitoring_parts (
    mn          TEXT NOT NULL,
    qn          TEXT NOT NULL,
    cn          TEXT NOT NULL,
    pnum        INTEGER NOT NULL CHECK (pnum > 1),
    pno         INTEGER NOT NULL,
    packet_hash TEXT NOT NULL,
    header      TEXT NOT NULL,
    cp          TEXT NOT NULL,
    lenient     BOOLEAN NOT NULL,
    backfill    BOOLEAN NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (mn, qn, cn, pnum, pno, packet_hash)
);

-- The verdict on each split message: pending while parts may still come,
-- complete once reassembled (packet_hash names the reassembled packet),
-- incomplete when parts were still missing after the wait (reopened if a
-- missing part comes later), conflict, too_large or invalid at once; reason
-- says why in words.
CREATE TABLE monitoring_split_sets (
    mn          TEXT NOT NULL,
    qn          TEXT NOT NULL,
    cn          TEXT NOT NULL,
    pnum        INTEGER NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('pending', 'complete', 'incomplete', 'conflict', 'too_large', 'invalid')),
    reason      TEXT NOT NULL,
    parts       INTEGER NOT NULL,
    packet_hash TEXT NOT NULL,
    first_at    TIMESTAMPTZ NOT NULL,
    decided_at  TIMESTAMPTZ,
    PRIMARY KEY (mn, qn, cn, pnum)
);
CREATE INDEX monitoring_split_sets_pending ON monitoring_split_sets (verdict, first_at);
