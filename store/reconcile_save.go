package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/reconcile"
)

// A run is stored a slice of taxpayers at a time (issue 13): InsertRun
// begins it ('running'); each slice, in a transaction of its own, moves
// the run on (AdvanceRun, which fails when another worker stored the
// slice first) and writes its items, results and flags as the
// reconciliation gave them; FinishRun, in the last transaction, applies
// the peer comparison's changes (ApplyPeers), ends the run and makes its
// results the standing ones. A run that stops half-way stays 'running',
// unlisted and not current, and a retry of the same request continues
// it after its done_through (OpenRun).

// SaveRun stores a run with its results, items and flags in one
// transaction: InsertRun, one slice of every result, and FinishRun (the
// peer comparison already applied to results).
func (tx *Tx) SaveRun(run *Run, set *reconcile.Set, results []*reconcile.Result) error {
	if err := tx.InsertRun(run, set, ""); err != nil {
		return err
	}
	through := ""
	if len(results) > 0 {
		through = results[len(results)-1].CreditCode
	}
	items, flags := 0, 0
	for _, r := range results {
		items, flags = items+len(r.Items), flags+len(r.Flags)
	}
	if err := tx.AdvanceRun(run.ID, "", through); err != nil {
		return err
	}
	err := tx.InsertItems(run.ID, func(yield func(*reconcile.Item) error) error {
		for _, res := range results {
			for k := range res.Items {
				if err := yield(&res.Items[k]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tx.InsertResults(run.ID, results, nil); err != nil {
		return err
	}
	if err := tx.InsertFlags(run.ID, results); err != nil {
		return err
	}
	if err := tx.AddRunCounts(run.ID, len(results), items, flags); err != nil {
		return err
	}
	return tx.FinishRun(run, through, 0)
}

// InsertItems writes the items of a run as items yields them, each used
// before yield returns (by COPY on PostgreSQL: a caller may yield the
// items of each taxpayer as soon as they are there).
func (tx *Tx) InsertItems(runID int64, items func(yield func(*reconcile.Item) error) error) error {
	return tx.insertMany("reconcile_items", tx.q.InsertItem, itemCols, func(emit func([]any) error) error {
		rows := newItemRows(runID, tx.postgres())
		return items(func(it *reconcile.Item) error { return emit(rows.row(it)) })
	})
}

// InsertRun begins a run (state running, nothing stored yet, no counts)
// with its parameters and warnings; resumeKey ("" = none) names the
// request whose retry continues it (OpenRun).
func (tx *Tx) InsertRun(run *Run, set *reconcile.Set, resumeKey string) error {
	var ps []paramJSON
	for _, r := range set.All() {
		ps = append(ps, paramJSON{r.Key, r.Value.String(), r.Unit, r.Rule, r.Where(), r.Source, r.Confidence, r.Verified})
	}
	warns := set.Unverified()
	if warns == nil {
		warns = []string{}
	}
	pj, err := json.Marshal(ps)
	if err != nil {
		return err
	}
	wj, err := json.Marshal(warns)
	if err != nil {
		return err
	}
	run.Taxpayers, run.Items, run.Flags = 0, 0, 0
	run.Params, run.Warnings, run.CreatedAt = pj, wj, tx.now
	return tx.get(&run.ID, tx.q.InsertRun, run.Period, run.Region, run.CreditCode, run.AsOf, run.Taxpayers, run.Items, run.Flags,
		string(pj), string(wj), run.CreatedBy, tx.now, resumeKey)
}

// OpenRun finds the unfinished run begun under resumeKey and the last
// credit code it has stored (nil when there is none).
func (tx *Tx) OpenRun(resumeKey string) (*Run, string, error) {
	var r struct {
		Run
		DoneThrough string `db:"done_through"`
	}
	if err := tx.get(&r, tx.q.OpenRun, resumeKey); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", nil
		}
		return nil, "", err
	}
	return &r.Run, r.DoneThrough, nil
}

// AdvanceRun records, first in the transaction that stores them, that
// the results of the credit codes (after, through] of a running run are
// stored (a concurrent worker's AdvanceRun waits for this transaction
// and then finds the run moved on). A run that is not running or has
// moved on from after is a conflict, and the caller's transaction must
// not commit.
func (tx *Tx) AdvanceRun(runID int64, after, through string) error {
	n, err := tx.exec(tx.q.AdvanceRun, through, runID, after)
	if err != nil {
		return err
	}
	if n != 1 {
		return runMoved(runID)
	}
	return nil
}

// AddRunCounts adds a slice's numbers of taxpayers, items and flags to
// its run.
func (tx *Tx) AddRunCounts(runID int64, taxpayers, items, flags int) error {
	_, err := tx.exec(tx.q.AddRunCounts, taxpayers, items, flags, runID)
	return err
}

func runMoved(runID int64) error {
	return &calc.Error{Kind: calc.KindConflict, Code: "reconciliation_in_progress", Title: "比对正在进行",
		Detail: "reconciliation run " + strconv.FormatInt(runID, 10) + " was continued or finished by another request"}
}

// InsertResults writes results (items[i] is the number of items of
// results[i] when a caller that streamed them has let them go; nil:
// len(Items)).
func (tx *Tx) InsertResults(runID int64, results []*reconcile.Result, items []int) error {
	return tx.insertMany("reconcile_results", tx.q.InsertResult, resultCols, func(emit func([]any) error) error {
		for i, r := range results {
			det, err := resultDetailJSON(r)
			if err != nil {
				return err
			}
			n := len(r.Items)
			if items != nil {
				n = items[i]
			}
			if err := emit([]any{runID, r.CreditCode, r.Period, r.DeclarationID, r.Revision, r.DeclaredTax, r.MonitoredTax, r.TaxDifference,
				r.Status, n, len(r.Flags), string(det)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// InsertFlags writes the flags of results.
func (tx *Tx) InsertFlags(runID int64, results []*reconcile.Result) error {
	return tx.insertFlags(runID, func(emit func(*reconcile.Flag) error) error {
		for _, r := range results {
			for k := range r.Flags {
				if err := emit(&r.Flags[k]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (tx *Tx) insertFlags(runID int64, flags func(emit func(*reconcile.Flag) error) error) error {
	return tx.insertMany("reconcile_flags", tx.q.InsertFlag, flagCols, func(emit func([]any) error) error {
		v := make([]any, len(flagCols)) // one row, reused (insertMany allows it)
		return flags(func(f *reconcile.Flag) error {
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13] = runID, f.CreditCode, f.Period,
				f.Month, f.OutletNo, f.SourceID, f.Pollutant, f.Code, f.Parameter, f.Threshold, f.Observed, f.Rule, f.Message, f.RaisedOn
			return emit(v)
		})
	})
}

// ApplyPeers stores the peer comparison's changes to a run's stored
// results: each result changed yields (reconcile.PeerBook.Changed: the
// new status and detail, and only the flags the comparison added) gets
// its status, detail and flag count updated, and those flags inserted.
// The changes go to a temporary table first and into the results by one
// UPDATE (a row at a time would be a round trip per taxpayer). changed is
// called twice (the updates, then the flags), so that nothing of it is
// kept here.
func (tx *Tx) ApplyPeers(runID int64, changed func(yield func(*reconcile.Result) error) error) error {
	if _, err := tx.exec(tx.q.CreatePeerUpd); err != nil {
		return err
	}
	err := tx.insertMany("reconcile_peer_updates", tx.q.InsertPeerUpd, []string{"credit_code", "status", "flags", "detail"},
		func(emit func([]any) error) error {
			return changed(func(r *reconcile.Result) error {
				det, err := resultDetailJSON(r)
				if err != nil {
					return err
				}
				return emit([]any{r.CreditCode, r.Status, len(r.Flags), string(det)})
			})
		})
	if err != nil {
		return err
	}
	if _, err := tx.exec(tx.q.ApplyPeerUpd, runID); err != nil {
		return err
	}
	if _, err := tx.exec(tx.q.DropPeerUpd); err != nil {
		return err
	}
	return tx.insertFlags(runID, func(emit func(*reconcile.Flag) error) error {
		return changed(func(r *reconcile.Result) error {
			for k := range r.Flags {
				if err := emit(&r.Flags[k]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// FinishRun ends a running run whose results are stored through the
// credit code through, adding the peer comparison's flags to its count,
// and makes its results the standing ones; run gets its counts. A run
// that is not where through says is a conflict.
func (tx *Tx) FinishRun(run *Run, through string, peerFlags int) error {
	var counts struct {
		Taxpayers int `db:"taxpayers"`
		Items     int `db:"items"`
		Flags     int `db:"flags"`
	}
	if err := tx.get(&counts, tx.q.FinishRun, peerFlags, run.ID, through); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return runMoved(run.ID)
		}
		return err
	}
	run.Taxpayers, run.Items, run.Flags = counts.Taxpayers, counts.Items, counts.Flags
	_, err := tx.exec(tx.q.SetCurrent, run.ID)
	return err
}

// DropAbandonedRuns deletes the runs that began longer than age ago (by
// the store's clock, which dated them) and never finished, with the results, items and flags their slices stored: such
// a run is not listed, not standing and no longer continued, and its rows
// only take room. It returns how many runs it deleted. A finished run is
// never touched.
func (tx *Tx) DropAbandonedRuns(age time.Duration) (int, error) {
	var ids []int64
	if err := tx.sel(&ids, tx.q.AbandonedRuns, tx.now.Add(-age)); err != nil {
		return 0, err
	}
	for _, id := range ids {
		for _, q := range []string{tx.q.DelRunFlags, tx.q.DelRunItems, tx.q.DelRunResults, tx.q.DelRunningRun} {
			if _, err := tx.exec(q, id); err != nil {
				return 0, err
			}
		}
	}
	return len(ids), nil
}

// RunResults reads the stored results of a running run's credit codes
// (after, through], at most limit of them in credit-code order, with what the peer comparison reads of them: the
// taxpayer's industry today, and the intensities, output unit and
// warnings of the stored detail (a continued run compares them with the
// results it has yet to make).
func (tx *Tx) RunResults(runID int64, after, through string, limit int) ([]*reconcile.Result, error) {
	var rows []struct {
		CreditCode string `db:"credit_code"`
		Industry   string `db:"industry"`
		Period     string `db:"period"`
		Status     string `db:"status"`
		Detail     string `db:"detail"`
	}
	if err := tx.sel(&rows, tx.q.RunResults, runID, after, through, limit); err != nil {
		return nil, err
	}
	out := make([]*reconcile.Result, 0, len(rows))
	for _, r := range rows {
		var d resultDetail
		if err := json.Unmarshal([]byte(r.Detail), &d); err != nil {
			return nil, fmt.Errorf("store: the detail of %s in run %d: %w", r.CreditCode, runID, err)
		}
		out = append(out, &reconcile.Result{CreditCode: r.CreditCode, Industry: r.Industry, Period: r.Period, Status: r.Status,
			Intensities: d.Intensities, OutputUnit: d.OutputUnit, Warnings: d.Warnings})
	}
	return out, nil
}

// itemRows builds item rows into one reused slice: the decimals as the
// text their Value gives, the detail as its MarshalJSON writes it, which
// is what json.Marshal gave (compact and escaped already; reconcile's
// TestMarshalJSON), the integers as int64 (what the driver converts an
// int to). The texts are views of one buffer that the next row
// overwrites: the driver encodes a row's values before Exec returns
// (COPY) or copies them into its statement's arguments (SQLite's
// multi-row INSERT keeps them, so there each text is a string of its
// own).
type itemRows struct {
	runID  int64
	vals   []any
	buf    []byte
	shared bool // texts may be views of buf (COPY)
}

func newItemRows(runID int64, shared bool) *itemRows {
	return &itemRows{runID: runID, vals: make([]any, len(itemCols)), buf: make([]byte, 0, 1024), shared: shared}
}

func (r *itemRows) row(it *reconcile.Item) []any {
	v := r.vals
	r.buf = r.buf[:0]
	v[0], v[8] = r.runID, it.SourceID
	r.str(1, it.CreditCode)
	r.str(2, it.Period)
	r.str(3, it.Month)
	r.str(4, it.OutletNo)
	r.str(5, it.Pollutant)
	r.str(6, it.PollutantID)
	r.str(7, it.Kind)
	// The buffer must not move while views of it are handed out: the
	// spans are noted first and the strings made once it is complete.
	var spans [7][2]int
	var valid [6]bool
	for i, d := range [6]decimal.NullDecimal{it.DeclaredKg, it.MonitoredKg, it.DifferenceKg, it.DeclaredTax.NullDecimal,
		it.MonitoredTax.NullDecimal, it.Completeness} {
		if d.Valid {
			valid[i] = true
			spans[i][0] = len(r.buf)
			r.buf = param.AppendDecimal(r.buf, d.Decimal, -1)
			spans[i][1] = len(r.buf)
		}
	}
	spans[6][0] = len(r.buf)
	r.buf = it.Detail.AppendJSON(r.buf)
	spans[6][1] = len(r.buf)
	for i := 0; i < 6; i++ {
		if valid[i] {
			v[9+i] = r.text(spans[i])
		} else {
			v[9+i] = nil
		}
	}
	v[15], v[16], v[17], v[20] = int64(it.ValidUnits), int64(it.Units), int64(it.Excluded), r.text(spans[6])
	r.str(18, it.Basis)
	r.str(19, it.Status)
	return v
}

// str puts s in column i, keeping the value of the row before when it
// is the same text (a taxpayer's items share their credit code, period,
// month, outlet, kind, basis and status): a string put in an interface
// is a small allocation of its own.
func (r *itemRows) str(i int, s string) {
	if old, ok := r.vals[i].(string); ok && old == s {
		return
	}
	r.vals[i] = s
}

func (r *itemRows) text(span [2]int) string {
	b := r.buf[span[0]:span[1]]
	if r.shared && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

// resultDetailJSON is json.Marshal of the result's resultDetail, the
// intensities written by their own MarshalJSON without encoding/json
// checking each again (TestResultDetailJSON).
func resultDetailJSON(r *reconcile.Result) ([]byte, error) {
	b := make([]byte, 0, 64+160*len(r.Intensities))
	b = append(b, `{"intensities":[`...)
	for i := range r.Intensities {
		if i > 0 {
			b = append(b, ',')
		}
		in, err := r.Intensities[i].MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, in...)
	}
	unit, err := json.Marshal(r.OutputUnit)
	if err != nil {
		return nil, err
	}
	warns, err := json.Marshal(nonNilS(r.Warnings))
	if err != nil {
		return nil, err
	}
	b = append(b, `],"output_unit":`...)
	b = append(b, unit...)
	b = append(b, `,"warnings":`...)
	b = append(b, warns...)
	return append(b, '}'), nil
}

// resultDetail is what a stored result keeps beside its columns (the
// shape resultDetailJSON writes).
type resultDetail struct {
	Intensities []reconcile.Intensity `json:"intensities"`
	OutputUnit  string                `json:"output_unit"`
	Warnings    []string              `json:"warnings"`
}

func nonNil(x []reconcile.Intensity) []reconcile.Intensity {
	if x == nil {
		return []reconcile.Intensity{}
	}
	return x
}

func nonNilS(x []string) []string {
	if x == nil {
		return []string{}
	}
	return x
}

var (
	resultCols = []string{"run_id", "credit_code", "period", "declaration_id", "revision", "declared_tax", "monitored_tax",
		"tax_difference", "status", "items", "flags", "detail"}
	itemCols = []string{"run_id", "credit_code", "period", "month", "outlet_no", "pollutant", "pollutant_id", "kind", "source_id",
		"declared_kg", "monitored_kg", "difference_kg", "declared_tax", "monitored_tax", "completeness", "valid_units", "units",
		"excluded", "basis", "status", "detail"}
	flagCols = []string{"run_id", "credit_code", "period", "month", "outlet_no", "source_id", "pollutant", "code", "parameter",
		"threshold", "observed", "rule", "message", "raised_on"}
)

// insertMany writes the rows rows emits: by COPY on PostgreSQL, by
// multi-row INSERTs built from the one-row named query on SQLite. The
// values of a row are used before emit returns (a row slice may be
// reused).
func (tx *Tx) insertMany(table, query string, cols []string, rows func(emit func([]any) error) error) error {
	if tx.postgres() {
		return tx.copyRows(table, cols, rows)
	}
	per := 30000 / len(cols)
	tuple := ", (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	args := make([]any, 0, per*len(cols))
	k := 0
	flush := func() error {
		if k == 0 {
			return nil
		}
		_, err := tx.exec(query+strings.Repeat(tuple, k-1), args...)
		args, k = args[:0], 0
		return err
	}
	err := rows(func(vals []any) error {
		if len(vals) != len(cols) {
			return fmt.Errorf("store: %s: %d values for %d columns", table, len(vals), len(cols))
		}
		args = append(args, vals...)
		k++
		if k == per {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// copyRows is COPY of the rows rows emits; nothing is sent when there
// are none.
func (tx *Tx) copyRows(table string, cols []string, rows func(emit func([]any) error) error) error {
	var stmt *sql.Stmt
	err := rows(func(vals []any) error {
		if stmt == nil {
			var err error
			if stmt, err = tx.x.PrepareContext(tx.ctx, pq.CopyIn(table, cols...)); err != nil {
				return dbError(err)
			}
		}
		_, err := stmt.ExecContext(tx.ctx, vals...)
		return dbError(err)
	})
	if stmt == nil {
		return err
	}
	if err != nil {
		stmt.Close()
		return err
	}
	if _, err := stmt.ExecContext(tx.ctx); err != nil {
		stmt.Close()
		return dbError(err)
	}
	return stmt.Close()
}
