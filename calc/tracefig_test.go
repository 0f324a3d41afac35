package calc

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// genDecimal draws decimals as requests and tables hold them, and some
// near the edges of the 64-bit paths (coefficients near 10^15, far
// apart exponents, zeros with exponents).
func genDecimal(t *rapid.T, label string) decimal.Decimal {
	c := rapid.OneOf(
		rapid.Int64Range(-1000, 1000),
		rapid.Int64Range(-1e9, 1e9),
		rapid.Int64Range(1e15-3, 1e15+3),
		rapid.Int64Range(-1e18, 1e18),
	).Draw(t, label+".c")
	exp := rapid.OneOf(rapid.Int32Range(-3, 0), rapid.Int32Range(-12, 6)).Draw(t, label+".exp")
	return decimal.New(c, exp)
}

// approxDecimal is approx as it was written with decimal alone.
func approxDecimal(num, den decimal.Decimal) string {
	if den.IsZero() {
		return "0"
	}
	q := num.DivRound(den, 8)
	if q.Mul(den).Equal(num) {
		return q.String()
	}
	return q.String() + "…"
}

// TestTraceFigsSameAsDecimal: the trace's 64-bit figures (a solid
// waste's base, a quotient shown to 8 decimals) print what decimal's
// Sub, DivRound and String print, on both sides of every fallback.
func TestTraceFigsSameAsDecimal(t *testing.T) {
	var bases, quotients int // answered in 64 bits
	rapid.Check(t, func(t *rapid.T) {
		var v [4]decimal.Decimal
		for i := range v {
			v[i] = genDecimal(t, "v")
		}
		want := v[0].Sub(v[1]).Sub(v[2]).Sub(v[3]).String()
		if x, ok := solidBase(v); ok {
			bases++
			if got := string(appendFig(nil, x)); got != want {
				t.Fatalf("%v: base %s, decimal %s", v, got, want)
			}
		}
		num, den := v[0], v[1]
		want = approxDecimal(num, den)
		if got := approx(num, den); got != want {
			t.Fatalf("%s ÷ %s: %s, decimal %s", num, den, got, want)
		}
		// The colour multiple: (measured − standard) ÷ standard.
		diff := v[0].Sub(v[1])
		want = approxDecimal(diff, v[1])
		m, ok := figOf(v[0])
		s1, ok1 := figOf(v[1])
		if ok && ok1 {
			if m, ok = subFig(m, s1); ok {
				got, fits := appendApproxFig(nil, m, s1)
				if fits && string(got) != want {
					t.Fatalf("(%s − %s) ÷ %s: %s, decimal %s", v[0], v[1], v[1], got, want)
				}
				if fits {
					quotients++
				}
			}
		}
	})
	if bases == 0 || quotients == 0 {
		t.Fatalf("the 64-bit paths answered %d bases and %d quotients", bases, quotients)
	}
	t.Logf("the 64-bit paths answered %d bases and %d quotients", bases, quotients)
}
