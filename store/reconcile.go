package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
)

// reconcileQueries are the named queries of queries/reconcile.sql.
type reconcileQueries struct {
	RcTaxpayers    string `query:"rc-taxpayers"`
	RcSources      string `query:"rc-sources"`
	RcDeclarations string `query:"rc-declarations"`
	RcFigures      string `query:"rc-figures"`
	RcEmissions    string `query:"rc-emissions"`
	RcDevices      string `query:"rc-devices"`
	RcMonthly      string `query:"rc-monthly"`
	RcOutputs      string `query:"rc-outputs"`
	InsertRun      string `query:"insert-run"`
	InsertResult   string `query:"insert-result"`
	InsertItem     string `query:"insert-item"`
	InsertFlag     string `query:"insert-flag"`
	SetCurrent     string `query:"set-current"`
	GetRun         string `query:"get-run"`
	ListRuns       string `query:"list-runs"`
	CurrentResults string `query:"current-results"`
	CurrentItems   string `query:"current-items"`
	CurrentFlags   string `query:"current-flags"`
	FindFlag       string `query:"find-flag"`
}

// Scope is what a reconciliation run covers: one period, taxpayers whose
// region starts with RegionPrefix ("" = all), optionally one taxpayer.
type Scope struct {
	Period       filing.Period
	Region       string // the GB/T 2260 code as given ("" = all)
	RegionPrefix string // filing.RegionPrefix(Region)
	CreditCode   string
	Deadline     param.Date // of the period (filing.Params.DeadlineOf)
	AsOf         param.Date // the day of the run
}

// lastYear is the same period a year earlier.
func lastYear(p filing.Period) string { return strconv.Itoa(p.Year-1) + p.Text[4:] }

type declRow struct {
	ID         int64         `db:"id"`
	CreditCode string        `db:"credit_code"`
	Period     string        `db:"period"`
	Revision   int           `db:"revision"`
	Status     filing.Status `db:"status"`
}

// Run is one reconciliation run.
type Run struct {
	ID         int64          `json:"id" db:"id"`
	Period     string         `json:"period" db:"period"`
	Region     string         `json:"region" db:"region"`
	CreditCode string         `json:"credit_code" db:"credit_code"`
	AsOf       filing.Date    `json:"as_of" db:"as_of"`
	Taxpayers  int            `json:"taxpayers" db:"taxpayers"`
	Items      int            `json:"items" db:"items"`
	Flags      int            `json:"flags" db:"flags"`
	Params     filing.RawJSON `json:"parameters" db:"params"`
	Warnings   filing.RawJSON `json:"warnings" db:"warnings"`
	CreatedBy  string         `json:"created_by" db:"created_by"`
	CreatedAt  time.Time      `json:"created_at" db:"created_at"`
}

// paramJSON is a parameter row as a run records it.
type paramJSON struct {
	Key        string `json:"key"`
	Value      string `json:"value"`
	Unit       string `json:"unit"`
	Rule       string `json:"rule"`
	Where      string `json:"where"`
	Source     string `json:"source"`
	Confidence string `json:"confidence"`
	Verified   bool   `json:"verified"`
}

// Reconcile runs a reconciliation: it brings the monthly figures up to
// date, then runs Tx.Reconcile in one transaction.
func (db *DB) Reconcile(ctx context.Context, r *reconcile.Reconciler, sc Scope, actor string) (*Run, []*reconcile.Result, error) {
	if _, err := db.RefreshAll(ctx, int32(r.Set.Places.Value.IntPart())); err != nil {
		return nil, nil, err
	}
	var (
		run     *Run
		results []*reconcile.Result
	)
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		run, results, err = tx.Reconcile(r, sc, actor)
		return err
	})
	return run, results, err
}

