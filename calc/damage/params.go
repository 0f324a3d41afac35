// Package damage quantifies an ecological-environment damage claim
// (生态环境损害赔偿): the virtual treatment cost method
// (虚拟治理成本法: 排放量 × 单位治理成本 × 调整系数) and the other losses and
// costs a claim may hold under 民法典 第一千二百三十五条, summed with a trace
// that cites the article or standard behind each step.
//
// The package is pure: the parameters (multiplier ranges, coefficients)
// arrive as dated rows from the fixtures package; nothing here reads files
// or the clock.
package damage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Method is how a parameter set turns a virtual treatment cost into damage.
type Method string

const (
	// MethodMultiplier is the 2014 推荐方法 (第II版) as courts apply it:
	// damage = virtual cost × a multiplier chosen inside the range of the
	// receiving medium's environmental function class.
	MethodMultiplier Method = "multiplier"
	// MethodGamma is the GB/T 39793.2-2020 water method as read from
	// secondary code: damage = virtual cost × γ, γ = α × τ × ω, τ from the
	// exceedance multiple κ. Its coefficients are not verified.
	MethodGamma Method = "gamma"
)

// ParamSet is one named, dated set of parameters a request chooses.
type ParamSet struct {
	ID     string
	Method Method
	Title  string // Chinese title shown to users
	Note   string
	param.Meta
}

// MultiplierRange is the allowed multiplier for one medium and function
// class. Known is false for rows the method has but whose figures were
// never confirmed: choosing them is an error, not a default.
type MultiplierRange struct {
	Set          string
	Medium       string // surface_water, ambient_air, groundwater, soil
	Class        string // function class as the method names it: III, class_2_zone, …
	Known        bool
	Low          decimal.Decimal
	LowExclusive bool                // ">8": the low end itself is not allowed
	High         decimal.NullDecimal // invalid: no upper end
	Verification string              // the source's own label, e.g. verified_in_court_text
	Note         string
	param.Meta
}

// Allows reports whether multiplier m lies in the range.
func (r *MultiplierRange) Allows(m decimal.Decimal) bool {
	if r.LowExclusive && !m.GreaterThan(r.Low) || !r.LowExclusive && m.LessThan(r.Low) {
		return false
	}
	return !r.High.Valid || m.LessThanOrEqual(r.High.Decimal)
}

// Text writes the range as the method does: "4.5–6", ">8", "≥5".
func (r *MultiplierRange) Text() string {
	if !r.Known {
		return "未确认"
	}
	if !r.High.Valid {
		if r.LowExclusive {
			return ">" + r.Low.String()
		}
		return "≥" + r.Low.String()
	}
	return r.Low.String() + "–" + r.High.Decimal.String()
}

// Coefficient names of the γ method.
const (
	CoefAlpha = "alpha" // 危害系数 α: chosen by the assessor inside a range
	CoefOmega = "omega" // 环境功能系数 ω: chosen inside a range
	CoefTau   = "tau"   // 超标系数 τ: read from the band of κ
)

// Coefficient is one row of the γ method: a range (α, ω) or a τ band.
type Coefficient struct {
	Set    string
	Medium string // water
	Name   string // alpha, omega, tau
	// τ band: KappaAbove < κ ≤ KappaTo; an invalid end is unbounded.
	KappaAbove decimal.NullDecimal
	KappaTo    decimal.NullDecimal
	Low, High  decimal.Decimal // range for α and ω; Low = High = τ for a band
	// Verification is the source's own label.
	Verification string
	Note         string
	param.Meta
}

func (c *Coefficient) inBand(k decimal.Decimal) bool {
	return (!c.KappaAbove.Valid || k.GreaterThan(c.KappaAbove.Decimal)) && (!c.KappaTo.Valid || k.LessThanOrEqual(c.KappaTo.Decimal))
}

// Params is every damage parameter, checked for consistency.
type Params struct {
	Sets         []ParamSet
	Multipliers  []MultiplierRange
	Coefficients []Coefficient
}

