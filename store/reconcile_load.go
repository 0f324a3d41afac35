package store

import (
	"database/sql"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
)

// Loading a reconciliation's inputs. A run over a city reads hundreds of
// thousands of figure rows; sqlx's reflection (a new struct per row, field
// lookup per column), NewFromString for every NUMERIC and slices grown one
// figure at a time were half of the load's CPU. The big tables are
// therefore scanned by position into one reused row (the column names are
// checked against the expected ones first, so a changed query fails
// loudly), numbers are read by a fast path that gives exactly the decimal
// NewFromString gives, and each taxpayer's rows, which the queries return
// together, are copied into a slice of their exact length.

// ReconcileInputs loads, for every taxpayer in scope, what its
// reconciliation reads: sources, the latest submitted or accepted
// revision of this period and of the same period last year, the device
// mappings active in the period with their monthly figures, and the
// production output. One query per kind of data, whatever the number of
// taxpayers. Only the columns a reconciliation reads are loaded: the
// taxpayers, sources, device mappings and outputs come without their
// version and times (and the mappings without their note).
func (tx *Tx) ReconcileInputs(sc Scope) ([]*reconcile.Input, error) {
	l, err := tx.loadScope(sc)
	if err != nil {
		return nil, err
	}
	for _, load := range l.rows() {
		if err := load(tx); err != nil {
			return nil, err
		}
	}
	return l.ins, nil
}

// InputLoad is Tx.ReconcileInputs in its two rounds of queries, for a
// caller that runs the queries of a round side by side, each in a read
// transaction of its own (PostgreSQL: while one sorts its rows, another's
// are being read; each query sees the data committed when it starts, as
// the queries of one READ COMMITTED transaction do). The queries of a
// round fill separate fields, so they may run at the same time; the
// second round needs the first one's rows.
type InputLoad struct {
	sc Scope
	sr scopeRows
	l  *inputLoader
}

// NewInputLoad prepares the loading of a scope's inputs.
func NewInputLoad(sc Scope) *InputLoad { return &InputLoad{sc: sc} }

// ScopeQueries are the first round: taxpayers, revisions, device mappings.
func (x *InputLoad) ScopeQueries() []func(tx *Tx) error { return x.sr.loads(x.sc) }

// RowQueries are the second round (sources, figures, last year's
// emissions, monthly figures, outputs), run after every ScopeQueries.
func (x *InputLoad) RowQueries() []func(tx *Tx) error {
	x.l = x.sr.loader(x.sc)
	return x.l.rows()
}

// Inputs are the loaded inputs, one per taxpayer in scope, once both
// rounds ran.
func (x *InputLoad) Inputs() []*reconcile.Input {
	if x.l == nil {
		return nil
	}
	return x.l.ins
}

// inputLoader holds the scope's taxpayers, declarations and device
// mappings, which the large queries' rows are sorted into.
type inputLoader struct {
	sc                 Scope
	ly                 string
	ins                []*reconcile.Input
	by                 map[string]*reconcile.Input
	byDecl             map[int64]*reconcile.Declared
	devOwner           map[int64]*reconcile.Input
	monthFrom, monthTo string
}

// loadScope reads the taxpayers, the revisions to read and the device
// mappings (small queries).
func (tx *Tx) loadScope(sc Scope) (*inputLoader, error) {
	var sr scopeRows
	for _, load := range sr.loads(sc) {
		if err := load(tx); err != nil {
			return nil, err
		}
	}
	return sr.loader(sc), nil
}

// scopeRows are the rows of the small queries.
type scopeRows struct {
	tps   []filing.Taxpayer
	decls []declRow
	devs  []reconcile.Device
}

// loads are the small queries; they fill separate fields, so they may run
// at the same time.
func (sr *scopeRows) loads(sc Scope) []func(tx *Tx) error {
	start, end := filing.DateOf(sc.Period.Start()), filing.DateOf(sc.Period.End())
	return []func(tx *Tx) error{
		func(tx *Tx) error { return tx.sel(&sr.tps, tx.q.RcTaxpayers, sc.who()...) },
		func(tx *Tx) error {
			return tx.sel(&sr.decls, tx.q.RcDeclarations, append(sc.whoRows(), sc.Period.Text, lastYear(sc.Period))...)
		},
		func(tx *Tx) error { return tx.sel(&sr.devs, tx.q.RcDevices, append(sc.whoRows(), end, start)...) },
	}
}

