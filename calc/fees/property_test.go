package fees

import (
	"fmt"
	"sort"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/calc/param"
)

// Property tests of the schedule engine. Figures are drawn as integers and
// scaled to decimals, never through floating point.

var day = param.NewDate(2024, 6, 1)

// genDec draws a non-negative decimal with up to `places` decimals.
func genDec(t *rapid.T, label string, max int64, places int32) decimal.Decimal {
	return decimal.New(rapid.Int64Range(0, max).Draw(t, label), -places)
}

// genPartition draws valid tiers: ascending distinct boundaries, each
// owned by the tier below (<=, >) or the tier above (<, >=).
func genPartition(t *rapid.T, prices func(i int) Rate) ([]Rate, []decimal.Decimal) {
	n := rapid.IntRange(1, 6).Draw(t, "tiers")
	set := map[string]decimal.Decimal{}
	for len(set) < n-1 {
		b := decimal.New(rapid.Int64Range(1, 50000).Draw(t, "boundary"), -1)
		set[b.String()] = b
	}
	var bs []decimal.Decimal
	for _, b := range set {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].LessThan(bs[j]) })
	rs := make([]Rate, n)
	for i := range rs {
		rs[i] = prices(i)
		rs[i].Lower = Bound{Set: true, Value: decimal.Zero, Inclusive: true}
	}
	for i, b := range bs {
		below := rapid.Bool().Draw(t, "owned by lower tier")
		rs[i].Upper = Bound{Set: true, Value: b, Inclusive: below}
		rs[i+1].Lower = Bound{Set: true, Value: b, Inclusive: !below}
	}
	return rs, bs
}

func pricedTier(t *rapid.T) func(int) Rate {
	return func(int) Rate {
		return Rate{Price: decimal.NewNullDecimal(genDec(t, "price", 1000, 2)), Rule: "r", Meta: testMeta}
	}
}

func TestPropBoundaryInExactlyOneTier(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs, bs := genPartition(t, pricedTier(t))
		if err := Validate(sched(Part{Name: "p", Kind: KindBand, Label: "p", Rates: rs})); err != nil {
			t.Fatalf("valid partition rejected: %v", err)
		}
		eps := decimal.New(1, -3)
		points := []decimal.Decimal{decimal.Zero}
		for _, b := range bs {
			points = append(points, b, b.Sub(eps), b.Add(eps))
		}
		for _, v := range points {
			in := 0
			for _, r := range rs {
				if Contains(r.Lower, r.Upper, v) {
					in++
				}
			}
			if in != 1 {
				t.Fatalf("%s is in %d tiers", v, in)
			}
		}
	})
}

// TestPropValidateMatchesOracle draws arbitrary tier lists (ascending by
// lower end) and checks Validate accepts exactly those that partition
// [0, ∞): every value in exactly one tier, no empty tier.
func TestPropValidateMatchesOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Chain the tiers end to start, with random ownership of each
		// boundary and random values (not always ascending), then perturb
		// sometimes: most draws are near-partitions, where mistakes hide.
		n := rapid.IntRange(1, 4).Draw(t, "tiers")
		var rs []Rate
		prev := Bound{Set: true, Value: decimal.Zero, Inclusive: rapid.IntRange(0, 9).Draw(t, "first incl") > 0}
		for i := 0; i < n; i++ {
			r := Rate{Price: decimal.NewNullDecimal(decimal.NewFromInt(1)), Rule: "r", Meta: testMeta, Lower: prev}
			if i < n-1 || rapid.IntRange(0, 4).Draw(t, "last closed") == 0 {
				v := decimal.NewFromInt(rapid.Int64Range(0, 5).Draw(t, "hi"))
				r.Upper = Bound{Set: true, Value: v, Inclusive: rapid.Bool().Draw(t, "hi incl")}
				prev = Bound{Set: true, Value: v, Inclusive: !r.Upper.Inclusive}
				if rapid.IntRange(0, 4).Draw(t, "flip") == 0 {
					prev.Inclusive = !prev.Inclusive
				}
				if rapid.IntRange(0, 5).Draw(t, "shift") == 0 {
					prev.Value = decimal.NewFromInt(rapid.Int64Range(0, 5).Draw(t, "shifted"))
				}
			}
			rs = append(rs, r)
		}
		sort.SliceStable(rs, func(i, j int) bool {
			if c := rs[i].Lower.Value.Cmp(rs[j].Lower.Value); c != 0 {
				return c < 0
			}
			return rs[i].Lower.Inclusive && !rs[j].Lower.Inclusive
		})
		// Sample 0, every bound, midpoints between consecutive bounds, and
		// beyond the largest: membership is constant between bounds.
		pts := map[string]decimal.Decimal{"0": decimal.Zero}
		for _, r := range rs {
			for _, b := range []Bound{r.Lower, r.Upper} {
				if b.Set {
					pts[b.Value.String()] = b.Value
				}
			}
		}
		var vals []decimal.Decimal
		for _, v := range pts {
			vals = append(vals, v)
		}
		sort.Slice(vals, func(i, j int) bool { return vals[i].LessThan(vals[j]) })
		samples := append([]decimal.Decimal{}, vals...)
		for i := 1; i < len(vals); i++ {
			samples = append(samples, vals[i-1].Add(vals[i]).Div(decimal.NewFromInt(2)))
		}
		samples = append(samples, vals[len(vals)-1].Add(decimal.NewFromInt(1)))
		partition := true
		hits := make([]int, len(rs))
		for _, v := range samples {
			in := 0
			for i, r := range rs {
				if Contains(r.Lower, r.Upper, v) {
					in++
					hits[i]++
				}
			}
			partition = partition && in == 1
		}
		for _, h := range hits {
			partition = partition && h > 0
		}
		err := Validate(sched(Part{Name: "p", Kind: KindBlock, Label: "p", Rates: rs}))
		if (err == nil) != partition {
			desc := ""
			for _, r := range rs {
				desc += Interval(r.Lower, r.Upper, "") + " "
			}
			t.Fatalf("tiers %s: partition=%t but Validate: %v", desc, partition, err)
		}
	})
}

