package fees

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

// Test schedules are built here with made-up figures: these tests check
// the engine's mechanics, the golden cases in testdata/fees check real
// schedules.

var testMeta = param.Meta{Range: param.Range{From: param.NewDate(2020, 1, 1)}, Source: "test", Confidence: "high", Verified: true, File: "test.yaml", Line: 1}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func nd(s string) decimal.NullDecimal {
	if s == "" {
		return decimal.NullDecimal{}
	}
	return decimal.NewNullDecimal(d(s))
}

func bound(s string, lower bool) Bound {
	if s == "" {
		return Bound{}
	}
	b, err := ParseBound(s, lower)
	if err != nil {
		panic(err)
	}
	return b
}

func tier(lo, hi, price string) Rate {
	return Rate{Lower: bound(lo, true), Upper: bound(hi, false), Price: nd(price), Rule: "r", Meta: testMeta}
}

func sched(parts ...Part) *Schedule {
	return &Schedule{ID: "t", Version: "1", Title: "t", FeeKind: "k", Region: "r", QuantityUnit: "m3", Meta: testMeta, Parts: parts}
}

func calcOK(t *testing.T, s *Schedule, q string, in map[string]string) *Result {
	t.Helper()
	if err := Validate(s); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	r, err := Calculate(s, Request{Date: param.NewDate(2024, 1, 1), Quantity: d(q), Inputs: in})
	if err != nil {
		t.Fatalf("Calculate: %v", err)
	}
	return r
}

func problemCodes(err error) []string {
	var se *ScheduleError
	if !errors.As(err, &se) {
		return nil
	}
	var out []string
	for _, p := range se.Problems {
		out = append(out, p.Code)
	}
	return out
}

