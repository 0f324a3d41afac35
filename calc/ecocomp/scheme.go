// Package ecocomp settles horizontal ecological compensation (横向生态保护
// 补偿) between districts: per cross-section (断面) and period, the measured
// water against its target and against a comparison (the same month last
// year, or the inflow section) decides who pays whom and how much; the
// periods add up to an annual settlement netted per pair of districts.
// Quota trades (forest coverage) are settled the same way.
//
// The amounts and rules are a dated scheme read from data, so another
// scheme of the same shape (Beijing per-class amounts, a Xin'an-style
// index, forest-quota prices) is new data, not new code. The package is
// pure: no files, no clock.
package ecocomp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Measure is what a scheme compares.
type Measure string

const (
	// MeasureWaterClass: each period gives the section's water class (I…劣V)
	// and the class it is compared with; the section meets its target when
	// its class is at or better than the target class.
	MeasureWaterClass Measure = "water_class"
	// MeasureIndex: each period gives an index (lower is better, e.g. the
	// Xin'an River P value) or the official verdict; the section meets the
	// target when the index is at most the scheme's IndexMax.
	MeasureIndex Measure = "index"
	// MeasureQuota: a buyer pays a seller a price per unit of quota (forest
	// coverage, 森林覆盖率指标交易).
	MeasureQuota Measure = "quota"
)

// Period units.
const (
	PeriodMonth = "month"
	PeriodYear  = "year"
	PeriodTrade = "trade" // one settlement per dated trade
)

// Comparisons a water-class scheme can make.
const (
	ComparePreviousYear = "previous_year_same_period" // 与上年同期相比
	CompareInflow       = "inflow_section"            // 与入境断面相比
)

// Scheme is one compensation scheme.
type Scheme struct {
	ID           string
	Jurisdiction string
	Title        string // Chinese title shown to users
	Measure      Measure
	Period       string
	Comparison   string              // water_class only
	IndexMax     decimal.NullDecimal // index only; the meta below is this figure's
	QuantityUnit string              // quota only, e.g. mu
	Verification string              // the source's own label
	Note         string
	param.Meta
}

// Rule conditions and roles.
const (
	TargetMeets  = "meets"
	TargetMisses = "misses"
	Any          = "any"

	TrendImproved  = "improved"
	TrendUnchanged = "unchanged"
	TrendDeclined  = "declined"

	PayerUpstream   = "upstream"
	PayerDownstream = "downstream"
	PayerBuyer      = "buyer"
	PayerNone       = "none"

	BasisFixed        = "fixed"                 // Amount per section per period
	BasisPerClass     = "per_class_change"      // Amount × classes changed against the comparison
	BasisPerClassOver = "per_class_over_target" // Amount × classes worse than the target
	BasisPerUnit      = "per_unit"              // Amount × quantity (quota)
)

// amountDecimalsMax: amounts are in 元 to 分.
const amountDecimalsMax = 2

// Rule says, for one outcome of a section in one period, who pays and how
// much. In a scheme every outcome matches exactly one rule on every day.
type Rule struct {
	Scheme       string
	Target       string // meets, misses or any
	Trend        string // improved, unchanged, declined or any
	Payer        string // upstream, downstream, buyer or none
	Amount       decimal.Decimal
	Basis        string
	Verification string
	Note         string
	param.Meta
}

func (r *Rule) matches(target, trend string) bool {
	return (r.Target == Any || r.Target == target) && (r.Trend == Any || r.Trend == trend)
}

// Catalog is every scheme and rule, checked for consistency.
type Catalog struct {
	Schemes []Scheme
	Rules   []Rule
}

func oneOf(s string, allowed ...string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	return false
}

// outcomes lists the (target, trend) pairs a measure can produce.
func outcomes(m Measure) [][2]string {
	switch m {
	case MeasureWaterClass:
		var out [][2]string
		for _, t := range []string{TargetMeets, TargetMisses} {
			for _, tr := range []string{TrendImproved, TrendUnchanged, TrendDeclined} {
				out = append(out, [2]string{t, tr})
			}
		}
		return out
	case MeasureIndex:
		return [][2]string{{TargetMeets, Any}, {TargetMisses, Any}}
	}
	return [][2]string{{Any, Any}}
}