// Reconcile loads the scope, reconciles every taxpayer (in parallel: the
// engine is safe for concurrent use), compares intensities across the
// scope's taxpayers of one industry, and stores the run, its results,
// items and flags, making them the standing results of their taxpayers
// for the period. The monthly figures are read as stored (see
// DB.RefreshAll).
func (tx *Tx) Reconcile(r *reconcile.Reconciler, sc Scope, actor string) (*Run, []*reconcile.Result, error) {
	ins, err := tx.ReconcileInputs(sc)
	if err != nil {
		return nil, nil, err
	}
	results, err := ReconcileAll(tx.ctx, r, ins)
	if err != nil {
		return nil, nil, err
	}
	reconcile.Peers(results, r.Set, sc.AsOf)
	run := &Run{Period: sc.Period.Text, Region: sc.Region, CreditCode: sc.CreditCode, AsOf: filing.DateOf(sc.AsOf), CreatedBy: actor}
	if err := tx.SaveRun(run, r.Set, results); err != nil {
		return nil, nil, err
	}
	return run, results, nil
}

// ReconcileAll reconciles the inputs on every core.
func ReconcileAll(ctx context.Context, r *reconcile.Reconciler, ins []*reconcile.Input) ([]*reconcile.Result, error) {
	results := make([]*reconcile.Result, len(ins))
	errs := make([]error, len(ins))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = r.Taxpayer(ins[i])
			}
		}()
	}
	for i := range ins {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// resultDetail is what a stored result keeps beside its columns.
type resultDetail struct {
	Intensities []reconcile.Intensity `json:"intensities"`
	OutputUnit  string                `json:"output_unit"`
	Warnings    []string              `json:"warnings"`
}

// SaveRun stores a run with its results, items and flags (COPY on
// PostgreSQL, batched INSERTs on SQLite) and makes them current.
func (tx *Tx) SaveRun(run *Run, set *reconcile.Set, results []*reconcile.Result) error {
	var ps []paramJSON
	for _, r := range set.All() {
		ps = append(ps, paramJSON{r.Key, r.Value.String(), r.Unit, r.Rule, r.Where(), r.Source, r.Confidence, r.Verified})
	}
	warns := set.Unverified()
	if warns == nil {
		warns = []string{}
	}
	run.Taxpayers = len(results)
	for _, res := range results {
		run.Items += len(res.Items)
		run.Flags += len(res.Flags)
	}
	pj, err := json.Marshal(ps)
	if err != nil {
		return err
	}
	wj, err := json.Marshal(warns)
	if err != nil {
		return err
	}
	run.Params, run.Warnings, run.CreatedAt = pj, wj, tx.now
	if err := tx.get(&run.ID, tx.q.InsertRun, run.Period, run.Region, run.CreditCode, run.AsOf, run.Taxpayers, run.Items, run.Flags,
		string(pj), string(wj), run.CreatedBy, tx.now); err != nil {
		return err
	}
	type rowFn = func(i int) ([]any, error)
	resRow := func(i int) ([]any, error) {
		r := results[i]
		det, err := jsonText(resultDetail{Intensities: nonNil(r.Intensities), OutputUnit: r.OutputUnit, Warnings: nonNilS(r.Warnings)})
		return []any{run.ID, r.CreditCode, r.Period, r.DeclarationID, r.Revision, r.DeclaredTax, r.MonitoredTax, r.TaxDifference,
			r.Status, len(r.Items), len(r.Flags), det}, err
	}
	type at struct{ r, i int }
	var items, flags []at
	for ri, r := range results {
		for i := range r.Items {
			items = append(items, at{ri, i})
		}
		for i := range r.Flags {
			flags = append(flags, at{ri, i})
		}
	}
	// decimalValue is what decimal.NullDecimal.Value gives the driver:
	// nil, or the decimal's String(), written into buf.
	decimalValue := func(buf []byte, d decimal.NullDecimal) (any, []byte) {
		if !d.Valid {
			return nil, buf
		}
		start := len(buf)
		buf = reconcile.AppendDecimal(buf, d.Decimal)
		return string(buf[start:]), buf
	}
	// One row slice for every item (the driver copies the values), the
	// decimals as the text their Value gives, the detail as its
	// MarshalJSON writes it: json.Marshal would only re-check bytes that
	// are compact and escaped already (TestItemRowText).
	row := make([]any, len(itemCols))
	var buf []byte
	itemRow := func(k int) ([]any, error) {
		it := &results[items[k].r].Items[items[k].i]
		det, err := it.Detail.MarshalJSON()
		buf = buf[:0]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = run.ID, it.CreditCode, it.Period, it.Month,
			it.OutletNo, it.Pollutant, it.PollutantID, it.Kind, it.SourceID
		row[9], buf = decimalValue(buf, it.DeclaredKg)
		row[10], buf = decimalValue(buf, it.MonitoredKg)
		row[11], buf = decimalValue(buf, it.DifferenceKg)
		row[12], buf = decimalValue(buf, it.DeclaredTax.NullDecimal)
		row[13], buf = decimalValue(buf, it.MonitoredTax.NullDecimal)
		row[14], buf = decimalValue(buf, it.Completeness)
		row[15], row[16], row[17], row[18], row[19], row[20] = it.ValidUnits, it.Units, it.Excluded, it.Basis, it.Status, string(det)
		return row, err
	}
	flagRow := func(k int) ([]any, error) {
		f := &results[flags[k].r].Flags[flags[k].i]
		return []any{run.ID, f.CreditCode, f.Period, f.Month, f.OutletNo, f.SourceID, f.Pollutant, f.Code, f.Parameter,
			f.Threshold, f.Observed, f.Rule, f.Message, f.RaisedOn}, nil
	}
	for _, t := range []struct {
		table, query string
		cols         []string
		n            int
		row          rowFn
	}{
		{"reconcile_results", tx.q.InsertResult, resultCols, len(results), resRow},
		{"reconcile_items", tx.q.InsertItem, itemCols, len(items), itemRow},
		{"reconcile_flags", tx.q.InsertFlag, flagCols, len(flags), flagRow},
	} {
		if err := tx.insertMany(t.table, t.query, t.cols, t.n, t.row); err != nil {
			return err
		}
	}
	_, err = tx.exec(tx.q.SetCurrent, run.ID)
	return err
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

// insertMany writes n rows: by COPY on PostgreSQL, by multi-row INSERTs
// built from the one-row named query on SQLite.
func (tx *Tx) insertMany(table, query string, cols []string, n int, row func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	if tx.postgres() {
		var ferr error
		err := tx.copyIn(table, cols, n, func(i int) []any {
			vals, err := row(i)
			if err != nil && ferr == nil {
				ferr = err
			}
			return vals
		})
		if ferr != nil {
			return ferr
		}
		return err
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
	for i := 0; i < n; i++ {
		vals, err := row(i)
		if err != nil {
			return err
		}
		if len(vals) != len(cols) {
			return fmt.Errorf("store: %s: %d values for %d columns", table, len(vals), len(cols))
		}
		args = append(args, vals...)
		k++
		if k == per {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// GetRun finds a run.
func (tx *Tx) GetRun(id int64) (*Run, error) {
	var r Run
	if err := tx.get(&r, tx.q.GetRun, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("run_not_found", "比对记录不存在", "no reconciliation run "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &r, nil
}

// RunFilter narrows the run listing.
type RunFilter struct {
	Period, RegionPrefix, CreditCode string
	Limit                            int
}

// ListRuns lists runs, newest first.
func (tx *Tx) ListRuns(f RunFilter) ([]Run, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	out := []Run{}
	err := tx.sel(&out, tx.q.ListRuns, f.Period, f.Period, f.RegionPrefix, f.CreditCode, f.CreditCode, f.Limit)
	return out, err
}

// StoredResult is a taxpayer's standing reconciliation for a period.
type StoredResult struct {
	RunID         int64          `json:"run_id" db:"run_id"`
	CreditCode    string         `json:"credit_code" db:"credit_code"`
	Name          string         `json:"name" db:"name"`
	Region        string         `json:"region" db:"region"`
	Industry      string         `json:"industry" db:"industry"`
	Period        string         `json:"period" db:"period"`
	DeclarationID *int64         `json:"declaration_id" db:"declaration_id"`
	Revision      *int           `json:"revision" db:"revision"`
	DeclaredTax   filing.Money   `json:"declared_tax" db:"declared_tax"`
	MonitoredTax  filing.Money   `json:"monitored_tax" db:"monitored_tax"`
	TaxDifference filing.Money   `json:"tax_difference" db:"tax_difference"`
	Status        string         `json:"status" db:"status"`
	Items         int            `json:"items" db:"items"`
	Flags         int            `json:"flags" db:"flags"`
	Detail        filing.RawJSON `json:"detail" db:"detail"`
}

// ResultFilter narrows the listing of standing results.
type ResultFilter struct {
	Period, RegionPrefix, CreditCode string
	Limit, Offset                    int
}

// CurrentResults lists the standing results of a period.
func (tx *Tx) CurrentResults(f ResultFilter) ([]StoredResult, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	out := []StoredResult{}
	err := tx.sel(&out, tx.q.CurrentResults, f.Period, f.RegionPrefix, f.CreditCode, f.CreditCode, f.Limit, f.Offset)
	return out, err
}

// StoredItem is an item of a standing result.
type StoredItem struct {
	RunID        int64               `json:"run_id" db:"run_id"`
	CreditCode   string              `json:"credit_code" db:"credit_code"`
	Period       string              `json:"period" db:"period"`
	Month        string              `json:"month" db:"month"`
	OutletNo     string              `json:"outlet_no" db:"outlet_no"`
	Pollutant    string              `json:"pollutant" db:"pollutant"`
	PollutantID  string              `json:"pollutant_id" db:"pollutant_id"`
	Kind         string              `json:"kind" db:"kind"`
	SourceID     int64               `json:"source_id" db:"source_id"`
	DeclaredKg   decimal.NullDecimal `json:"declared_kg" db:"declared_kg"`
	MonitoredKg  decimal.NullDecimal `json:"monitored_kg" db:"monitored_kg"`
	DifferenceKg decimal.NullDecimal `json:"difference_kg" db:"difference_kg"`
	DeclaredTax  filing.Money        `json:"declared_tax" db:"declared_tax"`
	MonitoredTax filing.Money        `json:"monitored_tax" db:"monitored_tax"`
	Completeness decimal.NullDecimal `json:"completeness" db:"completeness"`
	ValidUnits   int                 `json:"valid_units" db:"valid_units"`
	Units        int                 `json:"units" db:"units"`
	Excluded     int                 `json:"excluded" db:"excluded"`
	Basis        string              `json:"basis" db:"basis"`
	Status       string              `json:"status" db:"status"`
	Detail       filing.RawJSON      `json:"detail" db:"detail"`
}

// CurrentItems lists the standing items of a taxpayer and period.
func (tx *Tx) CurrentItems(creditCode, period string) ([]StoredItem, error) {
	out := []StoredItem{}
	err := tx.sel(&out, tx.q.CurrentItems, creditCode, period)
	return out, err
}

// StoredFlag is a standing flag with the run that raised it.
type StoredFlag struct {
	RunID int64 `json:"run_id" db:"run_id"`
	reconcile.Flag
}

// FlagFilter selects standing flags: a period (required), a region prefix
// ("" = all), a taxpayer and a flag code ("" = all).
type FlagFilter struct {
	Period, RegionPrefix, CreditCode, Code string
}

// ListFlags lists the standing risk flags (风险疑点) of a period: those of
// the latest run that covered each taxpayer. A review (复核) refers to one
// by its reconcile.FlagKey.
func (tx *Tx) ListFlags(f FlagFilter) ([]StoredFlag, error) {
	out := []StoredFlag{}
	err := tx.sel(&out, tx.q.CurrentFlags, f.Period, f.RegionPrefix, f.CreditCode, f.CreditCode, f.Code, f.Code)
	return out, err
}

// FindFlag finds a standing flag by its address; a flag that a later run
// no longer raises (the declaration was corrected, say) is not found.
func (tx *Tx) FindFlag(k reconcile.FlagKey) (*StoredFlag, error) {
	var f StoredFlag
	if err := tx.get(&f, tx.q.FindFlag, k.CreditCode, k.Period, k.OutletNo, k.Pollutant, k.Month, k.Code); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("flag_not_found", "风险疑点不存在", fmt.Sprintf("no standing flag %s for %s %s %s %s %s", k.Code, k.CreditCode, k.Period, k.OutletNo, k.Pollutant, k.Month))
		}
		return nil, err
	}
	return &f, nil
}
