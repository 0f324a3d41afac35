package budget

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// Monitoring gives the monthly monitored figures of a taxpayer (自动监测:
// one figure per outlet, pollutant and month). The store implements it
// over its monitoring tables; until those exist, Unavailable stands in and
// every month without a declaration says so.
type Monitoring interface {
	// MonthlyFigures returns every monitored monthly figure of the
	// taxpayer in the year. An *UnavailableError means monitoring cannot
	// be consulted at all (as opposed to: consulted, nothing found).
	MonthlyFigures(creditCode string, year int) ([]MonitoredFigure, error)
}

// MonitoredFigure is one outlet's monitored figure of one pollutant for
// one month.
type MonitoredFigure struct {
	Outlet           string // 排放口编号, as registered
	Kind             string // air or water
	Pollutant        string // statutory name, alias or HJ 212 code (the engine resolves it)
	Month            string // YYYY-MM
	EmissionKg       decimal.Decimal
	WastewaterT      decimal.NullDecimal
	AvgConcentration decimal.NullDecimal
	MaxConcentration decimal.NullDecimal
	// Verified: the monitoring store vouches for the figure (complete
	// data, reconciled); otherwise results using it say unverified.
	Verified bool
	Ref      string // where the figure is kept, for the trace
}

// UnavailableError says monitoring could not be consulted.
type UnavailableError struct{ Reason string }

func (e *UnavailableError) Error() string { return "monitoring unavailable: " + e.Reason }

// Unavailable is a Monitoring that has nothing: every call answers with
// its reason.
type Unavailable struct{ Reason string }

// MonthlyFigures implements Monitoring.
func (u Unavailable) MonthlyFigures(string, int) ([]MonitoredFigure, error) {
	return nil, &UnavailableError{Reason: u.Reason}
}

// StoredTaxpayer is a taxpayer as the store keeps it: registration,
// tax sources and the declarations of the year that are not drafts.
type StoredTaxpayer struct {
	Taxpayer     filing.Taxpayer
	Sources      []*filing.Source
	Declarations []StoredDeclaration
}

// StoredDeclaration is one submitted or accepted revision with its
// figures and stored assessment.
type StoredDeclaration struct {
	Declaration filing.Declaration
	Figures     []filing.Figure
}

// Gather decides, for every taxpayer and every month of the year in which
// it has a valid tax source, what the tax rests on: the latest submitted
// revision of each declaration holding the month; failing that, the
// monitored figures of the month; failing that, nothing (an unknown
// amount, with the reason).
func Gather(c Calculators, year int, tps []StoredTaxpayer, mon Monitoring) ([]Taxpayer, error) {
	if mon == nil {
		mon = Unavailable{Reason: "no monitoring source configured"}
	}
	out := make([]Taxpayer, 0, len(tps))
	for _, st := range tps {
		tp := Taxpayer{CreditCode: st.Taxpayer.CreditCode, Name: st.Taxpayer.Name, District: st.Taxpayer.Region}
		sources := map[int64]*filing.Source{}
		for _, s := range st.Sources {
			sources[s.ID] = s
		}
		latest := latestRevisions(st.Declarations, year)
		var monitored []MonitoredFigure
		var monErr error
		monAsked := false
		for _, m := range yearMonths(year) {
			var active []*filing.Source
			for _, s := range st.Sources {
				if s.ActiveIn(m) {
					active = append(active, s)
				}
			}
			if len(active) == 0 {
				continue // no tax source valid in the month: nothing is expected
			}
			tm := TaxMonth{Path: "taxpayer " + tp.CreditCode + " " + m, Month: m}
			var covering []*StoredDeclaration
			for _, d := range latest {
				if d.period.HasMonth(m) {
					covering = append(covering, d.stored)
				}
			}
			if len(covering) > 0 {
				if err := fromDeclarations(&tm, &st.Taxpayer, sources, covering); err != nil {
					return nil, err
				}
				tp.Months = append(tp.Months, tm)
				continue
			}
			if !monAsked {
				monitored, monErr = mon.MonthlyFigures(tp.CreditCode, year)
				monAsked = true
				var ue *UnavailableError
				if monErr != nil && !errors.As(monErr, &ue) {
					return nil, fmt.Errorf("budget: monitoring of %s: %w", tp.CreditCode, monErr)
				}
			}
			tm.Basis = BasisNone
			if monErr != nil {
				tm.Monitoring = monErr.Error()
				tp.Months = append(tp.Months, tm)
				continue
			}
			var figs []MonitoredFigure
			for _, f := range monitored {
				if f.Month == m {
					figs = append(figs, f)
				}
			}
			if len(figs) == 0 {
				tm.Monitoring = "no monitored figures for the month"
				tp.Months = append(tp.Months, tm)
				continue
			}
			fromMonitoring(c, &tm, &st.Taxpayer, active, figs)
			tp.Months = append(tp.Months, tm)
		}
		out = append(out, tp)
	}
	return out, nil
}