func TestTierValidation(t *testing.T) {
	cases := []struct {
		name  string
		tiers [][2]string
		code  string // "" = valid
	}{
		{"upper-closed", [][2]string{{">=0", "<=10"}, {">10", "<=20"}, {">20", ""}}, ""},
		{"lower-closed", [][2]string{{">=0", "<10"}, {">=10", "<20"}, {">=20", ""}}, ""},
		{"mixed", [][2]string{{">=0", "<=10"}, {">10", "<20"}, {">=20", ""}}, ""},
		{"single point tier", [][2]string{{">=0", "<=0"}, {">0", ""}}, ""},
		{"one open tier", [][2]string{{">=0", ""}}, ""},
		{"boundary in two tiers", [][2]string{{">=0", "<=10"}, {">=10", ""}}, "tier_boundary"},
		{"boundary in no tier", [][2]string{{">=0", "<10"}, {">10", ""}}, "tier_boundary"},
		{"overlap", [][2]string{{">=0", "<=10"}, {">5", ""}}, "tier_overlap"},
		{"gap", [][2]string{{">=0", "<=10"}, {">12", ""}}, "tier_gap"},
		{"not from zero", [][2]string{{">=1", ""}}, "tier_gap"},
		{"zero excluded", [][2]string{{">0", ""}}, "tier_gap"},
		{"last closed", [][2]string{{">=0", "<=10"}}, "tier_gap"},
		{"open tier not last", [][2]string{{">=0", ""}, {">10", ""}}, "tier_overlap"},
		{"descending", [][2]string{{">10", ""}, {">=0", "<=10"}}, "tier_gap"},
		{"empty tier", [][2]string{{">=0", "<=10"}, {">10", "<10"}, {">=10", ""}}, "invalid_value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rs []Rate
			for _, tr := range c.tiers {
				rs = append(rs, tier(tr[0], tr[1], "1"))
			}
			err := Validate(sched(Part{Name: "p", Kind: KindBlock, Label: "p", Rates: rs}))
			codes := problemCodes(err)
			if c.code == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !contains(codes, c.code) {
				t.Fatalf("want %s, got %v (%v)", c.code, codes, err)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	choice := Input{Name: "cat", Type: Choice, Label: "c", Choices: []string{"a", "b"}}
	num := Input{Name: "n", Type: Number, Label: "n", Unit: "u"}
	perUnit := func(when, price string) Rate {
		r := Rate{Price: nd(price), Rule: "r", Meta: testMeta}
		r.When, _ = ParseWhen(when)
		return r
	}
	cases := []struct {
		name string
		s    func() *Schedule
		code string
		msg  string
	}{
		{"negative price", func() *Schedule {
			return sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("", "-1")}})
		}, "negative_value", "negative"},
		{"choice not covered", func() *Schedule {
			s := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("cat = a", "1")}})
			s.Inputs = []Input{choice}
			return s
		}, "rate_missing", "cat = b"},
		{"choice covered twice", func() *Schedule {
			s := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("cat = a", "1"), perUnit("cat != b", "2"), perUnit("cat = b", "3")}})
			s.Inputs = []Input{choice}
			return s
		}, "rate_conflict", "both apply"},
		{"numeric condition on charging part", func() *Schedule {
			s := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("n > 1", "1")}})
			s.Inputs = []Input{num}
			return s
		}, "invalid_value", "choice inputs only"},
		{"unused input", func() *Schedule {
			s := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("", "1")}})
			s.Inputs = []Input{num}
			return s
		}, "invalid_value", "no part uses it"},
		{"unknown input in condition", func() *Schedule {
			return sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("zz = a", "1")}})
		}, "invalid_value", "no input named"},
		{"modifier targets modifier", func() *Schedule {
			return sched(
				Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("", "1")}},
				Part{Name: "m1", Kind: KindMultiply, Label: "m", Targets: []string{"p"}, Rates: []Rate{{Factor: nd("2"), Rule: "r", Meta: testMeta}}},
				Part{Name: "m2", Kind: KindMultiply, Label: "m", Targets: []string{"m1"}, Rates: []Rate{{Factor: nd("2"), Rule: "r", Meta: testMeta}}},
			)
		}, "invalid_value", "modifier"},
		{"verified without high confidence", func() *Schedule {
			s := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{perUnit("", "1")}})
			s.Meta.Confidence = "medium"
			return s
		}, "invalid_value", "contradicts"},
		{"figure outlives its schedule", func() *Schedule {
			r := perUnit("", "1")
			r.Meta.To = param.NewDate(2021, 1, 1)
			return sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{r}})
		}, "invalid_value", "exactly as long"},
		{"step without partial rule", func() *Schedule {
			return sched(Part{Name: "p", Kind: KindStep, Label: "p", Rates: []Rate{{Lower: bound(">1", true), Step: nd("1"), Price: nd("1"), Rule: "r", Meta: testMeta}}})
		}, "invalid_value", "partial"},
		{"price and factor", func() *Schedule {
			s := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{{Price: nd("1"), Factor: nd("1"), PriceOf: "n", Rule: "r", Meta: testMeta}}})
			s.Inputs = []Input{num}
			return s
		}, "invalid_value", "not both"},
		{"field foreign to kind", func() *Schedule {
			r := perUnit("", "1")
			r.Step = nd("5")
			return sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{r}})
		}, "unknown_field", "no step"},
		{"no rule", func() *Schedule {
			r := perUnit("", "1")
			r.Rule = ""
			return sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{r}})
		}, "required", "clause"},
		{"only a modifier", func() *Schedule {
			return sched(Part{Name: "m", Kind: KindMultiply, Label: "m", Targets: []string{"m"}, Rates: []Rate{{Factor: nd("2"), Rule: "r", Meta: testMeta}}})
		}, "required", "charging part"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(c.s())
			if err == nil {
				t.Fatal("accepted")
			}
			if !contains(problemCodes(err), c.code) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("want code %s and %q, got %v", c.code, c.msg, err)
			}
			ce := err.(*ScheduleError).CalcError()
			if ce.Kind != calc.KindInvalid || ce.Code != "invalid_schedule" || len(ce.Errors) == 0 {
				t.Fatalf("bad calc error %+v", ce)
			}
		})
	}
}

func TestBlockAndBand(t *testing.T) {
	tiers := []Rate{tier(">=0", "<=10", "1"), tier(">10", "<=20", "2"), tier(">20", "", "3")}
	block := calcOK(t, sched(Part{Name: "p", Kind: KindBlock, Label: "p", Rates: tiers}), "25", nil)
	// 10×1 + 10×2 + 5×3
	if !block.Total.Equal(d("45")) || block.Lines[0].Tier != "(20, ∞)" || len(block.Lines[0].Tiers) != 3 {
		t.Fatalf("block: %s %q %d", block.Total, block.Lines[0].Tier, len(block.Lines[0].Tiers))
	}
	band := calcOK(t, sched(Part{Name: "p", Kind: KindBand, Label: "p", Rates: tiers}), "20", nil)
	// 20 is in (10, 20]: the whole 20 at 2.
	if !band.Total.Equal(d("40")) || band.Lines[0].Tier != "(10, 20]" {
		t.Fatalf("band: %s %q", band.Total, band.Lines[0].Tier)
	}
}

