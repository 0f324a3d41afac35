package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
)

// monitoringQueries are the named queries of queries/monitoring.sql.
type monitoringQueries struct {
	InsertDevice  string `query:"insert-device"`
	GetDevice     string `query:"get-device"`
	ListDevices   string `query:"list-devices"`
	DevicesByMN   string `query:"devices-by-mn"`
	UpdateDevice  string `query:"update-device"`
	PgLockMN      string `query:"pg-lock-mn"`
	MarkDirtyMN   string `query:"mark-dirty-mn"`
	MarkDirty     string `query:"mark-dirty"`
	PgLockMonths  string `query:"pg-lock-months"`
	PgEnsureMonth string `query:"pg-ensure-month"`
	PgDropRaw     string `query:"pg-drop-raw"`
	RawMonths     string `query:"raw-months"`
	DeleteRaw     string `query:"delete-raw"`
	PgIngestNew   string `query:"pg-ingest-new"`
	PgMarkDirty   string `query:"pg-mark-dirty"`
	InsertPacket  string `query:"insert-packet"`
	InsertValue   string `query:"insert-value"`
	ListDirty     string `query:"list-dirty"`
	ListDirtyMN   string `query:"list-dirty-mn"`
	TakeDirty     string `query:"take-dirty"`
	MonthValues   string `query:"month-values"`
	DeleteMonthly string `query:"delete-monthly"`
	InsertMonthly string `query:"insert-monthly"`
	ListMonthly   string `query:"list-monthly"`
	ListUnmapped  string `query:"list-unmapped"`
	ListPackets   string `query:"list-packets"`
	GetPacketRaw  string `query:"get-packet-raw"`
	GetOutput     string `query:"get-output"`
	ListOutputs   string `query:"list-outputs"`
	InsertOutput  string `query:"insert-output"`
	UpdateOutput  string `query:"update-output"`
}

func (tx *Tx) postgres() bool { return tx.x.DriverName() == "postgres" }

// ---- Device mappings -----------------------------------------------------

// lockMN serialises the mapping changes of one MN on PostgreSQL (SQLite
// transactions are serialised already).
func (tx *Tx) lockMN(mn string) error {
	if !tx.postgres() {
		return nil
	}
	_, err := tx.exec(tx.q.PgLockMN, mn)
	return err
}

// checkOverlap refuses a mapping whose days overlap another mapping of
// the same MN: a device is at one outlet at a time.
func (tx *Tx) checkOverlap(d *reconcile.Device) error {
	var others []reconcile.Device
	if err := tx.sel(&others, tx.q.DevicesByMN, d.MN); err != nil {
		return err
	}
	for i := range others {
		o := &others[i]
		if o.ID != d.ID && o.Overlaps(d) {
			return &calc.Error{Kind: calc.KindConflict, Code: "device_overlap", Title: "设备对应期间重叠",
				// Never the other mapping's taxpayer, outlet or id: it may be
				// another tenant's (app.checkMapping says the same first).
				Detail: "device " + d.MN + " is already mapped to an outlet on some of these days; a device is at one outlet at a time",
				Errors: []calc.FieldError{{Path: "valid_from", Code: "device_overlap", Message: "overlaps another mapping of this device"}}}
		}
	}
	return nil
}

// InsertDevice maps a device to an outlet. Data already received from
// the MN are marked for recomputation (their outlet may change).
func (tx *Tx) InsertDevice(d *reconcile.Device) error {
	if err := tx.lockMN(d.MN); err != nil {
		return err
	}
	if err := tx.checkOverlap(d); err != nil {
		return err
	}
	if err := tx.get(&d.ID, tx.q.InsertDevice, d.MN, d.CreditCode, d.OutletNo, d.ValidFrom, d.ValidTo, d.Note, tx.now, tx.now); err != nil {
		return err
	}
	d.Version, d.CreatedAt, d.UpdatedAt = 1, tx.now, tx.now
	_, err := tx.exec(tx.q.MarkDirtyMN, d.MN)
	return err
}