type periodDecl struct {
	period filing.Period
	stored *StoredDeclaration
}

// latestRevisions keeps, per period of the year, the highest revision
// that is not a draft (a correction still being drafted changes nothing).
func latestRevisions(ds []StoredDeclaration, year int) []periodDecl {
	best := map[string]*StoredDeclaration{}
	for i := range ds {
		d := &ds[i]
		if d.Declaration.Status == filing.StatusDraft {
			continue
		}
		if b := best[d.Declaration.Period]; b == nil || d.Declaration.Revision > b.Declaration.Revision {
			best[d.Declaration.Period] = d
		}
	}
	var out []periodDecl
	for text, d := range best {
		p, err := filing.ParsePeriod(text)
		if err != nil || p.Year != year {
			continue
		}
		out = append(out, periodDecl{period: p, stored: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].period.Text < out[j].period.Text })
	return out
}

// storedAssessment is the part of a stored assessment the budget reads.
type storedAssessment struct {
	Months []struct {
		Month string `json:"month"`
		Tax   string `json:"tax"`
	} `json:"months"`
	Lines []struct {
		Month      string `json:"month"`
		Unverified bool   `json:"unverified"`
	} `json:"lines"`
}

func fromDeclarations(tm *TaxMonth, tp *filing.Taxpayer, sources map[int64]*filing.Source, ds []*StoredDeclaration) error {
	tm.Basis = BasisDeclaration
	tm.Monitoring = "not needed"
	sum := decimal.Zero
	for _, sd := range ds {
		d := &sd.Declaration
		ref := fmt.Sprintf("申报#%d %s 第%d次(%s)", d.ID, d.Period, d.Revision, d.Status)
		tm.Refs = append(tm.Refs, ref)
		var a storedAssessment
		if err := json.Unmarshal(d.Assessment, &a); err != nil {
			return fmt.Errorf("budget: declaration %d: stored assessment: %w", d.ID, err)
		}
		found := false
		for _, mt := range a.Months {
			if mt.Month != tm.Month {
				continue
			}
			v, err := decimal.NewFromString(mt.Tax)
			if err != nil {
				return fmt.Errorf("budget: declaration %d: month %s tax %q: %w", d.ID, mt.Month, mt.Tax, err)
			}
			sum = sum.Add(v)
			found = true
		}
		if !found {
			tm.Note = strings.TrimPrefix(tm.Note+"; "+ref+" has no tax line for "+tm.Month+" (declared as zero)", "; ")
		}
		for _, l := range a.Lines {
			if l.Month == tm.Month && l.Unverified {
				tm.Unverified = true
			}
		}
		var figs []filing.Figure
		for _, f := range sd.Figures {
			if f.Month == tm.Month {
				figs = append(figs, f)
			}
		}
		if len(figs) == 0 {
			continue
		}
		per, err := filing.ParsePeriod(d.Period)
		if err != nil {
			return fmt.Errorf("budget: declaration %d: %w", d.ID, err)
		}
		built, errs := filing.BuildDirect(tp, per, sources, figs, nil)
		if len(errs) > 0 {
			return fmt.Errorf("budget: declaration %d, %s: %s: %s", d.ID, tm.Month, errs[0].Path, errs[0].Message)
		}
		req, err := built.Request()
		if err != nil {
			return fmt.Errorf("budget: declaration %d, %s: %w", d.ID, tm.Month, err)
		}
		tm.Requests = append(tm.Requests, req)
	}
	tm.Declared = decimal.NullDecimal{Decimal: sum, Valid: true}
	return nil
}

