package store

import "time"

// splitQueries are the named queries of queries/splits.sql.
type splitQueries struct {
	InsertPart       string `query:"insert-part"`
	ListParts        string `query:"list-parts"`
	OpenSplitSet     string `query:"open-split-set"`
	DecideSplitSet   string `query:"decide-split-set"`
	GetSplitSet      string `query:"get-split-set"`
	PendingSplitSets string `query:"pending-split-sets"`
	ListSplitSets    string `query:"list-split-sets"`
	DeleteParts      string `query:"delete-parts"`
}

// Part is one stored part of a split HJ 212 message.
type Part struct {
	MN         string    `db:"mn"`
	QN         string    `db:"qn"`
	CN         string    `db:"cn"`
	PNUM       int       `db:"pnum"`
	PNO        int       `db:"pno"`
	PacketHash string    `db:"packet_hash"`
	Header     string    `db:"header"`
	CP         string    `db:"cp"`
	Lenient    bool      `db:"lenient"`
	Backfill   bool      `db:"backfill"`
	ReceivedAt time.Time `db:"received_at"`
}

// SplitSet is the verdict on one split message.
type SplitSet struct {
	MN         string     `json:"mn" db:"mn"`
	QN         string     `json:"qn" db:"qn"`
	CN         string     `json:"cn" db:"cn"`
	PNUM       int        `json:"pnum" db:"pnum"`
	Verdict    string     `json:"verdict" db:"verdict"`
	Reason     string     `json:"reason" db:"reason"`
	Parts      int        `json:"parts" db:"parts"`
	PacketHash string     `json:"packet_hash" db:"packet_hash"`
	FirstAt    time.Time  `json:"first_at" db:"first_at"`
	DecidedAt  *time.Time `json:"decided_at" db:"decided_at"`
}

// InsertPart stores a part (once: the same packet again is a no-op) and
// opens its message's set: pending when new, pending again when it had
// been judged incomplete.
func (tx *Tx) InsertPart(p Part) error {
	if _, err := tx.exec(tx.q.InsertPart, p.MN, p.QN, p.CN, p.PNUM, p.PNO, p.PacketHash, p.Header, p.CP, p.Lenient, p.Backfill, tx.now); err != nil {
		return err
	}
	_, err := tx.exec(tx.q.OpenSplitSet, p.MN, p.QN, p.CN, p.PNUM, tx.now)
	return err
}

// Parts lists the stored parts of one message, by part number.
func (tx *Tx) Parts(mn, qn, cn string, pnum int) ([]Part, error) {
	var out []Part
	err := tx.sel(&out, tx.q.ListParts, mn, qn, cn, pnum)
	return out, err
}

// SplitSetOf reads one message's verdict; nil when there is none.
func (tx *Tx) SplitSetOf(mn, qn, cn string, pnum int) (*SplitSet, error) {
	var out []SplitSet
	if err := tx.sel(&out, tx.q.GetSplitSet, mn, qn, cn, pnum); err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// DecideSplitSet records a verdict (pending keeps decided_at empty).
func (tx *Tx) DecideSplitSet(s SplitSet) error {
	var at *time.Time
	if s.Verdict != "pending" {
		now := tx.now
		at = &now
	}
	_, err := tx.exec(tx.q.DecideSplitSet, s.Verdict, s.Reason, s.Parts, s.PacketHash, at, s.MN, s.QN, s.CN, s.PNUM)
	return err
}

// PendingSplitSets lists up to limit messages still waiting for parts,
// oldest first.
func (tx *Tx) PendingSplitSets(limit int) ([]SplitSet, error) {
	out := []SplitSet{}
	err := tx.sel(&out, tx.q.PendingSplitSets, limit)
	return out, err
}

// SplitFilter narrows a listing of split messages; "" matches all.
type SplitFilter struct {
	MN, Verdict string
	Limit       int
	// Dated keeps only messages whose QN's day (YYYYMMDD, the time the
	// message was sent) is from DayFrom to DayTo inclusive ("" DayTo: no
	// end). A QN whose first 8 characters are not a day is compared as
	// text: the caller drops those.
	Dated          bool
	DayFrom, DayTo string
}

// ListSplitSets lists split messages, newest first.
func (tx *Tx) ListSplitSets(f SplitFilter) ([]SplitSet, error) {
	dated := 0
	if f.Dated {
		dated = 1
	}
	out := []SplitSet{}
	err := tx.sel(&out, tx.q.ListSplitSets, f.MN, f.MN, f.Verdict, f.Verdict, dated, f.DayFrom, f.DayTo, f.DayTo, PacketLimit(f.Limit))
	return out, err
}

// DeleteParts removes the kept parts of a message (once it is complete:
// each part stays stored as a packet).
func (tx *Tx) DeleteParts(mn, qn, cn string, pnum int) error {
	_, err := tx.exec(tx.q.DeleteParts, mn, qn, cn, pnum)
	return err
}