// Amounts are written as money: two decimals, never rounded (a tier at a
// price of 0.125 keeps its three).
func TestResultWritesMoney(t *testing.T) {
	tiers := []Rate{tier(">=0", "<=10", "1"), tier(">10", "", "0.125")}
	r := calcOK(t, sched(Part{Name: "p", Kind: KindBlock, Label: "p", Rates: tiers}), "11", nil)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"total":"10.125"`, `"amount":"10.125"`, `"amount":"10.00"`, `"amount":"0.125"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	r = calcOK(t, sched(Part{Name: "p", Kind: KindBlock, Label: "p", Rates: tiers}), "10", nil)
	if b, _ := json.Marshal(r); !strings.Contains(string(b), `"total":"10.00"`) {
		t.Errorf("JSON lacks \"total\":\"10.00\": %s", b)
	}
}

func TestScaledTiersAndPriceOf(t *testing.T) {
	s := sched(
		Part{Name: "base", Kind: KindPerUnit, Label: "b", Rates: []Rate{{Factor: nd("1"), PriceOf: "price", Rule: "r", Meta: testMeta}}},
		Part{Name: "over", Kind: KindBlock, Label: "o", Scale: "quota", Rates: []Rate{
			{Lower: bound(">=0", true), Upper: bound("<=1", false), Factor: nd("0"), PriceOf: "price", Rule: "r", Meta: testMeta},
			{Lower: bound(">1", true), Factor: nd("0.5"), PriceOf: "price", Rule: "r", Meta: testMeta},
		}},
	)
	s.Inputs = []Input{{Name: "quota", Type: Number, Unit: "m3", Label: "q"}, {Name: "price", Type: Number, Unit: "元/m3", Label: "p"}}
	r := calcOK(t, s, "130", map[string]string{"quota": "100", "price": "2"})
	// 130×2 + 30×0.5×2
	if !r.Total.Equal(d("290")) {
		t.Fatalf("total %s", r.Total)
	}
	if _, err := Calculate(s, Request{Date: param.NewDate(2024, 1, 1), Quantity: d("1"), Inputs: map[string]string{"quota": "0", "price": "2"}}); err == nil {
		t.Fatal("zero scale accepted")
	}
}

func TestStepsAndModifiers(t *testing.T) {
	s := sched(
		Part{Name: "sur", Kind: KindStep, Label: "s", Measure: "m", Rates: []Rate{{Lower: bound(">100", true), Step: nd("20"), Partial: Ceil, Price: nd("0.01"), Rule: "r", Meta: testMeta}}},
		Part{Name: "low", Kind: KindStep, Label: "l", Measure: "m", Rates: []Rate{{Upper: bound("<6", false), Step: nd("1"), Partial: Ceil, Price: nd("1"), Rule: "r", Meta: testMeta}}},
		Part{Name: "late", Kind: KindMultiply, Label: "late", Targets: []string{"sur"}, Rates: []Rate{{When: []Cond{{"late", "=", "yes"}}, Factor: nd("1.5"), Rule: "r", Meta: testMeta}}},
		Part{Name: "cut", Kind: KindReducePerStep, Label: "cut", Measure: "share", Targets: []string{"sur"}, Rates: []Rate{{Lower: bound(">15", true), Step: nd("1"), Partial: Floor, Factor: nd("0.01"), Rule: "r", Meta: testMeta}}},
	)
	s.Inputs = []Input{
		{Name: "m", Type: Number, Unit: "u", Label: "m"},
		{Name: "late", Type: Choice, Choices: []string{"no", "yes"}, Default: "no", Label: "l"},
		{Name: "share", Type: Number, Unit: "%", Label: "s", Max: nd("100"), Default: "0"},
	}
	for _, c := range []struct {
		m, late, share, want string
	}{
		{"100", "no", "0", "0"},
		{"101", "no", "0", "0.01"},        // a started step is a full step
		{"140", "no", "0", "0.02"},        // exactly two steps
		{"150", "yes", "0", "0.045"},      // 3 steps × 1.5
		{"150", "yes", "20.9", "0.04275"}, // × (1 − 5 × 1 %): the partial point is not counted
	} {
		r := calcOK(t, s, "1", map[string]string{"m": c.m, "late": c.late, "share": c.share})
		if !r.Total.Equal(d(c.want)) {
			t.Errorf("m=%s late=%s share=%s: total %s, want %s", c.m, c.late, c.share, r.Total, c.want)
		}
	}
	// The measure below a threshold: pH-like 3.5 is 2.5 below 6 → 3 steps.
	r := calcOK(t, s, "2", map[string]string{"m": "3.5"})
	if !r.Lines[1].Amount.Equal(d("6")) {
		t.Errorf("below-threshold step: %s", r.Lines[1].Amount)
	}
	// What-if floor: 2 steps.
	r2, err := Calculate(s, Request{Date: param.NewDate(2024, 1, 1), Quantity: d("2"), Inputs: map[string]string{"m": "3.5"}, PartialStep: Floor})
	if err != nil || !r2.Lines[1].Amount.Equal(d("4")) {
		t.Fatalf("floor override: %v %v", err, r2)
	}
	found := false
	for _, w := range r2.Warnings {
		found = found || w.Code == "partial_step_override"
	}
	if !found {
		t.Error("override not warned")
	}
}