// GetDevice finds a mapping by ID.
func (tx *Tx) GetDevice(id int64) (*reconcile.Device, error) {
	var d reconcile.Device
	if err := tx.get(&d, tx.q.GetDevice, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("device_not_found", "监测设备对应关系不存在", "no device mapping "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &d, nil
}

// DeviceFilter narrows a listing; empty fields match everything.
type DeviceFilter struct {
	CreditCode, RegionPrefix, MN string
}

// ListDevices lists mappings by taxpayer, MN and start.
func (tx *Tx) ListDevices(f DeviceFilter) ([]reconcile.Device, error) {
	out := []reconcile.Device{}
	err := tx.sel(&out, tx.q.ListDevices, f.CreditCode, f.CreditCode, f.RegionPrefix, f.MN, f.MN)
	return out, err
}

// UpdateDevice writes a changed mapping (MN, outlet, dates, note) if the
// stored version is still d.Version; the months of data of the old and
// the new MN are marked for recomputation.
func (tx *Tx) UpdateDevice(d *reconcile.Device, oldMN string) error {
	for _, mn := range uniqueStrings(oldMN, d.MN) {
		if err := tx.lockMN(mn); err != nil {
			return err
		}
	}
	if err := tx.checkOverlap(d); err != nil {
		return err
	}
	n, err := tx.exec(tx.q.UpdateDevice, d.MN, d.OutletNo, d.ValidFrom, d.ValidTo, d.Note, tx.now, d.ID, d.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("device mapping " + strconv.FormatInt(d.ID, 10))
	}
	d.Version++
	d.UpdatedAt = tx.now
	for _, mn := range uniqueStrings(oldMN, d.MN) {
		if _, err := tx.exec(tx.q.MarkDirtyMN, mn); err != nil {
			return err
		}
	}
	return nil
}

func uniqueStrings(a, b string) []string {
	if a == b || a == "" {
		return []string{b}
	}
	return []string{a, b}
}

// ---- Ingest --------------------------------------------------------------

// Incoming is one packet to store, with where it came from ("file
// name:line", "tcp 10.0.0.5:4711").
type Incoming struct {
	Packet *hj212.Packet
	Origin string
	// Part: the packet is one part of a split message. It is stored as
	// sent, but its values are not: they come in with the reassembled
	// packet (app.Ingest, hj212/split).
	Part bool
}

// IngestStats counts what a batch did.
type IngestStats struct {
	Packets    int `json:"packets"`    // in the batch
	Stored     int `json:"stored"`     // new packets stored
	Duplicates int `json:"duplicates"` // already stored (or twice in the batch): no-ops
	Rejected   int `json:"rejected"`   // stored with a rejected verdict
	Values     int `json:"values"`     // value rows written
}

// Add sums two counts.
func (s *IngestStats) Add(o IngestStats) {
	s.Packets += o.Packets
	s.Stored += o.Stored
	s.Duplicates += o.Duplicates
	s.Rejected += o.Rejected
	s.Values += o.Values
}

// PacketHash is how a packet is recognised when it comes again: the
// SHA-256 of its raw bytes without a trailing CR LF (a packet read from a
// file line has lost it; the same packet off the wire has it).
func PacketHash(raw string) string { return hashBytes([]byte(raw)) }

func hashBytes(raw []byte) string {
	raw = bytes.TrimSuffix(raw, []byte("\r\n"))
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}

// packetRow is a packet as stored.
type packetRow struct {
	idx                            int // in the batch
	id                             int64
	hash                           string
	raw                            []byte
	origin, verdict, reason        string
	problems, warnings, qn, cn, mn string
	flag                           int
	dataTime, month, note          string
	pairs                          int
	values                         []valueRow
	received                       time.Time
}

type valueRow struct {
	seq                 int
	code, suffix, value string
	isNum               bool
	num                 hj212.Value // exact, kept as the parser holds it: the decimal is built only where a driver needs one
}

// decimal is the row's number for a driver that takes a decimal (SQLite).
func (v *valueRow) decimal() decimal.NullDecimal {
	if !v.isNum {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: v.num.Decimal(), Valid: true}
}

// numText is the row's number as COPY text (decimal.String's form),
// printed from the coefficient without building a decimal; "" and false
// when it is not a number.
func (v *valueRow) numText(buf []byte) ([]byte, bool) {
	if !v.isNum {
		return buf, false
	}
	if c, e, ok := v.num.Int64(); ok {
		return param.AppendCoefficient(buf[:0], c, e, -1), true
	}
	return append(buf[:0], v.num.Decimal().String()...), true
}

// text makes s storable as TEXT: PostgreSQL refuses NUL bytes and invalid
// UTF-8. Such text (only ever a header field or CP entry of a packet
// whose raw bytes are kept as they came) is stored Go-quoted, and the
// packet's note says so.
func text(s string, quoted *bool) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c >= 0x80 {
			// Not plain ASCII: the slow check, once.
			if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
				return s
			}
			*quoted = true
			return strconv.Quote(s)
		}
	}
	return s
}

func codes(is []hj212.Issue) string {
	cs := make([]string, len(is))
	for i, x := range is {
		cs[i] = string(x.Code)
	}
	return strings.Join(cs, ",")
}

// packetMonth is the month (YYYY-MM) of a packet's DataTime, "" when it
// has none that reads as a time.
func packetMonth(p *hj212.Packet) string {
	if !p.Time.IsZero() && len(p.DataTime) >= 8 {
		return p.DataTime[:4] + "-" + p.DataTime[4:6]
	}
	return ""
}

// valueMonth is the month whose partition a packet's values go to, ""
// when none are kept (see rowOf).
func valueMonth(p *hj212.Packet) string {
	if !p.Accepted() || p.MN == "" {
		return ""
	}
	return packetMonth(p)
}