// fromMonitoring estimates a month from monitored figures (环境保护税法
// 第十条第（一）项: automatic monitoring data come first). Only air and water
// outlets are monitored; the month's other sources are listed as not
// covered. Figures the engine cannot assess leave the month without a basis,
// with the reason.
func fromMonitoring(c Calculators, tm *TaxMonth, tp *filing.Taxpayer, active []*filing.Source, figs []MonitoredFigure) {
	// The engine's request is built directly (no JSON written and read
	// back), as the decoder would read it: paths for the engine's faults.
	req := &calc.Request{Rounding: calc.PerLine2dp, Region: tp.Region, Taxpayer: calc.Taxpayer{CreditCode: tp.CreditCode, Name: tp.Name}}
	index := map[string]int{}
	covered := map[*filing.Source]bool{}
	unverified := false
	for _, f := range figs {
		if f.Kind != calc.KindAir && f.Kind != calc.KindWater {
			continue
		}
		key := f.Kind + "|" + f.Outlet
		i, ok := index[key]
		if !ok {
			i = len(req.Sources)
			index[key] = i
			m, _ := calc.ParseMonth(f.Month)
			req.Sources = append(req.Sources, calc.Source{Path: "sources[" + strconv.Itoa(i) + "]", ID: f.Outlet, Kind: f.Kind, MonthRaw: f.Month, Month: m})
		}
		src := &req.Sources[i]
		if f.WastewaterT.Valid && !src.WastewaterT.Valid {
			src.WastewaterT = f.WastewaterT
		}
		p := calc.PollutantInput{Path: src.Path + ".pollutants[" + strconv.Itoa(len(src.Pollutants)) + "]", Name: strings.TrimSpace(f.Pollutant),
			EmissionKg: decimal.NullDecimal{Decimal: f.EmissionKg, Valid: true}, Method: "automatic",
			AvgConcentration: f.AvgConcentration, MaxConcentration: f.MaxConcentration}
		for _, s := range active {
			if s.Kind == f.Kind && s.OutletNo == f.Outlet && calc.NormalizeName(s.Pollutant) == calc.NormalizeName(f.Pollutant) {
				covered[s] = true
				p.StandardConcentration = s.StandardConcentration
			}
		}
		src.Pollutants = append(src.Pollutants, p)
		unverified = unverified || !f.Verified
		ref := f.Ref
		if ref == "" {
			ref = "监测 " + f.Outlet + " " + f.Pollutant
		}
		tm.Refs = append(tm.Refs, ref)
	}
	for _, s := range active {
		if !covered[s] {
			tm.Uncovered = append(tm.Uncovered, s.Label())
		}
	}
	if len(req.Sources) == 0 {
		tm.Monitoring = "monitored figures exist but none for an air or water outlet"
		tm.Refs, tm.Uncovered = nil, nil
		return
	}
	_, err := c.Engine.Assess(req)
	if err != nil {
		detail := err.Error()
		if ce, ok := err.(*calc.Error); ok && len(ce.Errors) > 0 {
			detail = ce.Errors[0].Path + ": " + ce.Errors[0].Message
		}
		tm.Monitoring = "monitored figures cannot be assessed: " + detail
		tm.Refs, tm.Uncovered = nil, nil
		return
	}
	tm.Basis = BasisMonitoring
	tm.Monitoring = "used"
	tm.Requests = []*calc.Request{req}
	tm.Unverified = unverified
	if unverified {
		tm.Note = "monitored figures not vouched for by the monitoring store"
	}
}
