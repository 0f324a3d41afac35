package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/reconcile"
)

// SaveRun stores a run with its results, items and flags (COPY on
// PostgreSQL, batched INSERTs on SQLite) and makes them current:
// InsertRun, InsertItems and FinishRun in one go.
func (tx *Tx) SaveRun(run *Run, set *reconcile.Set, results []*reconcile.Result) error {
	if err := tx.InsertRun(run, set, len(results)); err != nil {
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
	return tx.FinishRun(run, results, nil)
}

// InsertItems writes the items of a run as items yields them, each used
// before yield returns (by COPY on PostgreSQL: a caller may yield the
// items of each taxpayer as soon as they are there).
func (tx *Tx) InsertItems(runID int64, items func(yield func(*reconcile.Item) error) error) error {
	return tx.insertMany("reconcile_items", tx.q.InsertItem, itemCols, func(emit func([]any) error) error {
		rows := newItemRows(runID)
		return items(func(it *reconcile.Item) error { return emit(rows.row(it)) })
	})
}

// InsertRun stores the run with its parameters and warnings; its item and
// flag counts are set by FinishRun.
func (tx *Tx) InsertRun(run *Run, set *reconcile.Set, taxpayers int) error {
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
	run.Taxpayers, run.Items, run.Flags = taxpayers, 0, 0
	run.Params, run.Warnings, run.CreatedAt = pj, wj, tx.now
	return tx.get(&run.ID, tx.q.InsertRun, run.Period, run.Region, run.CreditCode, run.AsOf, run.Taxpayers, run.Items, run.Flags,
		string(pj), string(wj), run.CreatedBy, tx.now)
}

// FinishRun stores the results and flags (after the peer comparison),
// the run's counts, and makes the run current. items[i] is the number of
// items of results[i] when a caller that streamed them has let them go
// (nil: len(Items)).
func (tx *Tx) FinishRun(run *Run, results []*reconcile.Result, items []int) error {
	nItems := func(i int) int {
		if items != nil {
			return items[i]
		}
		return len(results[i].Items)
	}
	for i, res := range results {
		run.Items += nItems(i)
		run.Flags += len(res.Flags)
	}
	err := tx.insertMany("reconcile_results", tx.q.InsertResult, resultCols, func(emit func([]any) error) error {
		for i, r := range results {
			det, err := resultDetailJSON(r)
			if err != nil {
				return err
			}
			if err := emit([]any{run.ID, r.CreditCode, r.Period, r.DeclarationID, r.Revision, r.DeclaredTax, r.MonitoredTax, r.TaxDifference,
				r.Status, nItems(i), len(r.Flags), string(det)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.insertMany("reconcile_flags", tx.q.InsertFlag, flagCols, func(emit func([]any) error) error {
		for _, r := range results {
			for k := range r.Flags {
				f := &r.Flags[k]
				if err := emit([]any{run.ID, f.CreditCode, f.Period, f.Month, f.OutletNo, f.SourceID, f.Pollutant, f.Code, f.Parameter,
					f.Threshold, f.Observed, f.Rule, f.Message, f.RaisedOn}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := tx.exec(tx.q.SetRunCounts, run.Items, run.Flags, run.ID); err != nil {
		return err
	}
	_, err = tx.exec(tx.q.SetCurrent, run.ID)
	return err
}

// itemRows builds item rows into one reused slice (the driver copies the
// values): the decimals as the text their Value gives, the detail as its
// MarshalJSON writes it, which is what json.Marshal gave (compact and
// escaped already; reconcile's TestMarshalJSON).
type itemRows struct {
	runID int64
	vals  []any
	buf   []byte
}

func newItemRows(runID int64) *itemRows {
	return &itemRows{runID: runID, vals: make([]any, len(itemCols))}
}

func (r *itemRows) row(it *reconcile.Item) []any {
	det, _ := it.Detail.MarshalJSON() // never fails
	v := r.vals
	r.buf = r.buf[:0]
	v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] = r.runID, it.CreditCode, it.Period, it.Month,
		it.OutletNo, it.Pollutant, it.PollutantID, it.Kind, it.SourceID
	v[9] = r.decimal(it.DeclaredKg)
	v[10] = r.decimal(it.MonitoredKg)
	v[11] = r.decimal(it.DifferenceKg)
	v[12] = r.decimal(it.DeclaredTax.NullDecimal)
	v[13] = r.decimal(it.MonitoredTax.NullDecimal)
	v[14] = r.decimal(it.Completeness)
	v[15], v[16], v[17], v[18], v[19], v[20] = it.ValidUnits, it.Units, it.Excluded, it.Basis, it.Status, string(det)
	return v
}

// decimal is what decimal.NullDecimal.Value gives the driver: nil, or the
// decimal's String().
func (r *itemRows) decimal(d decimal.NullDecimal) any {
	if !d.Valid {
		return nil
	}
	start := len(r.buf)
	r.buf = param.AppendDecimal(r.buf, d.Decimal, -1)
	return string(r.buf[start:])
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
