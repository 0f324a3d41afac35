package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
)

// reconcileQueries are the named queries of queries/reconcile.sql.
type reconcileQueries struct {
	RcTaxpayers    string `query:"rc-taxpayers"`
	RcCodes        string `query:"rc-taxpayer-codes"`
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
	OpenRun        string `query:"open-run"`
	AdvanceRun     string `query:"advance-run"`
	AddRunCounts   string `query:"add-run-counts"`
	FinishRun      string `query:"finish-run"`
	RunResults     string `query:"run-results"`
	AbandonedRuns  string `query:"abandoned-runs"`
	DelRunFlags    string `query:"delete-run-flags"`
	DelRunItems    string `query:"delete-run-items"`
	DelRunResults  string `query:"delete-run-results"`
	DelRunningRun  string `query:"delete-running-run"`
	CreatePeerUpd  string `query:"create-peer-updates"`
	InsertPeerUpd  string `query:"insert-peer-update"`
	ApplyPeerUpd   string `query:"apply-peer-updates"`
	DropPeerUpd    string `query:"drop-peer-updates"`
	SortInMemory   string `query:"sort-in-memory"`
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
	RegionPrefix string // calc.RegionPrefix(Region)
	CreditCode   string
	// After and Through narrow the scope to the credit codes in
	// (After, Through] ("" Through: no upper end), a slice of a large
	// region (ReconcileSlices).
	After, Through string
	Deadline       param.Date // of the period (filing.Params.DeadlineOf)
	AsOf           param.Date // the day of the run
}

// who are the query arguments that select the scope's taxpayers: the
// region prefix, the credit code, and the range of credit codes (twice
// for the queries of other tables: on the taxpayers and on the table).
func (sc Scope) who() []any {
	return []any{sc.RegionPrefix, sc.CreditCode, sc.CreditCode, sc.After, sc.Through, sc.Through}
}

func (sc Scope) whoRows() []any {
	return append(sc.who(), sc.After, sc.Through, sc.Through)
}

// ReconcileSlices cuts a scope into slices of at most size taxpayers
// (credit-code ranges, in order) and tells how many taxpayers it holds;
// with sc.After set, only the taxpayers after it are cut into slices
// (the total still counts them all).
func (tx *Tx) ReconcileSlices(sc Scope, size int) ([]Scope, int, error) {
	var codes []string
	if err := tx.sel(&codes, tx.q.RcCodes, sc.RegionPrefix, sc.CreditCode, sc.CreditCode); err != nil {
		return nil, 0, err
	}
	total := len(codes)
	after := sc.After
	if after != "" {
		// The codes come in the database's order, which the slices'
		// ranges follow: cut after the code itself when it is there.
		i := slices.Index(codes, after)
		if i < 0 {
			i, _ = slices.BinarySearch(codes, after)
			i--
		}
		codes = codes[i+1:]
	}
	var out []Scope
	for i := 0; i < len(codes); i += size {
		x := sc
		x.After, x.Through = after, codes[min(i+size, len(codes))-1]
		after = x.Through
		out = append(out, x)
	}
	return out, total, nil
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