func rowOf(in Incoming, now time.Time) *packetRow {
	p := in.Packet
	quoted := false
	raw := []byte(p.Raw)
	r := &packetRow{hash: hashBytes(raw), raw: raw, origin: text(in.Origin, &quoted), verdict: p.Verdict.String(),
		reason: text(p.Reason, &quoted), problems: codes(p.Problems), warnings: codes(p.Warnings),
		qn: text(p.QN, &quoted), cn: text(p.CN, &quoted), mn: text(p.MN, &quoted), flag: p.Flag,
		dataTime: text(p.DataTime, &quoted), pairs: len(p.CP), received: now}
	r.month = packetMonth(p)
	// Values are kept for accepted packets that say whose (MN) and when
	// (DataTime) they are; a rejected packet's values are not trusted.
	if p.Accepted() && r.mn != "" && r.month != "" && !in.Part {
		r.values = make([]valueRow, 0, len(p.CP))
		for i := range p.CP {
			q := &p.CP[i]
			if q.Code == "" {
				continue
			}
			v := valueRow{seq: i, code: text(q.Code, &quoted), suffix: text(q.Suffix, &quoted), value: text(q.Value, &quoted)}
			if q.IsNumber {
				v.num, v.isNum = q.Num, true
			}
			r.values = append(r.values, v)
		}
	}
	if quoted {
		r.note = "some header or CP text was not valid UTF-8 (or held a NUL byte) and is stored Go-quoted; raw has the bytes as sent"
	}
	return r
}

// Ingest stores a batch of packets in one transaction: every packet once
// (a packet already stored, or twice in the batch, is a no-op), valid or
// not, with its verdict and reason; the CP values of accepted packets;
// and marks the device-months whose monthly figures must be recomputed.
// On PostgreSQL packets and values go in by COPY; on SQLite by batched
// INSERTs.
func (db *DB) Ingest(ctx context.Context, batch []Incoming) (IngestStats, error) {
	st, _, err := db.IngestEach(ctx, batch)
	return st, err
}

// IngestEach is Ingest that also tells, packet by packet, whether it was
// stored (false: it was there already).
func (db *DB) IngestEach(ctx context.Context, batch []Incoming) (IngestStats, []bool, error) {
	var (
		st     IngestStats
		stored []bool
	)
	if err := db.EnsureBatchMonths(ctx, batch); err != nil {
		return st, make([]bool, len(batch)), err
	}
	err := db.IngestTx(ctx, func(tx *Tx) error {
		var err error
		st, stored, err = tx.IngestEach(batch)
		return err
	})
	if err != nil {
		stored = make([]bool, len(batch)) // rolled back: nothing was stored
	}
	return st, stored, err
}

