// Package fees is the one schedule engine behind the differentiated fees
// (差别化收费): tiered electricity and water prices, over-quota surcharges,
// pollutant-differentiated sewage fees, paid emission permits and any
// schedule a user writes in the same shape.
//
// A Schedule is a list of parts. Charging parts (fixed, per_unit, block,
// band, step) each produce an amount; modifier parts (multiply,
// reduce_per_step) then scale the amounts of the parts they target, in the
// order listed. Every figure is a Rate carrying its own provenance, so a
// result can say which figures behind it are not verified.
//
// The package is pure: it never reads files. The fixtures package turns the
// embedded CSV files and user-written YAML/JSON files into Schedules; both
// go through the same Validate.
package fees

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Kind is what a part does.
type Kind string

const (
	// KindFixed is an amount per bill, independent of the quantity (固定费用).
	KindFixed Kind = "fixed"
	// KindPerUnit is one price times the quantity (e.g. 污水处理费 per m³).
	KindPerUnit Kind = "per_unit"
	// KindBlock is a tiered tariff (阶梯/分档累进): each tier's price applies to
	// the part of the quantity that lies in that tier.
	KindBlock Kind = "block"
	// KindBand is a whole-volume tariff (全额累进): the tier the measure falls in
	// chooses one price for the whole quantity.
	KindBand Kind = "band"
	// Step charges a price per started (ceil) or completed (floor) step of
	// the measure beyond a threshold, e.g. +0.01 CNY/kWh per 20 kWh/t.
	KindStep Kind = "step"
	// Multiply scales the target parts by a factor when its condition
	// holds (e.g. 逾期未缴 ×1.5).
	KindMultiply Kind = "multiply"
	// ReducePerStep cuts the target parts by a share per step of a measure
	// beyond a threshold (e.g. −1 % per percentage point of renewables).
	KindReducePerStep Kind = "reduce_per_step"
)

// Kinds lists every part kind, charging kinds first.
var Kinds = []Kind{KindFixed, KindPerUnit, KindBlock, KindBand, KindStep, KindMultiply, KindReducePerStep}

// IsModifier reports whether parts of this kind change other parts'
// amounts instead of charging on their own.
func (k Kind) IsModifier() bool { return k == KindMultiply || k == KindReducePerStep }

// Partial-step rules for Step and ReducePerStep.
const (
	Ceil  = "ceil"  // a started step counts as a full step (不足一档按一档计)
	Floor = "floor" // only completed steps count
)

// Quantity is the reserved name of the billed quantity in measures and
// conditions.
const Quantity = "quantity"

// Schedule is one version of a fee schedule.
type Schedule struct {
	ID           string // stable key, e.g. "cn-aluminium-tiered-electricity"
	Version      string // e.g. "2022"; versions of one ID must not overlap in time
	Title        string // Chinese title
	FeeKind      string // e.g. electricity_tiered_price_aluminium
	Region       string // Chinese or English region name as the source gives it
	QuantityUnit string // unit of the billed quantity: kWh, m3, t, …
	Meta         param.Meta
	Caveats      []string // shown as warnings in every result
	Rounding     *Rounding
	Inputs       []Input
	Parts        []Part
	Origin       string // where the schedule came from: file:line or file name
}

// Rounding rounds the total half up to Places decimals. Only a schedule
// whose rule says so has one; Rule cites that rule.
type Rounding struct {
	Places int32
	Rule   string
	Where  string
}

// Input types.
const (
	Number = "number"
	Choice = "choice"
)

// Input is a value besides the quantity that a schedule needs, e.g. the
// energy intensity that selects an electricity tier or a plan volume.
type Input struct {
	Name    string
	Type    string // Number or Choice
	Unit    string
	Label   string
	Max     decimal.NullDecimal // numbers: inclusive upper limit (numbers are never negative)
	Choices []string            // choices: the allowed words
	Default string              // used, and reported, when the request omits the input; "" = required
	Where   string
}