// NewParams checks the rows against each other: unique, non-overlapping
// keys per date, ranges the right way round, τ bands that neither overlap
// nor leave gaps. Each message starts with the file and line of the row.
func NewParams(sets []ParamSet, mults []MultiplierRange, coefs []Coefficient) (*Params, error) {
	var errs []string
	bad := func(m param.Meta, format string, args ...any) {
		errs = append(errs, m.Where()+": "+fmt.Sprintf(format, args...))
	}
	setByID := map[string]*ParamSet{}
	for i := range sets {
		s := &sets[i]
		if s.Method != MethodMultiplier && s.Method != MethodGamma {
			bad(s.Meta, "column method: %q is not multiplier or gamma", s.Method)
		}
		if prev, ok := setByID[s.ID]; ok {
			bad(s.Meta, "parameter set %q already defined at %s", s.ID, prev.Where())
			continue
		}
		setByID[s.ID] = s
	}
	for i := range mults {
		m := &mults[i]
		s, ok := setByID[m.Set]
		switch {
		case !ok:
			bad(m.Meta, "column set: unknown parameter set %q", m.Set)
		case s.Method != MethodMultiplier:
			bad(m.Meta, "column set: parameter set %q uses method %s, not multiplier ranges", m.Set, s.Method)
		}
		if m.Known {
			if !m.Low.IsPositive() {
				bad(m.Meta, "column low: a multiplier must be above zero")
			}
			if m.High.Valid && m.High.Decimal.LessThan(m.Low) {
				bad(m.Meta, "column high: %s is below low %s", m.High.Decimal, m.Low)
			}
			if m.High.Valid && m.LowExclusive && !m.High.Decimal.GreaterThan(m.Low) {
				bad(m.Meta, "column high: the range (%s, %s] is empty", m.Low, m.High.Decimal)
			}
		}
		for j := 0; j < i; j++ {
			o := &mults[j]
			if o.Set == m.Set && o.Medium == m.Medium && o.Class == m.Class && o.Range.Overlaps(m.Range) {
				bad(m.Meta, "%s/%s/%s overlaps the row at %s", m.Set, m.Medium, m.Class, o.Where())
			}
		}
	}
	for i := range coefs {
		c := &coefs[i]
		s, ok := setByID[c.Set]
		switch {
		case !ok:
			bad(c.Meta, "column set: unknown parameter set %q", c.Set)
		case s.Method != MethodGamma:
			bad(c.Meta, "column set: parameter set %q uses method %s, not γ coefficients", c.Set, s.Method)
		}
		switch c.Name {
		case CoefAlpha, CoefOmega:
			if c.KappaAbove.Valid || c.KappaTo.Valid {
				bad(c.Meta, "column kappa_above: %s is a range, not a κ band", c.Name)
			}
			if !c.Low.IsPositive() || c.High.LessThan(c.Low) {
				bad(c.Meta, "column high: range %s–%s is not a positive range", c.Low, c.High)
			}
		case CoefTau:
			if !c.Low.Equal(c.High) || !c.Low.IsPositive() {
				bad(c.Meta, "column high: a τ band has one positive value (low = high)")
			}
			if c.KappaAbove.Valid && c.KappaTo.Valid && !c.KappaTo.Decimal.GreaterThan(c.KappaAbove.Decimal) {
				bad(c.Meta, "column kappa_to: band (%s, %s] is empty", c.KappaAbove.Decimal, c.KappaTo.Decimal)
			}
		default:
			bad(c.Meta, "column coefficient: %q is not alpha, omega or tau", c.Name)
		}
		for j := 0; j < i; j++ {
			o := &coefs[j]
			if o.Set != c.Set || o.Medium != c.Medium || o.Name != c.Name || !o.Range.Overlaps(c.Range) {
				continue
			}
			if c.Name != CoefTau || bandsOverlap(o, c) {
				bad(c.Meta, "%s/%s/%s overlaps the row at %s", c.Set, c.Medium, c.Name, o.Where())
			}
		}
	}
	errs = append(errs, tauGaps(coefs)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("damage parameters:\n  %s", strings.Join(errs, "\n  "))
	}
	return &Params{Sets: sets, Multipliers: mults, Coefficients: coefs}, nil
}