// loader sorts the small queries' rows into inputs, one per taxpayer, and
// the maps the large queries' rows are sorted by.
func (sr *scopeRows) loader(sc Scope) *inputLoader {
	l := &inputLoader{sc: sc, ly: lastYear(sc.Period)}
	l.ins = make([]*reconcile.Input, len(sr.tps))
	l.by = make(map[string]*reconcile.Input, len(sr.tps))
	for i := range sr.tps {
		l.ins[i] = &reconcile.Input{Taxpayer: &sr.tps[i], Period: sc.Period, Deadline: sc.Deadline, AsOf: sc.AsOf}
		l.by[sr.tps[i].CreditCode] = l.ins[i]
	}
	l.byDecl = make(map[int64]*reconcile.Declared, len(sr.decls))
	for _, d := range sr.decls {
		in := l.by[d.CreditCode]
		if in == nil {
			continue
		}
		x := &reconcile.Declared{ID: d.ID, Revision: d.Revision, Status: d.Status}
		if d.Period == sc.Period.Text {
			in.Declared = x
		} else {
			in.LastYear = x
		}
		l.byDecl[d.ID] = x
	}
	l.devOwner = make(map[int64]*reconcile.Input, len(sr.devs))
	for _, d := range sr.devs {
		if in := l.by[d.CreditCode]; in != nil {
			in.Devices = append(in.Devices, d)
			l.devOwner[d.ID] = in
		}
	}
	months := sc.Period.Months()
	l.monthFrom, l.monthTo = months[0], months[len(months)-1]
	return l
}

// sortInMemory runs load with room to sort its rows in memory rather
// than in temporary files (PostgreSQL; for the transaction only).
func (tx *Tx) sortInMemory(load func() error) error {
	if tx.postgres() {
		if _, err := tx.exec(tx.q.SortInMemory); err != nil {
			return err
		}
	}
	return load()
}

// rows are the large queries. Each fills other fields of the inputs (and
// only reads the maps), so they may run at the same time.
func (l *inputLoader) rows() []func(tx *Tx) error {
	return []func(tx *Tx) error{
		func(tx *Tx) error {
			return tx.sortInMemory(func() error { return tx.loadSources(l.by, l.sc.whoRows()) })
		},
		func(tx *Tx) error {
			return tx.sortInMemory(func() error { return tx.loadFigures(l.byDecl, l.sc.whoRows(), l.sc.Period.Text) })
		},
		func(tx *Tx) error {
			return tx.sortInMemory(func() error { return tx.loadEmissions(l.byDecl, l.sc.whoRows(), l.ly) })
		},
		func(tx *Tx) error {
			return tx.sortInMemory(func() error { return tx.loadMonthly(l.devOwner, l.sc.whoRows(), l.monthFrom, l.monthTo) })
		},
		func(tx *Tx) error {
			var outs []reconcile.Output
			if err := tx.sel(&outs, tx.q.RcOutputs, append(l.sc.whoRows(), l.monthFrom, l.monthTo)...); err != nil {
				return err
			}
			for _, o := range outs {
				if in := l.by[o.CreditCode]; in != nil {
					in.Outputs = append(in.Outputs, o)
				}
			}
			return nil
		},
	}
}

// grouped gathers the rows of one owner, which a query returns one after
// another, and hands each owner its rows in a slice of their exact length.
type grouped[K comparable, T any] struct {
	key   K
	cur   []T
	flush func(K, []T)
}

func (g *grouped[K, T]) add(k K, v T) {
	if k != g.key && len(g.cur) > 0 {
		g.done()
	}
	g.key = k
	g.cur = append(g.cur, v)
}

func (g *grouped[K, T]) done() {
	if len(g.cur) > 0 {
		g.flush(g.key, g.cur)
	}
	g.cur = g.cur[:0]
}

// appendExact appends rows to dst; into a slice of exactly len(rows) when
// dst is empty (the usual case: an owner's rows come together).
func appendExact[T any](dst, rows []T) []T {
	if len(dst) == 0 {
		return slices.Clone(rows)
	}
	return append(dst, rows...)
}