// Part is one component of a schedule.
type Part struct {
	Name    string
	Kind    Kind
	Label   string
	Measure string   // block, band, step, reduce_per_step: Quantity or a number input ("" = Quantity)
	Scale   string   // block, band: tier bounds are multiples of this number input
	Targets []string // modifiers: names of the charging parts they change
	Rates   []Rate   // tiers (block, band) or alternatives chosen by When
	Where   string
	Path    string // e.g. "parts[2]"
}

// Rate is one sourced figure: a tier, a price, a factor.
type Rate struct {
	When    []Cond
	Lower   Bound               // tiers: lower end; step: threshold "above"
	Upper   Bound               // tiers: upper end; step: threshold "below"
	Price   decimal.NullDecimal // CNY per quantity unit (fixed: CNY; step: per step)
	Factor  decimal.NullDecimal // × PriceOf, or the modifier's factor / share per step
	PriceOf string              // number input the factor multiplies
	Step    decimal.NullDecimal // step width in the measure's unit
	Partial string              // Ceil or Floor
	Rule    string              // the clause this figure comes from, in words
	Meta    param.Meta
	Path    string // e.g. "parts[2].tiers[1]"
}

// Where names the file and line of the rate.
func (r *Rate) Where() string {
	if r.Meta.File == "" {
		return ""
	}
	if r.Meta.Line == 0 {
		return r.Meta.File
	}
	return r.Meta.Where()
}

// Bound is one end of a tier. Inclusive says explicitly whether the
// boundary value itself belongs to this tier; Validate makes sure every
// boundary belongs to exactly one of the two tiers that meet there.
type Bound struct {
	Set       bool
	Value     decimal.Decimal
	Inclusive bool
}

// ParseBound reads a bound written as ">= 0", "> 180" (lower) or "<= 300",
// "< 25" (upper). The value is a plain non-negative decimal.
func ParseBound(s string, lower bool) (Bound, error) {
	t := strings.TrimSpace(s)
	var ops []string
	if lower {
		ops = []string{">=", ">"}
	} else {
		ops = []string{"<=", "<"}
	}
	for _, op := range ops {
		if strings.HasPrefix(t, op) {
			v, err := ParseNonNegative(strings.TrimSpace(t[len(op):]))
			if err != nil {
				return Bound{}, err
			}
			return Bound{Set: true, Value: v, Inclusive: len(op) == 2}, nil
		}
	}
	if lower {
		return Bound{}, fmt.Errorf("lower bound %q must start with >= or >", s)
	}
	return Bound{}, fmt.Errorf("upper bound %q must start with <= or <", s)
}

// LowerString and UpperString print a bound the way ParseBound reads it.
func (b Bound) LowerString() string {
	if b.Inclusive {
		return ">= " + b.Value.String()
	}
	return "> " + b.Value.String()
}

func (b Bound) UpperString() string {
	if b.Inclusive {
		return "<= " + b.Value.String()
	}
	return "< " + b.Value.String()
}

// Interval prints a tier as an interval, e.g. "(180, 300]" or "[0, 180]".
func Interval(lo, hi Bound, scale string) string {
	var b strings.Builder
	if lo.Inclusive {
		b.WriteString("[")
	} else {
		b.WriteString("(")
	}
	b.WriteString(lo.Value.String())
	b.WriteString(", ")
	if hi.Set {
		b.WriteString(hi.Value.String())
		if hi.Inclusive {
			b.WriteString("]")
		} else {
			b.WriteString(")")
		}
	} else {
		b.WriteString("∞)")
	}
	if scale != "" {
		b.WriteString(" × ")
		b.WriteString(scale)
	}
	return b.String()
}

// Contains reports whether v lies in the tier [lo, hi] with the bounds'
// inclusiveness (an unset upper bound is +∞).
func Contains(lo, hi Bound, v decimal.Decimal) bool {
	c := v.Cmp(lo.Value)
	if c < 0 || (c == 0 && !lo.Inclusive) {
		return false
	}
	if !hi.Set {
		return true
	}
	c = v.Cmp(hi.Value)
	return c < 0 || (c == 0 && hi.Inclusive)
}