func TestRequestErrors(t *testing.T) {
	s := sched(Part{Name: "p", Kind: KindBand, Label: "p", Measure: "m", Rates: []Rate{tier(">=0", "", "1")}})
	s.Meta.To = param.NewDate(2030, 12, 31)
	for i := range s.Parts[0].Rates {
		s.Parts[0].Rates[i].Meta.To = s.Meta.To
	}
	s.Inputs = []Input{{Name: "m", Type: Number, Unit: "u", Label: "m", Max: nd("10")}}
	if err := Validate(s); err != nil {
		t.Fatal(err)
	}
	day := param.NewDate(2024, 1, 1)
	cases := []struct {
		name string
		req  Request
		path string
		code string
	}{
		{"negative quantity", Request{Date: day, Quantity: d("-1"), Inputs: map[string]string{"m": "1"}}, "quantity", "negative_value"},
		{"unknown input", Request{Date: day, Quantity: d("1"), Inputs: map[string]string{"m": "1", "x": "1"}}, "inputs.x", "unknown_input"},
		{"missing input", Request{Date: day, Quantity: d("1")}, "inputs.m", "required"},
		{"negative input", Request{Date: day, Quantity: d("1"), Inputs: map[string]string{"m": "-2"}}, "inputs.m", "negative_value"},
		{"not a number", Request{Date: day, Quantity: d("1"), Inputs: map[string]string{"m": "1e3"}}, "inputs.m", "invalid_number"},
		{"above max", Request{Date: day, Quantity: d("1"), Inputs: map[string]string{"m": "11"}}, "inputs.m", "invalid_value"},
		{"before schedule", Request{Date: param.NewDate(2019, 12, 31), Quantity: d("1"), Inputs: map[string]string{"m": "1"}}, "date", "schedule_not_in_force"},
		{"after schedule", Request{Date: param.NewDate(2031, 1, 1), Quantity: d("1"), Inputs: map[string]string{"m": "1"}}, "date", "schedule_not_in_force"},
		{"bad override", Request{Date: day, Quantity: d("1"), Inputs: map[string]string{"m": "1"}, PartialStep: "round"}, "partial_step", "invalid_value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Calculate(s, c.req)
			var ce *calc.Error
			if !errors.As(err, &ce) || res != nil {
				t.Fatalf("want *calc.Error and no result, got %v, %v", res, err)
			}
			ok := false
			for _, f := range ce.Errors {
				ok = ok || (f.Path == c.path && f.Code == c.code)
			}
			if !ok || ce.Kind != calc.KindInvalid {
				t.Fatalf("want %s %s, got %+v", c.path, c.code, ce)
			}
		})
	}
}

func TestUnverifiedFigureWarns(t *testing.T) {
	un := testMeta
	un.Confidence, un.Verified = "unverified", false
	rs := []Rate{tier(">=0", "<=10", "1"), tier(">10", "", "2")}
	rs[1].Meta = un
	s := sched(Part{Name: "p", Kind: KindBlock, Label: "p", Rates: rs})
	low := calcOK(t, s, "5", nil)
	if !low.Verified || len(low.Warnings) != 0 {
		t.Fatalf("only the verified tier was used: %+v", low.Warnings)
	}
	high := calcOK(t, s, "15", nil)
	if high.Verified || len(high.Warnings) != 1 || high.Warnings[0].Code != "unverified_figure" {
		t.Fatalf("unverified tier used but not said: %+v", high.Warnings)
	}
}

