package exchange

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// Penalty statuses: a record stays active until a later revision of the
// same decision and outlet supersedes it.
const (
	PenaltyActive     = "active"
	PenaltySuperseded = "superseded"
)

// Penalty is a penalty record from the environment bureau for one outlet
// (or solid-waste source) of a taxpayer: the case (实施条例 第六条、第七条,
// fixtures/tax/penalties.csv), the period of the violation and the
// pollutants it covers, with the 产生量 fixed for each air or water
// pollutant and month. For that period the 产生量 is the base of the tax.
type Penalty struct {
	ID         int64       `json:"id" db:"id"`
	CreditCode string      `json:"credit_code" db:"credit_code"`
	CaseNo     string      `json:"case_no" db:"case_no"` // 处罚决定书文号
	OutletNo   string      `json:"outlet_no" db:"outlet_no"`
	Revision   int         `json:"revision" db:"revision"`
	ReplacesID *int64      `json:"replaces_id" db:"replaces_id"`
	Status     string      `json:"status" db:"status"`
	CaseCode   string      `json:"case_code" db:"case_code"`
	PeriodFrom filing.Date `json:"period_from" db:"period_from"`
	PeriodTo   filing.Date `json:"period_to" db:"period_to"`
	DecidedOn  filing.Date `json:"decided_on" db:"decided_on"`
	Note       string      `json:"note" db:"note"`
	CreatedBy  string      `json:"created_by" db:"created_by"`
	CreatedAt  time.Time   `json:"created_at" db:"created_at"`
	Superseded *time.Time  `json:"superseded_at" db:"superseded_at"`
	Pollutants []string    `json:"pollutants" db:"-"`
	Generated  []Generated `json:"generated" db:"-"`
}

// Generated is the 产生量 of one pollutant in one month.
type Generated struct {
	Pollutant   string          `json:"pollutant" db:"pollutant"`
	Month       string          `json:"month" db:"month"`
	GeneratedKg decimal.Decimal `json:"generated_kg" db:"generated_kg"`
}

// Months lists the months the violation touches, YYYY-MM.
func (p *Penalty) Months() []string {
	from, to := p.PeriodFrom.Day(), p.PeriodTo.Day()
	var out []string
	for y, m := from.Year(), from.Month(); y < to.Year() || (y == to.Year() && m <= to.Month()); {
		out = append(out, fmt.Sprintf("%04d-%02d", y, m))
		if m++; m > 12 {
			y, m = y+1, 1
		}
	}
	return out
}

// Covers reports whether the violation touches month YYYY-MM.
func (p *Penalty) Covers(month string) bool {
	for _, m := range p.Months() {
		if m == month {
			return true
		}
	}
	return false
}

// Names reports whether the record names the pollutant.
func (p *Penalty) Names(pollutant string) bool {
	for _, x := range p.Pollutants {
		if x == pollutant {
			return true
		}
	}
	return false
}

// GeneratedFor is the fixed 产生量 of a pollutant in a month, if any.
func (p *Penalty) GeneratedFor(pollutant, month string) decimal.NullDecimal {
	for _, g := range p.Generated {
		if g.Pollutant == pollutant && g.Month == month {
			return decimal.NullDecimal{Decimal: g.GeneratedKg, Valid: true}
		}
	}
	return decimal.NullDecimal{}
}