func (tx *Tx) loadSources(by map[string]*reconcile.Input, who []any) error {
	var s filing.Source
	cols := []string{"id", "credit_code", "outlet_no", "outlet_name", "location", "kind", "fugitive", "pollutant", "method", "standard",
		"standard_concentration", "day_limit_db", "night_limit_db", "multiple_points", "valid_from", "valid_to"}
	dest := []any{int64Col{&s.ID}, &s.CreditCode, &s.OutletNo, &s.OutletName, &s.Location, &s.Kind, &s.Fugitive, &s.Pollutant, &s.Method,
		&s.Standard, numericCol{&s.StandardConcentration}, numericCol{&s.DayLimitDB}, numericCol{&s.NightLimitDB}, &s.MultiplePoints,
		&s.ValidFrom, &s.ValidTo}
	var slab []filing.Source // sources are kept by pointer: allocated a block at a time
	g := grouped[string, *filing.Source]{flush: func(code string, rows []*filing.Source) {
		if in := by[code]; in != nil {
			in.Sources = appendExact(in.Sources, rows)
		}
	}}
	err := tx.scanRows(tx.q.RcSources, who, cols, dest, func() {
		if len(slab) == cap(slab) {
			slab = make([]filing.Source, 0, 1024)
		}
		slab = append(slab, s)
		g.add(s.CreditCode, &slab[len(slab)-1])
	})
	g.done()
	return err
}

func (tx *Tx) loadFigures(byDecl map[int64]*reconcile.Declared, who []any, period string) error {
	var (
		declID int64
		f      filing.Figure
	)
	cols := []string{"declaration_id", "source_id", "month", "emission_kg", "wastewater_t", "avg_concentration", "max_concentration",
		"value", "measured", "standard", "day_measured_db", "day_exceed_days", "night_measured_db", "night_exceed_days",
		"generated_t", "stored_t", "disposed_t", "utilized_t", "stock_start", "stock_end", "quantity"}
	dest := []any{int64Col{&declID}, int64Col{&f.SourceID}, &f.Month, numericCol{&f.EmissionKg}, numericCol{&f.WastewaterT},
		numericCol{&f.AvgConcentration}, numericCol{&f.MaxConcentration}, numericCol{&f.Value}, numericCol{&f.Measured},
		numericCol{&f.Standard}, numericCol{&f.DayMeasuredDB}, intPtrCol{&f.DayExceedDays}, numericCol{&f.NightMeasuredDB},
		intPtrCol{&f.NightExceedDays}, numericCol{&f.GeneratedT}, numericCol{&f.StoredT}, numericCol{&f.DisposedT},
		numericCol{&f.UtilizedT}, numericCol{&f.StockStart}, numericCol{&f.StockEnd}, numericCol{&f.Quantity}}
	g := grouped[int64, filing.Figure]{key: -1, flush: func(id int64, rows []filing.Figure) {
		if d := byDecl[id]; d != nil {
			d.Figures = appendExact(d.Figures, rows)
		}
	}}
	err := tx.scanRows(tx.q.RcFigures, append(who, period), cols, dest, func() { g.add(declID, f) })
	g.done()
	return err
}

// loadEmissions reads last year's figures: only source, month and emission.
func (tx *Tx) loadEmissions(byDecl map[int64]*reconcile.Declared, who []any, period string) error {
	var (
		declID int64
		f      filing.Figure
	)
	cols := []string{"declaration_id", "source_id", "month", "emission_kg"}
	dest := []any{int64Col{&declID}, int64Col{&f.SourceID}, &f.Month, numericCol{&f.EmissionKg}}
	g := grouped[int64, filing.Figure]{key: -1, flush: func(id int64, rows []filing.Figure) {
		if d := byDecl[id]; d != nil {
			d.Figures = appendExact(d.Figures, rows)
		}
	}}
	err := tx.scanRows(tx.q.RcEmissions, append(who, period), cols, dest, func() { g.add(declID, f) })
	g.done()
	return err
}

