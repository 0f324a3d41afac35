package fees

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

// Problem is one fault in a schedule. Where is the file and line when the
// schedule came from a file; Path names the element ("parts[1].tiers[2]")
// and Field its field ("upper").
type Problem struct {
	Where string
	Path  string
	Field string
	Code  string
	Msg   string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Where != "" {
		b.WriteString(p.Where)
		b.WriteString(": ")
	}
	b.WriteString(p.fieldPath())
	b.WriteString(": ")
	b.WriteString(p.Msg)
	return b.String()
}

func (p Problem) fieldPath() string {
	switch {
	case p.Path == "":
		return p.Field
	case p.Field == "":
		return p.Path
	}
	return p.Path + "." + p.Field
}

// ScheduleError lists every fault Validate found; nothing may be computed
// with the schedule.
type ScheduleError struct {
	Schedule string // id@version as far as known
	Problems []Problem
}

func (e *ScheduleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fee schedule %s is invalid:", e.Schedule)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// CalcError converts the problems for the adapters: one field error each,
// the message starting with the file and line.
func (e *ScheduleError) CalcError() *calc.Error {
	errs := make([]calc.FieldError, len(e.Problems))
	for i, p := range e.Problems {
		msg := p.Msg
		if p.Where != "" {
			msg = p.Where + ": " + msg
		}
		errs[i] = calc.FieldError{Path: p.fieldPath(), Code: p.Code, Message: msg}
	}
	detail := fmt.Sprintf("fee schedule %s has %d problem(s); nothing was computed", e.Schedule, len(e.Problems))
	if len(e.Problems) == 1 {
		detail = e.Problems[0].String() + "; nothing was computed"
	}
	return &calc.Error{Kind: calc.KindInvalid, Code: "invalid_schedule", Title: "收费标准无效", Detail: detail, Errors: errs}
}

// validator collects problems instead of stopping at the first.
type validator struct {
	s    *Schedule
	errs []Problem
}

func (v *validator) add(where, path, field, code, format string, args ...any) {
	v.errs = append(v.errs, Problem{Where: where, Path: path, Field: field, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// Validate checks a schedule completely: names, dates, provenance, the
// fields each part kind needs and forbids, non-negative figures, inputs
// that exist and are used, conditions that name real choices, and tiers
// that cover [0, ∞) with every boundary in exactly one tier. Built-in and
// user-written schedules go through this same function.
func Validate(s *Schedule) error {
	v := &validator{s: s}
	v.schedule()
	if len(v.errs) == 0 {
		return nil
	}
	name := s.ID
	if s.Version != "" {
		name += "@" + s.Version
	}
	if name == "" {
		name = "(no id)"
	}
	return &ScheduleError{Schedule: name, Problems: v.errs}
}

var confidences = []string{"high", "medium", "low", "unverified"}

func (v *validator) schedule() {
	s := v.s
	w := s.Origin
	if !validID(s.ID) {
		v.add(w, "", "id", "invalid_value", "%q is not a schedule id (lower-case letters, digits and '-')", s.ID)
	}
	if !validVersion(s.Version) {
		v.add(w, "", "version", "invalid_value", "%q is not a version (letters, digits, '.', '-', '_')", s.Version)
	}
	for _, f := range []struct{ name, val string }{{"title", s.Title}, {"fee_kind", s.FeeKind}, {"region", s.Region}, {"quantity_unit", s.QuantityUnit}} {
		if strings.TrimSpace(f.val) == "" {
			v.add(w, "", f.name, "required", "required")
		}
	}
	v.meta(w, "", s.Meta)
	for i, c := range s.Caveats {
		if strings.TrimSpace(c) == "" {
			v.add(w, fmt.Sprintf("caveats[%d]", i), "", "required", "empty caveat")
		}
	}
	if r := s.Rounding; r != nil {
		if r.Places < 0 || r.Places > 6 {
			v.add(r.Where, "rounding", "places", "invalid_value", "places %d is not between 0 and 6", r.Places)
		}
		if strings.TrimSpace(r.Rule) == "" {
			v.add(r.Where, "rounding", "rule", "required", "a rounding needs the rule that orders it")
		}
	}
	v.inputs()
	v.parts()
	v.inputsUsed()
}

func (v *validator) meta(where, path string, m param.Meta) {
	source, confidence, verified := m.Source, m.Confidence, m.Verified
	if m.From.IsZero() {
		v.add(where, path, "effective_from", "required", "required")
	}
	if m.To != 0 && m.To < m.From {
		v.add(where, path, "effective_to", "invalid_value", "%s is before effective_from %s", m.To, m.From)
	}
	if strings.TrimSpace(source) == "" {
		v.add(where, path, "source", "required", "required: every figure names its source")
	}
	if !contains(confidences, confidence) {
		v.add(where, path, "confidence", "invalid_value", "%q is not one of %s", confidence, strings.Join(confidences, ", "))
	} else if verified != (confidence == "high") {
		v.add(where, path, "verified", "invalid_value", "verified=%t contradicts confidence=%s (only high-confidence figures are verified)", verified, confidence)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (v *validator) inputs() {
	s := v.s
	seen := map[string]bool{}
	for i := range s.Inputs {
		in := &s.Inputs[i]
		path := fmt.Sprintf("inputs[%d]", i)
		if in.Name != "" {
			path = fmt.Sprintf("inputs[%s]", in.Name)
		}
		switch {
		case !validName(in.Name):
			v.add(in.Where, path, "name", "invalid_value", "%q is not an input name (lower-case letters, digits, '_')", in.Name)
		case in.Name == Quantity:
			v.add(in.Where, path, "name", "invalid_value", "%q is reserved for the billed quantity", in.Name)
		case seen[in.Name]:
			v.add(in.Where, path, "name", "duplicate_field", "input %q is declared twice", in.Name)
		}
		seen[in.Name] = true
		if strings.TrimSpace(in.Label) == "" {
			v.add(in.Where, path, "label", "required", "required")
		}
		switch in.Type {
		case Number:
			if strings.TrimSpace(in.Unit) == "" {
				v.add(in.Where, path, "unit", "required", "a number input needs its unit")
			}
			if len(in.Choices) > 0 {
				v.add(in.Where, path, "choices", "invalid_value", "a number input has no choices")
			}
			if in.Max.Valid && in.Max.Decimal.Sign() < 0 {
				v.add(in.Where, path, "max", "invalid_value", "max %s is negative", in.Max.Decimal)
			}
			if in.Default != "" {
				d, err := ParseNonNegative(in.Default)
				if err != nil {
					v.add(in.Where, path, "default", "invalid_number", "%v", err)
				} else if in.Max.Valid && d.GreaterThan(in.Max.Decimal) {
					v.add(in.Where, path, "default", "invalid_value", "default %s is above max %s", d, in.Max.Decimal)
				}
			}
		case Choice:
			if in.Max.Valid {
				v.add(in.Where, path, "max", "invalid_value", "a choice input has no max")
			}
			if len(in.Choices) == 0 {
				v.add(in.Where, path, "choices", "required", "a choice input needs its allowed words")
			}
			cs := map[string]bool{}
			for _, c := range in.Choices {
				if !validName(c) {
					v.add(in.Where, path, "choices", "invalid_value", "%q is not a choice word (lower-case letters, digits, '_')", c)
				}
				if cs[c] {
					v.add(in.Where, path, "choices", "duplicate_field", "choice %q is listed twice", c)
				}
				cs[c] = true
			}
			if in.Default != "" && !cs[in.Default] {
				v.add(in.Where, path, "default", "invalid_value", "default %q is not one of the choices", in.Default)
			}
		default:
			v.add(in.Where, path, "type", "invalid_value", "%q is not %s or %s", in.Type, Number, Choice)
		}
	}
}

// numberInput reports whether name is Quantity or a declared number input.
func (v *validator) numberInput(name string) bool {
	if name == Quantity {
		return true
	}
	in := v.s.Input(name)
	return in != nil && in.Type == Number
}

func (v *validator) parts() {
	s := v.s
	if len(s.Parts) == 0 {
		v.add(s.Origin, "", "parts", "required", "a schedule needs at least one part")
		return
	}
	seen := map[string]bool{}
	charging := 0
	for i := range s.Parts {
		p := &s.Parts[i]
		if p.Path == "" {
			p.Path = fmt.Sprintf("parts[%d]", i)
		}
		switch {
		case !validName(p.Name):
			v.add(p.Where, p.Path, "name", "invalid_value", "%q is not a part name (lower-case letters, digits, '_')", p.Name)
		case seen[p.Name]:
			v.add(p.Where, p.Path, "name", "duplicate_field", "part %q is defined twice", p.Name)
		}
		seen[p.Name] = true
		if strings.TrimSpace(p.Label) == "" {
			v.add(p.Where, p.Path, "label", "required", "required")
		}
		known := false
		for _, k := range Kinds {
			if p.Kind == k {
				known = true
			}
		}
		if !known {
			names := make([]string, len(Kinds))
			for i, k := range Kinds {
				names[i] = string(k)
			}
			v.add(p.Where, p.Path, "kind", "invalid_value", "%q is not one of %s", p.Kind, strings.Join(names, ", "))
			continue
		}
		if !p.Kind.IsModifier() {
			charging++
		}
		v.part(p)
	}
	if charging == 0 {
		v.add(s.Origin, "", "parts", "required", "a schedule needs at least one charging part (fixed, per_unit, block, band or step)")
	}
}

func (v *validator) part(p *Part) {
	k := p.Kind
	// Part-level fields.
	switch k {
	case KindBlock:
		if p.Measure != "" && p.Measure != Quantity {
			v.add(p.Where, p.Path, "measure", "invalid_value", "a block tariff splits the billed quantity; measure must be %q (use band or step for another measure)", Quantity)
		}
	case KindBand, KindStep, KindReducePerStep:
		if p.Measure != "" && !v.numberInput(p.Measure) {
			v.add(p.Where, p.Path, "measure", "invalid_value", "%q is neither %q nor a number input", p.Measure, Quantity)
		}
	default:
		if p.Measure != "" {
			v.add(p.Where, p.Path, "measure", "unknown_field", "kind %s has no measure", k)
		}
	}
	if p.Scale != "" {
		if k != KindBlock && k != KindBand {
			v.add(p.Where, p.Path, "scale", "unknown_field", "only block and band tiers can be scaled")
		} else if p.Scale == Quantity || !v.numberInput(p.Scale) {
			v.add(p.Where, p.Path, "scale", "invalid_value", "%q is not a number input", p.Scale)
		}
	}
	if k.IsModifier() {
		if len(p.Targets) == 0 {
			v.add(p.Where, p.Path, "targets", "required", "a %s part names the parts it changes", k)
		}
		seen := map[string]bool{}
		for _, t := range p.Targets {
			tp := v.s.Part(t)
			switch {
			case seen[t]:
				v.add(p.Where, p.Path, "targets", "duplicate_field", "target %q listed twice", t)
			case tp == nil:
				v.add(p.Where, p.Path, "targets", "invalid_value", "no part named %q", t)
			case tp.Kind.IsModifier():
				v.add(p.Where, p.Path, "targets", "invalid_value", "%q is a modifier; modifiers change charging parts only", t)
			}
			seen[t] = true
		}
	} else if len(p.Targets) > 0 {
		v.add(p.Where, p.Path, "targets", "unknown_field", "kind %s has no targets", k)
	}
	if len(p.Rates) == 0 {
		v.add(p.Where, p.Path, ratesField(k), "required", "a part needs at least one rate")
		return
	}
	if k.IsModifier() && len(p.Rates) != 1 {
		v.add(p.Where, p.Path, ratesField(k), "invalid_value", "a %s part has exactly one rate (write one part per factor)", k)
	}
	for i := range p.Rates {
		r := &p.Rates[i]
		if r.Path == "" {
			r.Path = fmt.Sprintf("%s.%s[%d]", p.Path, ratesField(k), i)
		}
		v.rate(p, r)
	}
	switch k {
	case KindBlock, KindBand:
		v.tiers(p)
	case KindFixed, KindPerUnit, KindStep:
		v.coverage(p)
	}
}

// ratesField is the name of a part's rate list in the user file format.
func ratesField(k Kind) string {
	if k == KindBlock || k == KindBand {
		return "tiers"
	}
	return "rates"
}

func (v *validator) rate(p *Part, r *Rate) {
	w, path := r.Where(), r.Path
	k := p.Kind
	forbid := func(field string, set bool) {
		if set {
			v.add(w, path, field, "unknown_field", "kind %s has no %s", k, field)
		}
	}
	// Provenance: every figure names its source and lives exactly as long
	// as its schedule version.
	sm := v.s.Meta
	if r.Meta.Range != sm.Range || r.Meta.Source != sm.Source || r.Meta.Confidence != sm.Confidence || r.Meta.Verified != sm.Verified {
		// Provenance of its own (a figure that only inherits the
		// schedule's was checked with the schedule).
		v.meta(w, path, r.Meta)
	}
	if r.Meta.From != 0 && (r.Meta.From != v.s.Meta.From || r.Meta.To != v.s.Meta.To) {
		v.add(w, path, "effective_from", "invalid_value", "valid %s but schedule %s is valid %s; a figure lives exactly as long as its schedule version",
			r.Meta.Range, v.s.Key(), v.s.Meta.Range)
	}
	if strings.TrimSpace(r.Rule) == "" {
		v.add(w, path, "rule", "required", "required: say which clause this figure comes from")
	}
	// Prices and factors.
	priced := r.Price.Valid || r.Factor.Valid || r.PriceOf != ""
	switch k {
	case KindFixed:
		if !r.Price.Valid {
			v.add(w, path, "price", "required", "a fixed part needs its amount in price")
		}
		forbid("factor", r.Factor.Valid)
		forbid("price_of", r.PriceOf != "")
	case KindPerUnit, KindBlock, KindBand, KindStep:
		switch {
		case r.Price.Valid && (r.Factor.Valid || r.PriceOf != ""):
			v.add(w, path, "price", "invalid_value", "give either price, or factor with price_of, not both")
		case !priced:
			v.add(w, path, "price", "required", "give price, or factor with price_of")
		case !r.Price.Valid && (!r.Factor.Valid || r.PriceOf == ""):
			v.add(w, path, "price_of", "required", "factor and price_of go together")
		}
		if r.PriceOf != "" && (r.PriceOf == Quantity || !v.numberInput(r.PriceOf)) {
			v.add(w, path, "price_of", "invalid_value", "%q is not a number input", r.PriceOf)
		}
	case KindMultiply, KindReducePerStep:
		if !r.Factor.Valid {
			v.add(w, path, "factor", "required", "required")
		}
		forbid("price", r.Price.Valid)
		forbid("price_of", r.PriceOf != "")
	}
	if r.Price.Valid && r.Price.Decimal.Sign() < 0 {
		v.add(w, path, "price", "negative_value", "price %s is negative; discounts are modifier parts", r.Price.Decimal)
	}
	if r.Factor.Valid && r.Factor.Decimal.Sign() < 0 {
		v.add(w, path, "factor", "negative_value", "factor %s is negative", r.Factor.Decimal)
	}
	if k == KindReducePerStep && r.Factor.Valid && (r.Factor.Decimal.Sign() <= 0 || r.Factor.Decimal.GreaterThan(decimal.NewFromInt(1))) {
		v.add(w, path, "factor", "invalid_value", "share per step %s must be above 0 and at most 1", r.Factor.Decimal)
	}
	// Bounds, steps.
	for _, b := range []struct {
		name string
		b    Bound
	}{{"lower", r.Lower}, {"upper", r.Upper}} {
		if b.b.Set && b.b.Value.Sign() < 0 {
			v.add(w, path, b.name, "negative_value", "bound %s is negative", b.b.Value)
		}
	}
	switch k {
	case KindBlock, KindBand:
		if !r.Lower.Set {
			v.add(w, path, "lower", "required", "every tier states its lower end and whether it belongs to the tier (>= or >)")
		}
		forbid("step", r.Step.Valid)
		forbid("partial", r.Partial != "")
		forbid("when", len(r.When) > 0)
	case KindStep, KindReducePerStep:
		if r.Lower.Set == r.Upper.Set {
			v.add(w, path, "lower", "invalid_value", "a step rate has exactly one threshold: lower (counts above it) or upper (counts below it)")
		}
		if !r.Step.Valid {
			v.add(w, path, "step", "required", "required")
		} else if r.Step.Decimal.Sign() <= 0 {
			v.add(w, path, "step", "invalid_value", "step %s must be above 0", r.Step.Decimal)
		}
		if r.Partial != Ceil && r.Partial != Floor {
			v.add(w, path, "partial", "invalid_value", "%q: say how a partial step counts, %s or %s", r.Partial, Ceil, Floor)
		}
	default:
		forbid("lower", r.Lower.Set)
		forbid("upper", r.Upper.Set)
		forbid("step", r.Step.Valid)
		forbid("partial", r.Partial != "")
	}
	v.when(p, r)
}

func (v *validator) when(p *Part, r *Rate) {
	for _, c := range r.When {
		field := "when"
		var left *Input
		if c.Left != Quantity {
			left = v.s.Input(c.Left)
			if left == nil {
				v.add(r.Where(), r.Path, field, "invalid_value", "condition %q: no input named %q", c, c.Left)
				continue
			}
		}
		if !p.Kind.IsModifier() && (left == nil || left.Type != Choice) {
			v.add(r.Where(), r.Path, field, "invalid_value", "condition %q: charging parts choose their rate by choice inputs only", c)
			continue
		}
		if left != nil && left.Type == Choice {
			if c.Op != "=" && c.Op != "!=" {
				v.add(r.Where(), r.Path, field, "invalid_value", "condition %q: a choice compares with = or != only", c)
			}
			if !contains(left.Choices, c.Right) {
				v.add(r.Where(), r.Path, field, "invalid_value", "condition %q: %q is not one of %s", c, c.Right, strings.Join(left.Choices, ", "))
			}
			continue
		}
		switch c.Op {
		case "=", "!=", "<", "<=", ">", ">=":
		default:
			v.add(r.Where(), r.Path, field, "invalid_value", "condition %q: unknown comparison %q", c, c.Op)
		}
		if _, err := ParseNonNegative(c.Right); err != nil && !v.numberInput(c.Right) {
			v.add(r.Where(), r.Path, field, "invalid_value", "condition %q: %q is neither a non-negative decimal nor a number input", c, c.Right)
		}
	}
}

// tiers checks that the tiers, in the order written, cover [0, ∞) with no
// gap and no overlap and that each boundary belongs to exactly one tier.
func (v *validator) tiers(p *Part) {
	rs := p.Rates
	for _, r := range rs {
		if !r.Lower.Set || (r.Lower.Set && r.Lower.Value.Sign() < 0) || (r.Upper.Set && r.Upper.Value.Sign() < 0) {
			return // already reported
		}
	}
	first := rs[0]
	if !first.Lower.Value.IsZero() || !first.Lower.Inclusive {
		v.add(first.Where(), first.Path, "lower", "tier_gap", "the first tier must start at >= 0, not %s (values below are in no tier)", first.Lower.LowerString())
	}
	for i, r := range rs {
		if r.Upper.Set {
			// A single value [a, a] is a tier; (a, a], [a, a) and a > b hold nothing.
			if c := r.Lower.Value.Cmp(r.Upper.Value); c > 0 || (c == 0 && !(r.Lower.Inclusive && r.Upper.Inclusive)) {
				v.add(r.Where(), r.Path, "upper", "invalid_value", "tier %s holds no value range: upper end must be above the lower end", Interval(r.Lower, r.Upper, ""))
			}
		}
		if i == len(rs)-1 {
			if r.Upper.Set {
				v.add(r.Where(), r.Path, "upper", "tier_gap", "the last tier must be open-ended: values %s are in no tier", strings.Replace(r.Upper.UpperString(), "<", ">", 1))
			}
			break
		}
		next := rs[i+1]
		if !r.Upper.Set {
			v.add(r.Where(), r.Path, "upper", "tier_overlap", "tier %d is open-ended but tier %d follows: they overlap", i+1, i+2)
			continue
		}
		switch c := next.Lower.Value.Cmp(r.Upper.Value); {
		case c < 0:
			v.add(next.Where(), next.Path, "lower", "tier_overlap", "tiers %d and %d overlap: %s and %s share values (tiers must be listed in ascending order and meet exactly)",
				i+1, i+2, Interval(r.Lower, r.Upper, ""), Interval(next.Lower, next.Upper, ""))
		case c > 0:
			v.add(next.Where(), next.Path, "lower", "tier_gap", "gap between tiers %d and %d: values between %s and %s are in no tier", i+1, i+2, r.Upper.Value, next.Lower.Value)
		case r.Upper.Inclusive && next.Lower.Inclusive:
			v.add(next.Where(), next.Path, "lower", "tier_boundary", "boundary %s is in two tiers (%d: %s, %d: %s); write > on one side",
				r.Upper.Value, i+1, r.Upper.UpperString(), i+2, next.Lower.LowerString())
		case !r.Upper.Inclusive && !next.Lower.Inclusive:
			v.add(next.Where(), next.Path, "lower", "tier_boundary", "boundary %s is in no tier (%d: %s, %d: %s); write >= or <= on one side",
				r.Upper.Value, i+1, r.Upper.UpperString(), i+2, next.Lower.LowerString())
		}
	}
}

// maxCombinations bounds the choice combinations checked for coverage.
const maxCombinations = 4096

// coverage checks that, for every combination of the choice inputs a
// charging part's conditions mention, exactly one of its rates applies.
func (v *validator) coverage(p *Part) {
	var names []string
	for _, r := range p.Rates {
		for _, c := range r.When {
			in := v.s.Input(c.Left)
			if in == nil || in.Type != Choice || !contains(in.Choices, c.Right) {
				return // reported by when()
			}
			if !contains(names, c.Left) {
				names = append(names, c.Left)
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		if len(p.Rates) > 1 {
			v.add(p.Where, p.Path, "rates", "invalid_value", "%d rates without conditions: say with when which applies", len(p.Rates))
		}
		return
	}
	total := 1
	for _, n := range names {
		total *= len(v.s.Input(n).Choices)
		if total > maxCombinations {
			v.add(p.Where, p.Path, "rates", "invalid_value", "conditions combine more than %d choice combinations", maxCombinations)
			return
		}
	}
	combo := map[string]value{}
	var walk func(i int)
	walk = func(i int) {
		if i == len(names) {
			var hits []int
			for j := range p.Rates {
				if matches(p.Rates[j].When, combo) {
					hits = append(hits, j)
				}
			}
			switch {
			case len(hits) == 0:
				v.add(p.Where, p.Path, "rates", "rate_missing", "no rate applies when %s", comboString(names, combo))
			case len(hits) > 1:
				v.add(p.Rates[hits[1]].Where(), p.Rates[hits[1]].Path, "when", "rate_conflict", "rates %d and %d both apply when %s", hits[0]+1, hits[1]+1, comboString(names, combo))
			}
			return
		}
		for _, c := range v.s.Input(names[i]).Choices {
			combo[names[i]] = value{word: c}
			walk(i + 1)
		}
	}
	walk(0)
}

func comboString(names []string, combo map[string]value) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " = " + combo[n].word
	}
	return strings.Join(parts, " and ")
}

// inputsUsed reports declared inputs nothing refers to: an input the
// schedule ignores would silently accept any value.
func (v *validator) inputsUsed() {
	used := map[string]bool{}
	for _, p := range v.s.Parts {
		used[p.Measure] = true
		used[p.Scale] = true
		for _, r := range p.Rates {
			used[r.PriceOf] = true
			for _, c := range r.When {
				used[c.Left] = true
				used[c.Right] = true
			}
		}
	}
	for _, in := range v.s.Inputs {
		if validName(in.Name) && !used[in.Name] {
			v.add(in.Where, "inputs["+in.Name+"]", "name", "invalid_value", "input %q is declared but no part uses it", in.Name)
		}
	}
}