// ParseNonNegative reads a plain decimal: digits with an optional
// fraction, no sign, no exponent.
func ParseNonNegative(s string) (decimal.Decimal, error) {
	if !isPlainDecimal(s, false) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain non-negative decimal", s)
	}
	return decimal.NewFromString(s)
}

// ParseSigned reads a plain decimal that may start with a minus sign, so
// that a negative figure can be rejected with a message that says so.
func ParseSigned(s string) (decimal.Decimal, error) {
	if !isPlainDecimal(s, true) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain decimal", s)
	}
	return decimal.NewFromString(s)
}

func isPlainDecimal(s string, signed bool) bool {
	if signed && strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	intPart, frac, dot := strings.Cut(s, ".")
	if intPart == "" || (dot && frac == "") || len(s) > 40 {
		return false
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Cond is one comparison of a condition: "category = general",
// "days_unpaid > 90", "share >= weight".
type Cond struct {
	Left  string // input name or Quantity
	Op    string // =, !=, <, <=, >, >=
	Right string // a choice word, a decimal, or a number input name
}

func (c Cond) String() string { return c.Left + " " + c.Op + " " + c.Right }

// WhenString prints a condition list the way ParseWhen reads it.
func WhenString(cs []Cond) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, " and ")
}

// ParseWhen reads comparisons joined by " and ". The empty string is no
// condition.
func ParseWhen(s string) ([]Cond, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Cond
	for _, part := range strings.Split(s, " and ") {
		c, err := parseCond(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCond(s string) (Cond, error) {
	i := strings.IndexAny(s, "=!<>")
	if i < 0 {
		return Cond{}, fmt.Errorf("condition %q has no comparison (=, !=, <, <=, >, >=)", s)
	}
	op := s[i : i+1]
	if i+1 < len(s) && s[i+1] == '=' {
		op = s[i : i+2]
	}
	if op == "!" || op == "==" {
		return Cond{}, fmt.Errorf("condition %q: use = or != to compare", s)
	}
	c := Cond{Left: strings.TrimSpace(s[:i]), Op: op, Right: strings.TrimSpace(s[i+len(op):])}
	if !validName(c.Left) {
		return Cond{}, fmt.Errorf("condition %q: %q is not an input name", s, c.Left)
	}
	if c.Right == "" || strings.ContainsAny(c.Right, "=!<> ") {
		return Cond{}, fmt.Errorf("condition %q: bad right-hand side", s)
	}
	return c, nil
}

// validName: lower-case ASCII letters, digits and _, starting with a letter.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// validID: lower-case ASCII letters, digits and '-', starting with a
// letter or digit.
func validID(s string) bool {
	if s == "" || len(s) > 80 || s[0] == '-' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func validVersion(s string) bool {
	if s == "" || len(s) > 40 || s[0] == '-' || s[0] == '.' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return true
}

// Key is "id@version".
func (s *Schedule) Key() string { return s.ID + "@" + s.Version }

// Verified reports whether the schedule and every figure in it are
// verified.
func (s *Schedule) Verified() bool {
	if !s.Meta.Verified {
		return false
	}
	for i := range s.Parts {
		for j := range s.Parts[i].Rates {
			if !s.Parts[i].Rates[j].Meta.Verified {
				return false
			}
		}
	}
	return true
}

// Input returns the named input, or nil.
func (s *Schedule) Input(name string) *Input {
	for i := range s.Inputs {
		if s.Inputs[i].Name == name {
			return &s.Inputs[i]
		}
	}
	return nil
}

// Part returns the named part, or nil.
func (s *Schedule) Part(name string) *Part {
	for i := range s.Parts {
		if s.Parts[i].Name == name {
			return &s.Parts[i]
		}
	}
	return nil
}

func (p *Part) measure() string {
	if p.Measure == "" {
		return Quantity
	}
	return p.Measure
}