// NewCatalog checks schemes and rules: known words, amounts in 分, rules
// inside their scheme's dates, and — on every day a scheme is in force —
// exactly one rule for every outcome. Messages start with file:line.
func NewCatalog(schemes []Scheme, rules []Rule) (*Catalog, error) {
	var errs []string
	bad := func(m param.Meta, format string, args ...any) {
		errs = append(errs, m.Where()+": "+fmt.Sprintf(format, args...))
	}
	byID := map[string]*Scheme{}
	for i := range schemes {
		s := &schemes[i]
		if prev, ok := byID[s.ID]; ok {
			bad(s.Meta, "scheme %q already defined at %s", s.ID, prev.Where())
			continue
		}
		byID[s.ID] = s
		switch s.Measure {
		case MeasureWaterClass:
			if !oneOf(s.Period, PeriodMonth, PeriodYear) {
				bad(s.Meta, "column period: a water-class scheme settles by month or year, not %q", s.Period)
			}
			if !oneOf(s.Comparison, ComparePreviousYear, CompareInflow) {
				bad(s.Meta, "column comparison: %q is not %s or %s", s.Comparison, ComparePreviousYear, CompareInflow)
			}
		case MeasureIndex:
			if !oneOf(s.Period, PeriodMonth, PeriodYear) {
				bad(s.Meta, "column period: an index scheme settles by month or year, not %q", s.Period)
			}
			if !s.IndexMax.Valid {
				bad(s.Meta, "column index_max: an index scheme needs the highest index that still meets the target")
			}
		case MeasureQuota:
			if s.Period != PeriodTrade {
				bad(s.Meta, "column period: a quota scheme settles per trade, not %q", s.Period)
			}
			if s.QuantityUnit == "" {
				bad(s.Meta, "column quantity_unit: a quota scheme needs the unit traded")
			}
		default:
			bad(s.Meta, "column measure: %q is not water_class, index or quota", s.Measure)
		}
		if s.Measure != MeasureWaterClass && s.Comparison != "" {
			bad(s.Meta, "column comparison: only a water_class scheme compares classes")
		}
		if s.Measure != MeasureIndex && s.IndexMax.Valid {
			bad(s.Meta, "column index_max: only an index scheme has one")
		}
		if s.Measure != MeasureQuota && s.QuantityUnit != "" {
			bad(s.Meta, "column quantity_unit: only a quota scheme has one")
		}
	}
	for i := range rules {
		r := &rules[i]
		s, ok := byID[r.Scheme]
		if !ok {
			bad(r.Meta, "column scheme: unknown scheme %q", r.Scheme)
			continue
		}
		checkRule(s, r, func(format string, args ...any) { bad(r.Meta, format, args...) })
		if r.From < s.From || s.To != 0 && (r.To == 0 || r.To > s.To) {
			bad(r.Meta, "rule dates %s lie outside scheme %s (%s)", r.Range, s.ID, s.Range)
		}
		for j := 0; j < i; j++ {
			o := &rules[j]
			if o.Scheme == r.Scheme && o.Range.Overlaps(r.Range) &&
				(o.Target == Any || r.Target == Any || o.Target == r.Target) &&
				(o.Trend == Any || r.Trend == Any || o.Trend == r.Trend) {
				bad(r.Meta, "rule %s/%s overlaps the rule at %s on the same dates", r.Target, r.Trend, o.Where())
			}
		}
	}
	if len(errs) == 0 {
		errs = append(errs, coverage(schemes, rules)...)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("eco-compensation schemes:\n  %s", strings.Join(errs, "\n  "))
	}
	return &Catalog{Schemes: schemes, Rules: rules}, nil
}