// genSchedule draws a schedule whose amount should not fall when the
// quantity rises: block tiers with any non-negative prices, band tiers
// with non-decreasing prices, steps above a threshold of the quantity,
// fixed and per-unit parts, and multipliers ≥ 0. A choice input picks the
// per-unit rate; a number input drives a step reduction.
func genSchedule(t *rapid.T, withModifiers bool) *Schedule {
	var parts []Part
	var inputs []Input
	np := rapid.IntRange(1, 5).Draw(t, "parts")
	for i := 0; i < np; i++ {
		name := fmt.Sprintf("p%d", i)
		switch rapid.SampledFrom([]Kind{KindFixed, KindPerUnit, KindBlock, KindBand, KindStep}).Draw(t, "kind") {
		case KindFixed:
			parts = append(parts, Part{Name: name, Kind: KindFixed, Label: name, Rates: []Rate{{Price: decimal.NewNullDecimal(genDec(t, "fixed", 100000, 2)), Rule: "r", Meta: testMeta}}})
		case KindPerUnit:
			if len(inputs) == 0 {
				inputs = append(inputs, Input{Name: "cat", Type: Choice, Choices: []string{"a", "b"}, Default: "a", Label: "c"})
			}
			var rs []Rate
			for _, c := range []string{"a", "b"} {
				rs = append(rs, Rate{When: []Cond{{"cat", "=", c}}, Price: decimal.NewNullDecimal(genDec(t, "unit", 1000, 2)), Rule: "r", Meta: testMeta})
			}
			parts = append(parts, Part{Name: name, Kind: KindPerUnit, Label: name, Rates: rs})
		case KindBlock:
			rs, _ := genPartition(t, pricedTier(t))
			parts = append(parts, Part{Name: name, Kind: KindBlock, Label: name, Rates: rs})
		case KindBand:
			prev := decimal.Zero
			rs, _ := genPartition(t, func(int) Rate {
				prev = prev.Add(genDec(t, "increase", 500, 2))
				return Rate{Price: decimal.NewNullDecimal(prev), Rule: "r", Meta: testMeta}
			})
			parts = append(parts, Part{Name: name, Kind: KindBand, Label: name, Rates: rs})
		case KindStep:
			parts = append(parts, Part{Name: name, Kind: KindStep, Label: name, Rates: []Rate{{
				Lower:   Bound{Set: true, Value: genDec(t, "threshold", 5000, 1), Inclusive: rapid.Bool().Draw(t, "incl")},
				Step:    decimal.NewNullDecimal(genDec(t, "step", 1000, 1).Add(decimal.New(1, -1))),
				Partial: rapid.SampledFrom([]string{Ceil, Floor}).Draw(t, "partial"),
				Price:   decimal.NewNullDecimal(genDec(t, "per step", 100, 3)), Rule: "r", Meta: testMeta}}})
		}
	}
	if withModifiers {
		nm := rapid.IntRange(0, 2).Draw(t, "modifiers")
		for i := 0; i < nm; i++ {
			target := parts[rapid.IntRange(0, np-1).Draw(t, "target")].Name
			parts = append(parts, Part{Name: fmt.Sprintf("m%d", i), Kind: KindMultiply, Label: "m", Targets: []string{target},
				Rates: []Rate{{Factor: decimal.NewNullDecimal(genDec(t, "factor", 300, 2)), Rule: "r", Meta: testMeta}}})
		}
		if rapid.Bool().Draw(t, "reduction") {
			inputs = append(inputs, Input{Name: "share", Type: Number, Unit: "%", Max: decimal.NewNullDecimal(decimal.NewFromInt(100)), Default: "0", Label: "s"})
			parts = append(parts, Part{Name: "cut", Kind: KindReducePerStep, Label: "cut", Measure: "share", Targets: []string{parts[0].Name},
				Rates: []Rate{{Lower: Bound{Set: true, Value: decimal.NewFromInt(15)}, Step: decimal.NewNullDecimal(decimal.NewFromInt(1)), Partial: Floor,
					Factor: decimal.NewNullDecimal(decimal.New(1, -2)), Rule: "r", Meta: testMeta}}})
		}
	}
	s := sched(parts...)
	s.Inputs = inputs
	return s
}