func (tx *Tx) loadMonthly(devOwner map[int64]*reconcile.Input, who []any, from, to string) error {
	var (
		f     reconcile.DeviceFigure
		basis string
	)
	cols := []string{"device_id", "mn", "code", "month", "basis", "total", "total_count", "test_sum", "test_count", "test_max",
		"valid", "units", "excluded", "lenient"}
	dest := []any{int64Col{&f.DeviceID}, &f.MN, &f.Code, &f.Month, &basis, decimalCol{&f.Total}, intCol{&f.TotalCount},
		decimalCol{&f.TestSum}, intCol{&f.TestCount}, decimalCol{&f.TestMax}, intCol{&f.Valid}, intCol{&f.Units},
		intCol{&f.Excluded}, intCol{&f.Lenient}}
	g := grouped[*reconcile.Input, reconcile.DeviceFigure]{flush: func(in *reconcile.Input, rows []reconcile.DeviceFigure) {
		if in != nil {
			in.Figures = appendExact(in.Figures, rows)
		}
	}}
	err := tx.scanRows(tx.q.RcMonthly, append(who, from, to), cols, dest, func() {
		f.Basis = monitor.Basis(basis)
		g.add(devOwner[f.DeviceID], f)
	})
	g.done()
	return err
}

// scanRows runs query and scans each row into dest (the same pointers for
// every row) before calling row. The query must return exactly cols, in
// that order.
func (tx *Tx) scanRows(query string, args []any, cols []string, dest []any, row func()) error {
	rows, err := tx.x.QueryContext(tx.ctx, query, args...)
	if err != nil {
		return dbError(err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return dbError(err)
	}
	if !slices.Equal(names, cols) {
		return fmt.Errorf("store: the query returns columns %v, the loader reads %v", names, cols)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return dbError(err)
		}
		row()
	}
	return dbError(rows.Err())
}

// numericCol scans a nullable NUMERIC as decimal.NullDecimal does; NULL
// clears the whole value (the row is reused).
type numericCol struct{ d *decimal.NullDecimal }

func (c numericCol) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		if v, ok := parseNumeric(b); ok {
			*c.d = decimal.NullDecimal{Decimal: v, Valid: true}
			return nil
		}
	}
	*c.d = decimal.NullDecimal{}
	return c.d.Scan(src)
}

// decimalCol scans a NUMERIC NOT NULL as decimal.Decimal does.
type decimalCol struct{ d *decimal.Decimal }

func (c decimalCol) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		if v, ok := parseNumeric(b); ok {
			*c.d = v
			return nil
		}
	}
	return c.d.Scan(src)
}

// parseNumeric reads the text PostgreSQL writes for a NUMERIC of at most
// 18 digits ([-]digits[.digits]) into the decimal NewFromString would make
// of it: the digits as coefficient, minus the number of decimals as
// exponent. Anything else is left to shopspring (ok false).
func parseNumeric(b []byte) (decimal.Decimal, bool) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var c int64
	digits, exp, point := 0, int32(0), false
	for ; i < len(b); i++ {
		switch ch := b[i]; {
		case ch >= '0' && ch <= '9':
			c = c*10 + int64(ch-'0')
			digits++
			if point {
				exp--
			}
		case ch == '.' && !point:
			point = true
		default:
			return decimal.Decimal{}, false
		}
	}
	if digits == 0 || digits > 18 || point && exp == 0 {
		return decimal.Decimal{}, false
	}
	if neg {
		c = -c
	}
	return decimal.New(c, exp), true
}

// int64Col, intCol and intPtrCol scan integers without the reflection
// database/sql uses for them; other sources go through sql.NullInt64's
// conversion, as before.
type int64Col struct{ p *int64 }

func (c int64Col) Scan(src any) error {
	if v, ok := src.(int64); ok {
		*c.p = v
		return nil
	}
	n, err := scanInt(src)
	*c.p = n
	return err
}

type intCol struct{ p *int }

func (c intCol) Scan(src any) error {
	if v, ok := src.(int64); ok {
		*c.p = int(v)
		return nil
	}
	n, err := scanInt(src)
	*c.p = int(n)
	return err
}

type intPtrCol struct{ p **int }

func (c intPtrCol) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	n, err := scanInt(src)
	if err != nil {
		return err
	}
	v := int(n)
	*c.p = &v
	return nil
}

func scanInt(src any) (int64, error) {
	if src == nil {
		return 0, fmt.Errorf("store: NULL in an integer column")
	}
	var n sql.NullInt64
	err := n.Scan(src)
	return n.Int64, err
}