func TestParseWhenAndBound(t *testing.T) {
	good := map[string]string{
		"a = b":                   "a = b",
		"a>=1 and b != c":         "a >= 1 and b != c",
		"share >= weight and x<2": "share >= weight and x < 2",
	}
	for in, want := range good {
		cs, err := ParseWhen(in)
		if err != nil || WhenString(cs) != want {
			t.Errorf("ParseWhen(%q) = %q, %v", in, WhenString(cs), err)
		}
	}
	for _, bad := range []string{"a", "a == b", "A = b", "a = ", "a ! b", "a = b c", "= b"} {
		if _, err := ParseWhen(bad); err == nil {
			t.Errorf("ParseWhen(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"<=1", "1", ">= -1", "> 1e3", ">", "=> 1", "> .5"} {
		if _, err := ParseBound(bad, true); err == nil {
			t.Errorf("ParseBound(%q, lower) accepted", bad)
		}
	}
	if b, err := ParseBound("< 25.5", false); err != nil || b.Inclusive || !b.Value.Equal(d("25.5")) {
		t.Errorf("ParseBound upper: %+v %v", b, err)
	}
}

func TestCatalog(t *testing.T) {
	a := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{{Price: nd("1"), Rule: "r", Meta: testMeta}}})
	a.Meta.To = param.NewDate(2021, 12, 31)
	a.Parts[0].Rates[0].Meta.To = a.Meta.To
	b := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{{Price: nd("2"), Rule: "r", Meta: testMeta}}})
	b.Version = "2"
	b.Meta.From = param.NewDate(2022, 1, 1)
	b.Parts[0].Rates[0].Meta.From = b.Meta.From
	c, err := NewCatalog([]*Schedule{b, a})
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[param.Date]string{param.NewDate(2021, 12, 31): "1", param.NewDate(2022, 1, 1): "2"} {
		s, err := c.Find("t", date)
		if err != nil || s.Version != want {
			t.Errorf("Find(t, %s) = %v, %v; want version %s", date, s, err, want)
		}
	}
	if _, err := c.Find("t@1", param.NewDate(2023, 1, 1)); err == nil {
		t.Error("pinned version outside its dates accepted")
	}
	var ce *calc.Error
	if _, err := c.Find("nope", param.NewDate(2023, 1, 1)); !errors.As(err, &ce) || ce.Code != "unknown_schedule" {
		t.Errorf("unknown schedule: %v", err)
	}
	if _, err := c.Find("t", param.NewDate(2019, 1, 1)); !errors.As(err, &ce) || ce.Code != "schedule_not_in_force" {
		t.Errorf("before all versions: %v", err)
	}
	b.Meta.From = param.NewDate(2021, 6, 1)
	b.Parts[0].Rates[0].Meta.From = b.Meta.From
	if _, err := NewCatalog([]*Schedule{a, b}); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping versions accepted: %v", err)
	}
}

func TestRoundingOnlyWhenRuled(t *testing.T) {
	s := sched(Part{Name: "p", Kind: KindPerUnit, Label: "p", Rates: []Rate{{Price: nd("0.125"), Rule: "r", Meta: testMeta}}})
	if r := calcOK(t, s, "1", nil); !r.Total.Equal(d("0.125")) {
		t.Fatalf("rounded without a rule: %s", r.Total)
	}
	s.Rounding = &Rounding{Places: 2, Rule: "按元保留两位小数（测试）"}
	r := calcOK(t, s, "1", nil)
	if !r.Total.Equal(d("0.13")) { // half up
		t.Fatalf("half up: %s", r.Total)
	}
	last := r.Trace[len(r.Trace)-1]
	if last.Rule != s.Rounding.Rule || !strings.Contains(last.Text, "0.125 → 0.13") {
		t.Fatalf("rounding not traced: %+v", last)
	}
	s.Rounding = &Rounding{Places: 2}
	if err := Validate(s); err == nil {
		t.Fatal("rounding without a rule accepted")
	}
}