func drawInputs(t *rapid.T, s *Schedule) map[string]string {
	in := map[string]string{}
	if s.Input("cat") != nil {
		in["cat"] = rapid.SampledFrom([]string{"a", "b"}).Draw(t, "cat")
	}
	if s.Input("share") != nil {
		in["share"] = genDec(t, "share", 1000, 1).String()
	}
	return in
}

func mustCalc(t *rapid.T, s *Schedule, q decimal.Decimal, in map[string]string) *Result {
	r, err := Calculate(s, Request{Date: day, Quantity: q, Inputs: in})
	if err != nil {
		t.Fatalf("Calculate(%s): %v", q, err)
	}
	return r
}

func TestPropMonotoneInQuantity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSchedule(t, true)
		if err := Validate(s); err != nil {
			t.Fatalf("generated schedule invalid: %v", err)
		}
		in := drawInputs(t, s)
		q1 := genDec(t, "q1", 1000000, 3)
		q2 := q1.Add(genDec(t, "dq", 100000, 3))
		a1, a2 := mustCalc(t, s, q1, in).Total, mustCalc(t, s, q2, in).Total
		if a1.GreaterThan(a2.Decimal) {
			t.Fatalf("amount fell from %s at %s to %s at %s", a1, q1, a2, q2)
		}
	})
}

func TestPropZeroUseCostsOnlyFixed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSchedule(t, false)
		res := mustCalc(t, s, decimal.Zero, drawInputs(t, s))
		fixed := decimal.Zero
		for _, p := range s.Parts {
			if p.Kind == KindFixed {
				fixed = fixed.Add(p.Rates[0].Price.Decimal)
			}
		}
		if !res.Total.Equal(fixed) {
			t.Fatalf("zero use costs %s, fixed parts are %s", res.Total, fixed)
		}
		for _, l := range res.Lines {
			if l.Kind != KindFixed && !l.Amount.IsZero() {
				t.Fatalf("part %s (%s) charges %s for zero use", l.Part, l.Kind, l.Amount)
			}
		}
	})
}

func TestPropBlockSplitsQuantityExactly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs, _ := genPartition(t, pricedTier(t))
		s := sched(Part{Name: "p", Kind: KindBlock, Label: "p", Rates: rs})
		q := genDec(t, "q", 10000000, 3)
		l := mustCalc(t, s, q, nil).Lines[0]
		portions, amounts := decimal.Zero, decimal.Zero
		for _, tu := range l.Tiers {
			if tu.Portion.Sign() <= 0 {
				t.Fatalf("empty portion listed: %+v", tu)
			}
			portions = portions.Add(tu.Portion)
			amounts = amounts.Add(tu.Amount.Decimal)
		}
		if !portions.Equal(q) || !amounts.Equal(l.Amount.Decimal) {
			t.Fatalf("portions %s of %s, amounts %s of %s", portions, q, amounts, l.Amount)
		}
	})
}

func TestPropStepCount(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		threshold := genDec(t, "threshold", 100000, 1)
		step := genDec(t, "step", 1000, 2).Add(decimal.New(1, -2))
		partial := rapid.SampledFrom([]string{Ceil, Floor}).Draw(t, "partial")
		s := sched(Part{Name: "p", Kind: KindStep, Label: "p", Measure: "m", Rates: []Rate{{
			Lower: Bound{Set: true, Value: threshold}, Step: decimal.NewNullDecimal(step), Partial: partial,
			Price: decimal.NewNullDecimal(decimal.NewFromInt(1)), Rule: "r", Meta: testMeta}}})
		s.Inputs = []Input{{Name: "m", Type: Number, Unit: "u", Label: "m"}}
		m := genDec(t, "m", 200000, 3)
		n := mustCalc(t, s, decimal.NewFromInt(1), map[string]string{"m": m.String()}).Lines[0].Steps.Decimal
		excess := decimal.Max(decimal.Zero, m.Sub(threshold))
		lo, hi := n.Sub(decimal.NewFromInt(1)).Mul(step), n.Mul(step)
		if partial == Floor {
			lo, hi = n.Mul(step), n.Add(decimal.NewFromInt(1)).Mul(step)
		}
		ok := n.IsInteger() && n.Sign() >= 0
		if partial == Ceil {
			ok = ok && lo.LessThan(excess) && excess.LessThanOrEqual(hi) || (excess.IsZero() && n.IsZero())
		} else {
			ok = ok && lo.LessThanOrEqual(excess) && excess.LessThan(hi)
		}
		if !ok {
			t.Fatalf("%s steps of %s for excess %s (%s)", n, step, excess, partial)
		}
	})
}
