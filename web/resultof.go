package web

import (
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

// ResultOf is the page's view of an assessment made in this process: the
// strings the contract's JSON writer prints (calc.Result.AppendJSON, full
// trace), taken from the result itself rather than written as JSON and
// read back. A stored assessment, which exists only as that JSON, is read
// with ParseResult; a test holds the two equal on every golden case.
func ResultOf(r *calc.Result) *Result {
	out := &Result{
		Region:         r.Region,
		Period:         r.Period,
		TotalTaxDue:    money(r.TotalTaxDue),
		TotalReduction: money(r.TotalReduction),
		TotalTax:       money(r.TotalTax),
		Rounding:       string(r.Rounding),
		Lines:          make([]ResultLine, len(r.Lines)),
		Months:         make([]ResultMonth, len(r.Months)),
		Parameters:     make([]ResultParam, len(r.Parameters)),
	}
	if r.Taxpayer != (calc.Taxpayer{}) {
		out.Taxpayer = &struct {
			CreditCode string `json:"credit_code"`
			Name       string `json:"name"`
		}{r.Taxpayer.CreditCode, r.Taxpayer.Name}
	}
	eqPlaces := int32(2)
	if r.Rounding == calc.Exact {
		eqPlaces = 4
	}
	for i := range r.Lines {
		l := &r.Lines[i]
		out.Lines[i] = ResultLine{
			Source: l.Source, Month: l.Month, Kind: l.Kind, Pollutant: l.Pollutant, Path: l.Path, Group: l.Group,
			Fugitive: l.Fugitive, Quantity: figure(l.Quantity, -1), Unit: l.Unit,
			EquivalentValue: optFigure(l.EquivalentValue, -1), Equivalents: optFigure(l.Equivalents, eqPlaces),
			Rank: l.Rank, Taxed: l.Taxed, Reason: l.Reason, Rate: optFigure(l.Rate, -1), ExceedDB: optFigure(l.ExceedDB, -1),
			Halved: l.Halved, Doubled: l.Doubled, TaxDue: money(l.TaxDue), ReductionFactor: optFigure(l.ReductionFactor, -1),
			Reduction: money(l.Reduction), Tax: money(l.Tax), Rules: append([]string{}, l.Rules...), Unverified: l.Unverified,
		}
	}
	for i, m := range r.Months {
		out.Months[i] = ResultMonth{Month: m.Month, TaxDue: money(m.TaxDue), Reduction: money(m.Reduction), Tax: money(m.Tax)}
	}
	for i, p := range r.Parameters {
		out.Parameters[i] = ResultParam{Key: p.Key, Region: p.Region, Value: p.Value, EffectiveFrom: p.EffectiveFrom,
			EffectiveTo: p.EffectiveTo, Source: p.Source, Verified: p.Verified, Confidence: p.Confidence, Where: p.Where}
	}
	out.Warnings = make([]struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Path    string `json:"path"`
	}, len(r.Warnings))
	for i, w := range r.Warnings {
		out.Warnings[i].Code, out.Warnings[i].Message, out.Warnings[i].Path = w.Code, w.Message, w.Path
	}
	steps := r.StepsAt(calc.TraceFull)
	out.Trace = make([]TraceStep, len(steps))
	for i, s := range steps {
		out.Trace[i] = TraceStep{N: s.N, Step: s.Step, Source: s.Source, Month: s.Month, Pollutant: s.Pollutant, Rule: s.Rule, Text: s.Text}
	}
	return out
}

// figure prints a decimal as the contract's writer does: as it is when
// places < 0, with exactly places decimals otherwise.
func figure(d decimal.Decimal, places int32) string {
	return string(param.AppendDecimal(nil, d, places))
}

func money(d decimal.Decimal) string { return figure(d, 2) }

func optFigure(d decimal.NullDecimal, places int32) string {
	if !d.Valid {
		return ""
	}
	return figure(d.Decimal, places)
}

// DeclarationResult is the view of a declaration's assessment: the one a
// draft gets now (assessed), or a filed revision's as stored; nil when
// there is neither.
func DeclarationResult(assessed *calc.Result, stored []byte) (*Result, error) {
	switch {
	case assessed != nil:
		return ResultOf(assessed), nil
	case len(stored) > 0:
		return ParseResult(stored)
	}
	return nil, nil
}