// IngestEach is DB.IngestEach inside a transaction the caller holds, so
// that what depends on the packets (split messages) is stored with them.
// On PostgreSQL the transaction must come from IngestTx (ingest streams
// its COPY text on the transaction's own connection). The caller makes
// the batch's monthly partitions first (EnsureBatchMonths), outside its
// transaction.
func (tx *Tx) IngestEach(batch []Incoming) (IngestStats, []bool, error) {
	st := IngestStats{Packets: len(batch)}
	stored := make([]bool, len(batch))
	if len(batch) == 0 {
		return st, stored, nil
	}
	rows := make([]*packetRow, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	for i, in := range batch {
		if in.Packet == nil {
			return st, stored, errors.New("store: ingest of a nil packet")
		}
		r := rowOf(in, tx.now)
		r.idx = i
		if seen[r.hash] {
			st.Duplicates++
			continue
		}
		seen[r.hash] = true
		rows = append(rows, r)
	}
	var err error
	if tx.postgres() {
		rows, err = tx.ingestPG(rows)
	} else {
		rows, err = tx.ingestSQLite(rows)
	}
	if err != nil {
		return st, stored, err
	}
	st.Duplicates += len(seen) - len(rows)
	dirty := map[[2]string]bool{}
	for _, r := range rows {
		stored[r.idx] = true
		st.Stored++
		if r.verdict == "rejected" {
			st.Rejected++
		}
		st.Values += len(r.values)
		if len(r.values) > 0 && (r.cn == monitor.CNHour || r.cn == monitor.CNDay) {
			dirty[[2]string{r.mn, r.month}] = true
		}
	}
	keys := make([][2]string, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	if tx.postgres() && len(keys) > 0 {
		mns, months := make([]string, len(keys)), make([]string, len(keys))
		for i, k := range keys {
			mns[i], months[i] = k[0], k[1]
		}
		if _, err := tx.x.ExecContext(tx.ctx, simpleQuery(tx.q.PgMarkDirty, arrayLit(mns), arrayLit(months))); err != nil {
			return st, stored, tx.wrap(tx.q.PgMarkDirty, dbError(err))
		}
		return st, stored, nil
	}
	for _, k := range keys {
		if _, err := tx.exec(tx.q.MarkDirty, k[0], k[1]); err != nil {
			return st, stored, err
		}
	}
	return st, stored, nil
}

var packetCols = []string{"id", "hash", "raw", "received_at", "origin", "verdict", "reason", "problems", "warnings", "qn", "cn", "mn",
	"flag", "data_time", "month", "pairs", "note"}

var valueCols = []string{"packet_id", "seq", "mn", "cn", "month", "data_time", "code", "suffix", "value", "num"}

// ingestPG keeps the rows not stored yet and COPYs them. The advisory
// locks of the batch's devices make the check and the COPY one step for
// every ingester of those devices, so a racing resend (same bytes, so
// same MN) cannot slip between them; batches of other devices are not
// held up (there is no lock of the whole ingest). A batch takes six
// round trips to the server besides BEGIN and COMMIT: the locks and the
// check (one), the packets' COPY and the values' COPY (two each), and
// the dirty marks (one).
func (tx *Tx) ingestPG(rows []*packetRow) ([]*packetRow, error) {
	if tx.conn == nil {
		return nil, errNoConn
	}
	mns := make([]string, 0, 8)
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.mn] {
			seen[r.mn] = true
			mns = append(mns, r.mn)
		}
	}
	hashes, mnOf := make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		hashes[i], mnOf[i] = r.hash, r.mn
	}
	news, err := tx.newPackets(mns, mnOf, hashes)
	if err != nil {
		return nil, tx.wrap(tx.q.PgIngestNew, err)
	}
	if ingestLocked != nil {
		ingestLocked(tx, mns)
	}
	// In batch order, so kept (rows' own array) is only written behind
	// what is still to be read.
	kept, last := rows[:0], 0
	for _, f := range news {
		if f.I <= last || f.I > len(rows) {
			return nil, fmt.Errorf("store: new packet %d (after %d) of a batch of %d", f.I, last, len(rows))
		}
		last = f.I
		r := rows[f.I-1]
		r.id = f.ID
		kept = append(kept, r)
	}
	rows = kept
	if len(rows) == 0 {
		return rows, nil
	}
	// The rows' COPY text is written here and streamed to lib/pq in
	// chunks (copyText): nothing is converted or allocated per row but the
	// text itself.
	err = tx.copyText("monitoring_packets", packetCols, func(w *copyBuf) error {
		for _, r := range rows {
			w.int(r.id)
			w.str(r.hash)
			w.bytea(r.raw)
			w.time(r.received)
			w.str(r.origin)
			w.str(r.verdict)
			w.str(r.reason)
			w.str(r.problems)
			w.str(r.warnings)
			w.str(r.qn)
			w.str(r.cn)
			w.str(r.mn)
			w.int(int64(r.flag))
			w.str(r.dataTime)
			w.str(r.month)
			w.int(int64(r.pairs))
			w.str(r.note)
			if err := w.end(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.copyText("monitoring_values", valueCols, func(w *copyBuf) error {
		var num []byte
		for _, r := range rows {
			for j := range r.values {
				v := &r.values[j]
				w.int(r.id)
				w.int(int64(v.seq))
				w.str(r.mn)
				w.str(r.cn)
				w.str(r.month)
				w.str(r.dataTime)
				w.str(v.code)
				w.str(v.suffix)
				w.str(v.value)
				var ok bool
				if num, ok = v.numText(num); ok {
					w.text(num)
				} else {
					w.null()
				}
				if err := w.end(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// CopyIn loads n rows into a table by one COPY … FROM STDIN on
// PostgreSQL, by multi-row INSERTs on SQLite: for bulk loads such as the
// benchmarks' and tests' data sets.
func (tx *Tx) CopyIn(table string, cols []string, n int, row func(i int) []any) error {
	if tx.postgres() {
		return tx.copyIn(table, cols, n, row)
	}
	one := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	return tx.insertMany(table, one, cols, func(emit func([]any) error) error {
		for i := 0; i < n; i++ {
			if err := emit(row(i)); err != nil {
				return err
			}
		}
		return nil
	})
}

// copyIn runs one COPY … FROM STDIN of n rows.
func (tx *Tx) copyIn(table string, cols []string, n int, row func(i int) []any) error {
	stmt, err := tx.x.PrepareContext(tx.ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if _, err := stmt.ExecContext(tx.ctx, row(i)...); err != nil {
			stmt.Close()
			return dbError(err)
		}
	}
	if _, err := stmt.ExecContext(tx.ctx); err != nil {
		stmt.Close()
		return dbError(err)
	}
	return stmt.Close()
}

// sqliteBatch is how many value rows go into one INSERT (10 parameters
// each, well under SQLite's 32766).
const sqliteBatch = 400

// ingestSQLite inserts packet by packet (ON CONFLICT DO NOTHING tells a
// resend) and the values in multi-row INSERTs.
func (tx *Tx) ingestSQLite(rows []*packetRow) ([]*packetRow, error) {
	kept := rows[:0]
	for _, r := range rows {
		var id int64
		err := tx.get(&id, tx.q.InsertPacket, r.hash, r.raw, r.received, r.origin, r.verdict, r.reason, r.problems, r.warnings,
			r.qn, r.cn, r.mn, r.flag, r.dataTime, r.month, r.pairs, r.note)
		if errors.Is(err, sql.ErrNoRows) {
			continue // already stored
		}
		if err != nil {
			return nil, err
		}
		r.id = id
		kept = append(kept, r)
	}
	args := make([]any, 0, sqliteBatch*len(valueCols))
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := tx.q.InsertValue + strings.Repeat(", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", n-1)
		_, err := tx.exec(q, args...)
		args, n = args[:0], 0
		return err
	}
	for _, r := range kept {
		for j := range r.values {
			v := &r.values[j]
			args = append(args, r.id, v.seq, r.mn, r.cn, r.month, r.dataTime, v.code, v.suffix, v.value, v.decimal())
			n++
			if n == sqliteBatch {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	return kept, flush()
}

// newPackets runs pg-ingest-new: the locks of the devices mns, then the
// packets (mnOf[i], hashes[i]) not stored yet with their new ids. Both
// statements go in one simple query, one round trip where the two
// statements with parameters took four (under load a round trip to the
// server is a wait for the scheduler, milliseconds at a load of 10 on two
// cores).
func (tx *Tx) newPackets(mns, mnOf, hashes []string) ([]newPacket, error) {
	rows, err := tx.x.QueryxContext(tx.ctx, simpleQuery(tx.q.PgIngestNew, arrayLit(mns), arrayLit(mnOf), arrayLit(hashes)))
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	for rows.Next() { // the locks' (void) rows
	}
	if !rows.NextResultSet() {
		if err := rows.Err(); err != nil {
			return nil, dbError(err)
		}
		return nil, errors.New("store: the new packets' statement returned nothing")
	}
	var out []newPacket
	for rows.Next() {
		var f newPacket
		if err := rows.Scan(&f.I, &f.ID); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, dbError(rows.Err())
}

// newPacket is a packet of a batch not stored yet: its place in the
// batch's arrays (1-based) and its new id.
type newPacket struct {
	I  int
	ID int64
}

// arrayLit is a text[] literal of ss (lib/pq's quoting of array
// elements).
func arrayLit(ss []string) string {
	v, _ := pq.StringArray(ss).Value() // a []string always has a text form
	if v == nil {
		return "{}"
	}
	return v.(string)
}

// simpleQuery puts text arguments into a query ($1, $2, … after the
// named queries' rebinding) as literals quoted by lib/pq's QuoteLiteral,
// so that lib/pq sends it as a simple query: one round trip, for one or
// several statements, where a statement with parameters takes two
// (Parse/Describe, then Bind/Execute).
func simpleQuery(query string, args ...string) string {
	var b strings.Builder
	for i := 0; i < len(query); i++ {
		if query[i] == '$' {
			j, n := i+1, 0
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				n = n*10 + int(query[j]-'0')
				j++
			}
			if n >= 1 && n <= len(args) {
				b.WriteString(pq.QuoteLiteral(args[n-1]))
				i = j - 1
				continue
			}
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// ingestLocked, when set (by a test in this package), is called once an
// ingest holds the locks of its devices, with its transaction and their
// MNs.
var ingestLocked func(tx *Tx, mns []string)

// ---- Partitions and retention ----------------------------------------------

// EnsureBatchMonths makes the monthly partitions the values of a batch
// of packets go to (EnsureMonths of their months).
func (db *DB) EnsureBatchMonths(ctx context.Context, batch []Incoming) error {
	if db.dialect != Postgres {
		return nil
	}
	months := map[string]bool{}
	for _, in := range batch {
		if in.Packet != nil {
			if m := valueMonth(in.Packet); m != "" {
				months[m] = true
			}
		}
	}
	return db.EnsureMonths(ctx, slices.Collect(maps.Keys(months))...)
}

// EnsureMonths makes the monthly partitions of monitoring_values for the
// given months (YYYY-MM) that are not there yet (PostgreSQL; nothing on
// SQLite, whose table is not partitioned). Ingest calls it for the months
// of a batch before its transaction, and Migrate for this month and the
// next: creating a partition locks the parent table, so it is done in a
// short transaction of its own, once a month per process (the months made
// are remembered).
func (db *DB) EnsureMonths(ctx context.Context, months ...string) error {
	if db.dialect != Postgres {
		return nil
	}
	var missing []string
	for _, m := range months {
		if _, ok := db.months.Load(m); !ok {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(tx.q.PgLockMonths); err != nil {
			return err
		}
		for _, m := range missing {
			if _, err := tx.exec(tx.q.PgEnsureMonth, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range missing {
		db.months.Store(m, true)
	}
	return nil
}

// RawValueCNs are the kinds of data (CN) a retention setting drops:
// real-time data (2011, sent every 30 seconds or so) and minute data
// (2051). Hour (2061) and day (2031) data, from which the monthly figures
// are computed, are kept.
var RawValueCNs = []string{"2011", "2051"}

// DropRawBefore removes the raw values (RawValueCNs) of every month
// before the given one (YYYY-MM) and returns the months that held any: on
// PostgreSQL by detaching and dropping each month's raw partition whole
// (no row-by-row delete, no bloat), on SQLite by a DELETE. Packets (the
// bytes as received, with their verdicts) and the hour and day values
// stay, so monthly figures computed again come out the same.
func (tx *Tx) DropRawBefore(month string) ([]string, error) {
	months := []string{}
	if tx.postgres() {
		err := tx.sel(&months, tx.q.PgDropRaw, month)
		return months, err
	}
	if err := tx.sel(&months, tx.q.RawMonths, month); err != nil {
		return nil, err
	}
	_, err := tx.exec(tx.q.DeleteRaw, month)
	return months, err
}

// ---- Monthly figures -----------------------------------------------------

// DirtyMark is a device-month (MN and month) whose monthly figures are out
// of date: its data or its mapping changed since they were computed.
type DirtyMark struct {
	MN    string `db:"mn"`
	Month string `db:"month"`
}

// DirtyMarks lists up to limit out-of-date device-months, by MN and month.
func (tx *Tx) DirtyMarks(limit int) ([]DirtyMark, error) {
	var marks []DirtyMark
	err := tx.sel(&marks, tx.q.ListDirty, limit)
	return marks, err
}

// DirtyMarksOf lists the out-of-date months of one MN.
func (tx *Tx) DirtyMarksOf(mn string) ([]DirtyMark, error) {
	var marks []DirtyMark
	err := tx.sel(&marks, tx.q.ListDirtyMN, mn)
	return marks, err
}

// TakeDirty removes a mark; false when another transaction took it first.
func (tx *Tx) TakeDirty(m DirtyMark) (bool, error) {
	n, err := tx.exec(tx.q.TakeDirty, m.MN, m.Month)
	return n > 0, err
}

// DevicesByMN lists every mapping of an MN.
func (tx *Tx) DevicesByMN(mn string) ([]reconcile.Device, error) {
	var devs []reconcile.Device
	err := tx.sel(&devs, tx.q.DevicesByMN, mn)
	return devs, err
}

type valueScan struct {
	PacketID int64               `db:"packet_id"`
	Verdict  string              `db:"verdict"`
	CN       string              `db:"cn"`
	DataTime string              `db:"data_time"`
	Code     string              `db:"code"`
	Suffix   string              `db:"suffix"`
	Value    string              `db:"value"`
	Num      decimal.NullDecimal `db:"num"`
}

// MonthPackets rebuilds the hour and day packets of one MN and month from
// the stored values, as the monitor package reads them.
func (tx *Tx) MonthPackets(mn, month string) ([]*hj212.Packet, error) {
	var vals []valueScan
	if err := tx.sel(&vals, tx.q.MonthValues, mn, month); err != nil {
		return nil, err
	}
	return packetsFromValues(mn, vals), nil
}

// packetsFromValues groups value rows (in packet and pair order) back into
// packets: verdict, CN, MN, DataTime and every CP pair with a factor code,
// in order — everything monitor.Monthly reads.
func packetsFromValues(mn string, vals []valueScan) []*hj212.Packet {
	var out []*hj212.Packet
	var cur *hj212.Packet
	last := int64(-1)
	for i := range vals {
		v := &vals[i]
		if v.PacketID != last || cur == nil {
			last = v.PacketID
			t, _ := hj212.ParseTime(v.DataTime)
			verdict := hj212.Valid
			if v.Verdict == hj212.Lenient.String() {
				verdict = hj212.Lenient
			}
			cur = &hj212.Packet{Verdict: verdict, CN: v.CN, MN: mn, DataTime: v.DataTime, Time: t, Flag: -1, PNUM: -1, PNO: -1, Length: -1}
			out = append(out, cur)
		}
		cur.CP = append(cur.CP, hj212.Pair{Key: v.Code + "-" + v.Suffix, Code: v.Code, Suffix: v.Suffix, Value: v.Value,
			IsNumber: v.Num.Valid, Num: hj212.ValueOf(v.Num.Decimal)})
	}
	return out
}

// figureDetail is what a stored monthly figure keeps beside its numbers:
// the records left out, the warnings and the trace.
type figureDetail struct {
	Excluded []excludedJSON `json:"excluded"`
	Warnings []string       `json:"warnings"`
	Trace    []stepJSON     `json:"trace"`
	// Data quality (monitor.Figure): valid days, the missing runs and what
	// was substituted for them (kept apart from the measured total).
	ValidDays        int       `json:"valid_days,omitempty"`
	ShortDays        []string  `json:"short_days,omitempty"`
	DayRule          string    `json:"day_rule,omitempty"`
	Gaps             []gapJSON `json:"gaps,omitempty"`
	Substituted      string    `json:"substituted,omitempty"`
	SubstitutedUnits int       `json:"substituted_units,omitempty"`
}

type gapJSON struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Units      int    `json:"units"`
	Why        string `json:"why"`
	Method     string `json:"method,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Avg        string `json:"avg,omitempty"`
	Cou        string `json:"cou,omitempty"`
	CouTotal   string `json:"cou_total,omitempty"`
	Note       string `json:"note,omitempty"`
	Unverified bool   `json:"unverified,omitempty"`
	Seen       int    `json:"seen,omitempty"`
}

func decText(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

type excludedJSON struct {
	DataTime string `json:"data_time"`
	Flag     string `json:"flag"`
	Reason   string `json:"reason"`
}

type stepJSON struct {
	Kind string `json:"kind"`
	Rule string `json:"rule"`
	Text string `json:"text"`
}

// ReplaceMonthly replaces the stored monthly figures of one MN and month
// with figs (reconcile.MonthFigures), each with what it keeps beside its
// numbers (the records left out, the warnings and the trace) as JSON.
func (tx *Tx) ReplaceMonthly(mn, month string, figs []reconcile.MappedFigure) error {
	if _, err := tx.exec(tx.q.DeleteMonthly, mn, month); err != nil {
		return err
	}
	for i := range figs {
		f := &figs[i].Figure
		det := figureDetail{Excluded: []excludedJSON{}, Warnings: f.Warnings, Trace: []stepJSON{}}
		for _, e := range f.Excluded {
			det.Excluded = append(det.Excluded, excludedJSON{e.DataTime, e.Flag, e.Reason})
		}
		for _, s := range f.Trace {
			det.Trace = append(det.Trace, stepJSON{s.Kind, s.Rule, s.Text})
		}
		if det.Warnings == nil {
			det.Warnings = []string{}
		}
		det.ValidDays, det.ShortDays, det.DayRule, det.SubstitutedUnits = f.ValidDays, f.ShortDays, f.DayRule, f.SubstitutedUnits
		if f.SubstitutedUnits > 0 {
			det.Substituted = f.Substituted.String()
		}
		for _, g := range f.Gaps {
			det.Gaps = append(det.Gaps, gapJSON{g.From, g.To, g.Units, g.Why, g.Method, g.Rule, decText(g.Avg), decText(g.Cou),
				decText(g.CouTotal), g.Note, g.Unverified, g.Seen})
		}
		detail, err := json.Marshal(det)
		if err != nil {
			return err
		}
		_, err = tx.exec(tx.q.InsertMonthly, f.MN, f.Month, figs[i].DeviceID, f.Code, string(f.Basis), f.Total, f.TotalCount, f.AvgSum, f.AvgCount,
			f.Mean, f.Max, f.MaxAt, f.TestSum, f.TestCount, f.TestMean, f.TestMax, f.TestMaxAt, f.ZsCount, f.Valid, f.Units,
			f.Completeness, f.Duplicates, f.Lenient, len(f.Excluded), string(detail), tx.now)
		if err != nil {
			return err
		}
	}
	return nil
}

// MonthlyFigure is a stored monthly figure of one device mapping (see
// monitor.Figure for the meaning of each number).
type MonthlyFigure struct {
	MN           string          `json:"mn" db:"mn"`
	Month        string          `json:"month" db:"month"`
	DeviceID     int64           `json:"device_id" db:"device_id"`
	Code         string          `json:"code" db:"code"`
	Basis        string          `json:"basis" db:"basis"`
	Total        decimal.Decimal `json:"total" db:"total"`
	TotalCount   int             `json:"total_count" db:"total_count"`
	AvgSum       decimal.Decimal `json:"avg_sum" db:"avg_sum"`
	AvgCount     int             `json:"avg_count" db:"avg_count"`
	Mean         decimal.Decimal `json:"mean" db:"mean"`
	Max          decimal.Decimal `json:"max" db:"max"`
	MaxAt        string          `json:"max_at" db:"max_at"`
	TestSum      decimal.Decimal `json:"test_sum" db:"test_sum"`
	TestCount    int             `json:"test_count" db:"test_count"`
	TestMean     decimal.Decimal `json:"test_mean" db:"test_mean"`
	TestMax      decimal.Decimal `json:"test_max" db:"test_max"`
	TestMaxAt    string          `json:"test_max_at" db:"test_max_at"`
	ZsCount      int             `json:"zs_count" db:"zs_count"`
	Valid        int             `json:"valid" db:"valid"`
	Units        int             `json:"units" db:"units"`
	Completeness decimal.Decimal `json:"completeness" db:"completeness"`
	Duplicates   int             `json:"duplicates" db:"duplicates"`
	Lenient      int             `json:"lenient" db:"lenient"`
	Excluded     int             `json:"excluded" db:"excluded"`
	Detail       filing.RawJSON  `json:"detail" db:"detail"`
	ComputedAt   time.Time       `json:"computed_at" db:"computed_at"`
}

// Slim is the figure as a reconciliation reads it.
func (m *MonthlyFigure) Slim() reconcile.DeviceFigure {
	return reconcile.DeviceFigure{DeviceID: m.DeviceID, MN: m.MN, Code: m.Code, Month: m.Month, Basis: monitor.Basis(m.Basis),
		Total: m.Total, TotalCount: m.TotalCount, TestSum: m.TestSum, TestCount: m.TestCount, TestMax: m.TestMax,
		Valid: m.Valid, Units: m.Units, Excluded: m.Excluded, Lenient: m.Lenient}
}

// FigureQuality is what a stored monthly figure says of its data quality,
// in monitor.Figure's words: the valid days, the days short of valid
// hours and the rule that counts them, each run of missing periods with
// what the substitution rules put in it, and the substituted -Cou total
// (kept apart from the measured one).
type FigureQuality struct {
	ValidDays        int
	ShortDays        []string
	DayRule          string
	Gaps             []monitor.Gap
	Substituted      decimal.Decimal
	SubstitutedUnits int
}

// Quality reads a stored figure's data quality from its detail, as
// ReplaceMonthly wrote it.
func (m *MonthlyFigure) Quality() (FigureQuality, error) {
	var det figureDetail
	if len(m.Detail) > 0 {
		if err := json.Unmarshal(m.Detail, &det); err != nil {
			return FigureQuality{}, fmt.Errorf("monthly figure %s %s %s: detail: %w", m.MN, m.Month, m.Code, err)
		}
	}
	q := FigureQuality{ValidDays: det.ValidDays, ShortDays: det.ShortDays, DayRule: det.DayRule,
		SubstitutedUnits: det.SubstitutedUnits}
	if det.Substituted != "" {
		d, err := decimal.NewFromString(det.Substituted)
		if err != nil {
			return FigureQuality{}, fmt.Errorf("monthly figure %s %s %s: substituted: %w", m.MN, m.Month, m.Code, err)
		}
		q.Substituted = d
	}
	for _, g := range det.Gaps {
		mg := monitor.Gap{From: g.From, To: g.To, Units: g.Units, Why: g.Why, Method: g.Method, Rule: g.Rule, Note: g.Note,
			Unverified: g.Unverified, Seen: g.Seen}
		for _, f := range []struct {
			text string
			to   **decimal.Decimal
		}{{g.Avg, &mg.Avg}, {g.Cou, &mg.Cou}, {g.CouTotal, &mg.CouTotal}} {
			if f.text == "" {
				continue
			}
			d, err := decimal.NewFromString(f.text)
			if err != nil {
				return FigureQuality{}, fmt.Errorf("monthly figure %s %s %s: gap %s: %w", m.MN, m.Month, m.Code, g.From, err)
			}
			*f.to = &d
		}
		q.Gaps = append(q.Gaps, mg)
	}
	return q, nil
}

// MonthlyFigures lists the stored figures of a taxpayer's device mappings
// for the months from … to (YYYY-MM, inclusive).
func (tx *Tx) MonthlyFigures(creditCode, from, to string) ([]MonthlyFigure, error) {
	out := []MonthlyFigure{}
	err := tx.sel(&out, tx.q.ListMonthly, creditCode, from, to)
	return out, err
}

// UnmappedFigures lists the figures of data that no mapping covers.
func (tx *Tx) UnmappedFigures(from, to string) ([]MonthlyFigure, error) {
	out := []MonthlyFigure{}
	err := tx.sel(&out, tx.q.ListUnmapped, from, to)
	return out, err
}

// ---- Packets ---------------------------------------------------------------

// PacketInfo is a stored packet without its raw bytes.
type PacketInfo struct {
	ID         int64     `json:"id" db:"id"`
	Hash       string    `json:"hash" db:"hash"`
	ReceivedAt time.Time `json:"received_at" db:"received_at"`
	Origin     string    `json:"origin" db:"origin"`
	Verdict    string    `json:"verdict" db:"verdict"`
	Reason     string    `json:"reason" db:"reason"`
	Problems   string    `json:"problems" db:"problems"`
	Warnings   string    `json:"warnings" db:"warnings"`
	QN         string    `json:"qn" db:"qn"`
	CN         string    `json:"cn" db:"cn"`
	MN         string    `json:"mn" db:"mn"`
	Flag       int       `json:"flag" db:"flag"`
	DataTime   string    `json:"data_time" db:"data_time"`
	Month      string    `json:"month" db:"month"`
	Pairs      int       `json:"pairs" db:"pairs"`
	Note       string    `json:"note" db:"note"`
}

// PacketFilter narrows a packet listing; empty fields match everything.
type PacketFilter struct {
	MN, Month, Verdict string
	Before             int64 // only ids below (0: from the newest)
	Limit              int
	// Dated keeps only packets with a DataTime whose day (YYYYMMDD) is
	// from DayFrom to DayTo inclusive ("" DayTo: no end).
	Dated          bool
	DayFrom, DayTo string
}

// PacketLimit is the number of packets a listing returns for limit.
func PacketLimit(limit int) int {
	if limit <= 0 || limit > 1000 {
		return 100
	}
	return limit
}

// ListPackets lists stored packets, newest first.
func (tx *Tx) ListPackets(f PacketFilter) ([]PacketInfo, error) {
	f.Limit = PacketLimit(f.Limit)
	dated := 0
	if f.Dated {
		dated = 1
	}
	out := []PacketInfo{}
	err := tx.sel(&out, tx.q.ListPackets, f.MN, f.MN, f.Month, f.Month, f.Verdict, f.Verdict, f.Before, f.Before,
		dated, f.DayFrom, f.DayTo, f.DayTo, f.Limit)
	return out, err
}

// PacketRaw returns a stored packet's bytes exactly as received.
func (tx *Tx) PacketRaw(id int64) ([]byte, error) {
	var raw []byte
	if err := tx.get(&raw, tx.q.GetPacketRaw, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("packet_not_found", "监测数据包不存在", "no packet "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return raw, nil
}

// ---- Production output ---------------------------------------------------

// GetOutput finds a taxpayer's output for a month (nil when none).
func (tx *Tx) GetOutput(creditCode, month string) (*reconcile.Output, error) {
	var o reconcile.Output
	if err := tx.get(&o, tx.q.GetOutput, creditCode, month); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &o, nil
}

// ListOutputs lists a taxpayer's outputs for months from … to.
func (tx *Tx) ListOutputs(creditCode, from, to string) ([]reconcile.Output, error) {
	out := []reconcile.Output{}
	err := tx.sel(&out, tx.q.ListOutputs, creditCode, from, to)
	return out, err
}

// InsertOutput records a month's output at version 1.
func (tx *Tx) InsertOutput(o *reconcile.Output) error {
	if _, err := tx.exec(tx.q.InsertOutput, o.CreditCode, o.Month, o.Product, o.Unit, o.Quantity, tx.now, tx.now); err != nil {
		return err
	}
	o.Version, o.CreatedAt, o.UpdatedAt = 1, tx.now, tx.now
	return nil
}

// UpdateOutput replaces a month's output if the stored version is still
// o.Version.
func (tx *Tx) UpdateOutput(o *reconcile.Output) error {
	n, err := tx.exec(tx.q.UpdateOutput, o.Product, o.Unit, o.Quantity, tx.now, o.CreditCode, o.Month, o.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("output " + o.CreditCode + " " + o.Month)
	}
	o.Version++
	o.UpdatedAt = tx.now
	return nil
}