// CheckPenalty names every bad field of a penalty record against the
// taxpayer's sources and the penalty cases in force. Paths are the JSON
// names of the record.
func CheckPenalty(p *Penalty, sources []*filing.Source, cases []calc.Penalty) []calc.FieldError {
	var errs []calc.FieldError
	add := func(path, code, format string, args ...any) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	for _, f := range []struct{ path, v string }{{"case_no", p.CaseNo}, {"outlet_no", p.OutletNo}} {
		if f.v == "" {
			add(f.path, "required", "%s is required", f.path)
		} else if msg := checkValue(Text, f.v); msg != "" || len(f.v) > 200 {
			add(f.path, "invalid_value", "at most 200 characters, no control characters")
		}
	}
	if msg := checkValue(Text, p.Note); msg != "" {
		add("note", "invalid_value", "note %s", msg)
	}
	dates := true
	for _, d := range []struct {
		path string
		v    filing.Date
	}{{"period_from", p.PeriodFrom}, {"period_to", p.PeriodTo}, {"decided_on", p.DecidedOn}} {
		if d.v == "" {
			add(d.path, "required", "%s is required (YYYY-MM-DD)", d.path)
			dates = false
		}
	}
	if dates && p.PeriodTo < p.PeriodFrom {
		add("period_to", "invalid_value", "period_to %s is before period_from %s", p.PeriodTo, p.PeriodFrom)
		dates = false
	}
	if dates && p.PeriodFrom.Day().Year() < 2018 {
		add("period_from", "invalid_value", "the tax exists from 2018-01-01")
		dates = false
	}
	var kase *calc.Penalty
	if p.CaseCode == "" {
		add("case_code", "required", "case_code is required")
	} else {
		var known []string
		for i := range cases {
			c := &cases[i]
			known = append(known, c.Code)
			if c.Code == p.CaseCode && (p.DecidedOn == "" || c.Range.Contains(p.DecidedOn.Day())) {
				kase = c
			}
		}
		if kase == nil {
			add("case_code", "invalid_value", "%q is not a case in force on %s (known: %s)", p.CaseCode, p.DecidedOn, strings.Join(dedupe(known), ", "))
		}
	}
	if len(p.Pollutants) == 0 {
		add("pollutants", "required", "name at least one pollutant (or, for solid waste, the waste)")
	}
	// Each pollutant must be a registered source of the outlet whose kind
	// the case covers.
	kindOf := map[string]string{}
	var outletKnown bool
	for _, s := range sources {
		if s.OutletNo != p.OutletNo {
			continue
		}
		outletKnown = true
		if dates && !activeBetween(s, p.PeriodFrom.Day(), p.PeriodTo.Day()) {
			continue
		}
		kindOf[s.Pollutant] = s.Kind
	}
	if p.OutletNo != "" && !outletKnown {
		add("outlet_no", "unknown_outlet", "the taxpayer has no tax source at outlet %s", p.OutletNo)
	}
	seen := map[string]bool{}
	for i, name := range p.Pollutants {
		path := fmt.Sprintf("pollutants[%d]", i)
		kind, ok := kindOf[name]
		switch {
		case seen[name]:
			add(path, "duplicate", "%s is named twice", name)
		case !outletKnown:
		case !ok:
			add(path, "unknown_pollutant", "outlet %s has no source for %q valid during the violation", p.OutletNo, name)
		case kase != nil && !oneOf(kind, kase.Kinds):
			add(path, "not_applicable", "case %s covers %s, not a %s source (%s)", kase.Code, strings.Join(kase.Kinds, ", "), kind, kase.Rule)
		}
		seen[name] = true
	}
	months := map[string]bool{}
	if dates {
		for _, m := range p.Months() {
			months[m] = true
		}
	}
	gseen := map[string]bool{}
	for i, g := range p.Generated {
		path := fmt.Sprintf("generated[%d]", i)
		key := g.Pollutant + "|" + g.Month
		switch {
		case !seen[g.Pollutant]:
			add(path+".pollutant", "invalid_value", "%q is not among the record's pollutants", g.Pollutant)
		case kindOf[g.Pollutant] != filing.KindAir && kindOf[g.Pollutant] != filing.KindWater && kindOf[g.Pollutant] != "":
			add(path+".pollutant", "not_applicable", "%s is solid waste: its 产生量 is the month's generated_t on the declaration (实施条例 第六条)", g.Pollutant)
		case dates && !months[g.Month]:
			add(path+".month", "invalid_value", "%q is not a month of the violation (%s – %s)", g.Month, p.PeriodFrom, p.PeriodTo)
		case gseen[key]:
			add(path, "duplicate", "%s %s is given twice", g.Pollutant, g.Month)
		case g.GeneratedKg.Sign() < 0:
			add(path+".generated_kg", "invalid_number", "the 产生量 cannot be negative")
		}
		gseen[key] = true
	}
	return errs
}

func activeBetween(s *filing.Source, from, to param.Date) bool {
	sf, st := s.ValidFrom.Day(), s.ValidTo.Day()
	return sf <= to && (st == 0 || st >= from)
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// PenaltyBases finds, for each air, water or solid-waste figure of a
// declaration, the active penalty record that makes its 产生量 the base,
// and the 产生量 fixed for it (air and water). Records are taken in the
// order given (the store lists them by ID), so when two records cover the
// same figure the first decides the case.
func PenaltyBases(pens []*Penalty, sources map[int64]*filing.Source, figs []filing.Figure) map[filing.FigureKey]filing.PenaltyBase {
	out := map[filing.FigureKey]filing.PenaltyBase{}
	for _, f := range figs {
		s := sources[f.SourceID]
		if s == nil || (s.Kind != filing.KindAir && s.Kind != filing.KindWater && s.Kind != filing.KindSolidWaste) {
			continue
		}
		k := filing.FigureKey{SourceID: f.SourceID, Month: f.Month}
		for _, p := range pens {
			if p.Status != PenaltyActive || p.OutletNo != s.OutletNo || !p.Names(s.Pollutant) || !p.Covers(f.Month) {
				continue
			}
			if _, done := out[k]; done {
				break
			}
			b := filing.PenaltyBase{Case: p.CaseCode}
			if s.Kind != filing.KindSolidWaste {
				b.GeneratedKg = p.GeneratedFor(s.Pollutant, f.Month)
			}
			out[k] = b
		}
	}
	return out
}

// SamePenalty reports whether two revisions of a record say the same:
// case, period, decision day, note, pollutants and 产生量 (in any order).
func SamePenalty(a, b *Penalty) bool {
	if a.CaseCode != b.CaseCode || a.PeriodFrom != b.PeriodFrom || a.PeriodTo != b.PeriodTo || a.DecidedOn != b.DecidedOn || a.Note != b.Note {
		return false
	}
	ap, bp := append([]string(nil), a.Pollutants...), append([]string(nil), b.Pollutants...)
	sort.Strings(ap)
	sort.Strings(bp)
	if strings.Join(ap, "\x00") != strings.Join(bp, "\x00") || len(a.Generated) != len(b.Generated) {
		return false
	}
	gen := map[string]decimal.Decimal{}
	for _, g := range a.Generated {
		gen[g.Pollutant+"|"+g.Month] = g.GeneratedKg
	}
	for _, g := range b.Generated {
		if v, ok := gen[g.Pollutant+"|"+g.Month]; !ok || !v.Equal(g.GeneratedKg) {
			return false
		}
	}
	return true
}