func bandsOverlap(a, b *Coefficient) bool {
	// (a1, a2] and (b1, b2] overlap iff a1 < b2 and b1 < a2 (open ends unbounded).
	less := func(lo, hi decimal.NullDecimal) bool {
		return !lo.Valid || !hi.Valid || lo.Decimal.LessThan(hi.Decimal)
	}
	return less(a.KappaAbove, b.KappaTo) && less(b.KappaAbove, a.KappaTo)
}

// tauGaps checks that the τ bands in force on the same dates chain from
// −∞ to +∞ with no gap, so every κ finds exactly one band.
func tauGaps(coefs []Coefficient) []string {
	groups := map[string][]*Coefficient{}
	var keys []string
	for i := range coefs {
		c := &coefs[i]
		if c.Name != CoefTau {
			continue
		}
		k := c.Set + "/" + c.Medium + "/" + c.Range.String()
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	var errs []string
	for _, k := range keys {
		g := groups[k]
		sort.SliceStable(g, func(i, j int) bool {
			a, b := g[i].KappaAbove, g[j].KappaAbove
			return !a.Valid && b.Valid || a.Valid && b.Valid && a.Decimal.LessThan(b.Decimal)
		})
		if g[0].KappaAbove.Valid {
			errs = append(errs, fmt.Sprintf("%s: τ bands of %s start at κ > %s; the lowest band needs an empty kappa_above", g[0].Where(), k, g[0].KappaAbove.Decimal))
		}
		for i := 1; i < len(g); i++ {
			prev, cur := g[i-1], g[i]
			if !prev.KappaTo.Valid || !cur.KappaAbove.Valid || !prev.KappaTo.Decimal.Equal(cur.KappaAbove.Decimal) {
				errs = append(errs, fmt.Sprintf("%s: τ band does not start where the band at %s ends", cur.Where(), prev.Where()))
			}
		}
		if last := g[len(g)-1]; last.KappaTo.Valid {
			errs = append(errs, fmt.Sprintf("%s: τ bands of %s end at κ ≤ %s; the highest band needs an empty kappa_to", last.Where(), k, last.KappaTo.Decimal))
		}
	}
	return errs
}

// Set finds a parameter set in force on day d.
func (p *Params) Set(id string, d param.Date) (*ParamSet, *ParamSet) {
	var any *ParamSet
	for i := range p.Sets {
		s := &p.Sets[i]
		if s.ID != id {
			continue
		}
		any = s
		if s.Contains(d) {
			return s, s
		}
	}
	return nil, any
}

// Multiplier finds the range for a medium and class in force on day d.
func (p *Params) Multiplier(set, medium, class string, d param.Date) *MultiplierRange {
	for i := range p.Multipliers {
		m := &p.Multipliers[i]
		if m.Set == set && m.Medium == medium && m.Class == class && m.Contains(d) {
			return m
		}
	}
	return nil
}

// Classes lists the medium/class pairs a set knows on day d, for messages.
func (p *Params) Classes(set string, d param.Date) []string {
	var out []string
	for i := range p.Multipliers {
		m := &p.Multipliers[i]
		if m.Set == set && m.Contains(d) {
			out = append(out, m.Medium+"/"+m.Class)
		}
	}
	return out
}

// Coef finds a range coefficient (α, ω) in force on day d.
func (p *Params) Coef(set, medium, name string, d param.Date) *Coefficient {
	for i := range p.Coefficients {
		c := &p.Coefficients[i]
		if c.Set == set && c.Medium == medium && c.Name == name && c.Contains(d) {
			return c
		}
	}
	return nil
}

// Tau finds the τ band holding κ on day d.
func (p *Params) Tau(set, medium string, kappa decimal.Decimal, d param.Date) *Coefficient {
	for i := range p.Coefficients {
		c := &p.Coefficients[i]
		if c.Set == set && c.Medium == medium && c.Name == CoefTau && c.Contains(d) && c.inBand(kappa) {
			return c
		}
	}
	return nil
}