func checkRule(s *Scheme, r *Rule, bad func(string, ...any)) {
	switch s.Measure {
	case MeasureWaterClass:
		if !oneOf(r.Target, TargetMeets, TargetMisses, Any) {
			bad("column target: %q is not meets, misses or any", r.Target)
		}
		if !oneOf(r.Trend, TrendImproved, TrendUnchanged, TrendDeclined, Any) {
			bad("column trend: %q is not improved, unchanged, declined or any", r.Trend)
		}
		if !oneOf(r.Payer, PayerUpstream, PayerDownstream, PayerNone) {
			bad("column payer: %q is not upstream, downstream or none", r.Payer)
		}
		if !oneOf(r.Basis, BasisFixed, BasisPerClass, BasisPerClassOver) {
			bad("column basis: %q is not fixed, per_class_change or per_class_over_target", r.Basis)
		}
		if r.Basis == BasisPerClass && !oneOf(r.Trend, TrendImproved, TrendDeclined) {
			bad("column basis: per_class_change needs trend improved or declined (otherwise no class changed)")
		}
		if r.Basis == BasisPerClassOver && r.Target != TargetMisses {
			bad("column basis: per_class_over_target needs target misses")
		}
	case MeasureIndex:
		if !oneOf(r.Target, TargetMeets, TargetMisses, Any) {
			bad("column target: %q is not meets, misses or any", r.Target)
		}
		if r.Trend != Any {
			bad("column trend: an index scheme has no trend; write any")
		}
		if !oneOf(r.Payer, PayerUpstream, PayerDownstream, PayerNone) {
			bad("column payer: %q is not upstream, downstream or none", r.Payer)
		}
		if r.Basis != BasisFixed {
			bad("column basis: an index scheme pays a fixed amount per period")
		}
	case MeasureQuota:
		if r.Target != Any || r.Trend != Any {
			bad("column target: a quota rule applies to every trade; write any/any")
		}
		if r.Payer != PayerBuyer {
			bad("column payer: in a quota scheme the buyer pays")
		}
		if r.Basis != BasisPerUnit {
			bad("column basis: a quota scheme prices per unit")
		}
	}
	if r.Payer == PayerNone && !r.Amount.IsZero() {
		bad("column amount: a rule where nobody pays must have amount 0")
	}
	if r.Payer != PayerNone && !r.Amount.IsPositive() {
		bad("column amount: a paying rule needs an amount above 0")
	}
	if !r.Amount.Equal(r.Amount.Round(amountDecimalsMax)) {
		bad("column amount: %s has more than 2 decimals (amounts are in 元 to 分)", r.Amount)
	}
}

// coverage checks that on every day a scheme's rules can change, every
// outcome of the scheme's measure matches exactly one rule.
func coverage(schemes []Scheme, rules []Rule) []string {
	var errs []string
	for i := range schemes {
		s := &schemes[i]
		days := []param.Date{s.From}
		for j := range rules {
			r := &rules[j]
			if r.Scheme != s.ID {
				continue
			}
			days = append(days, r.From)
			if r.To != 0 {
				days = append(days, r.To.AddDays(1))
			}
		}
		sort.Slice(days, func(a, b int) bool { return days[a] < days[b] })
		for _, d := range days {
			if !s.Contains(d) {
				continue
			}
			for _, oc := range outcomes(s.Measure) {
				n := 0
				for j := range rules {
					r := &rules[j]
					if r.Scheme == s.ID && r.Contains(d) && r.matches(oc[0], oc[1]) {
						n++
					}
				}
				if n == 0 {
					errs = append(errs, fmt.Sprintf("%s: scheme %s has no rule for outcome %s/%s on %s (write a rule, with payer none if nothing is paid)", s.Where(), s.ID, oc[0], oc[1], d))
				}
			}
		}
	}
	return errs
}

// Scheme finds a scheme by id.
func (c *Catalog) Scheme(id string) *Scheme {
	for i := range c.Schemes {
		if c.Schemes[i].ID == id {
			return &c.Schemes[i]
		}
	}
	return nil
}

// IDs lists the scheme ids, for messages.
func (c *Catalog) IDs() []string {
	out := make([]string, len(c.Schemes))
	for i, s := range c.Schemes {
		out[i] = s.ID
	}
	return out
}

// rule finds the rule for an outcome in force over the whole span [a, b].
func (c *Catalog) rule(scheme, target, trend string, a, b param.Date) *Rule {
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Scheme == scheme && r.matches(target, trend) && r.Covers(a, b) {
			return r
		}
	}
	return nil
}

// RulesOf lists the rules of a scheme, for listings.
func (c *Catalog) RulesOf(scheme string) []Rule {
	var out []Rule
	for _, r := range c.Rules {
		if r.Scheme == scheme {
			out = append(out, r)
		}
	}
	return out
}

// Class is a surface-water quality class (GB 3838-2002), 1 = I … 6 = 劣V.
type Class int

var classNames = [...]string{"", "I", "II", "III", "IV", "V", "劣V"}

// ClassNames lists the valid spellings in order.
func ClassNames() []string { return append([]string(nil), classNames[1:]...) }

// ParseClass reads I, II, III, IV, V or 劣V.
func ParseClass(s string) (Class, bool) {
	for i := 1; i < len(classNames); i++ {
		if s == classNames[i] {
			return Class(i), true
		}
	}
	return 0, false
}

func (c Class) String() string {
	if c < 1 || int(c) >= len(classNames) {
		return "?"
	}
	return classNames[c]
}
