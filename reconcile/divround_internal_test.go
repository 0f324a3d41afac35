package reconcile

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

// TestDivRoundAgrees: divRound gives what shopspring's DivRound gives,
// coefficient and exponent, on random operands of every size (the fast
// path and the fallback), halves included.
func TestDivRoundAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 4))
	digits := func() int64 {
		n := rng.IntN(20)
		v := int64(0)
		for i := 0; i < n && i < 18; i++ {
			v = v*10 + rng.Int64N(10)
		}
		if rng.IntN(2) == 0 {
			v = -v
		}
		return v
	}
	check := func(a, b decimal.Decimal, p int32) {
		t.Helper()
		want := a.DivRound(b, p)
		got := divRound(a, b, p)
		if got.String() != want.String() || got.Exponent() != want.Exponent() || got.Coefficient().Cmp(want.Coefficient()) != 0 {
			t.Fatalf("%s ÷ %s to %d places: got %s (exp %d), want %s (exp %d)", a, b, p, got, got.Exponent(), want, want.Exponent())
		}
	}
	for i := 0; i < 200000; i++ {
		a := decimal.New(digits(), int32(rng.IntN(16)-10))
		b := decimal.New(digits(), int32(rng.IntN(16)-10))
		if b.Sign() == 0 {
			continue
		}
		check(a, b, int32(rng.IntN(10)))
	}
	// Halves, both signs, and the shapes a reconciliation divides.
	for _, c := range [][3]string{{"1", "8", "2"}, {"-1", "8", "2"}, {"5", "2", "0"}, {"-5", "2", "0"}, {"1", "-2", "0"},
		{"743", "744", "4"}, {"0", "31", "4"}, {"12345.678", "3", "6"}, {"1", "3", "0"}, {"-0.4", "1", "0"},
		{"999999999999999999", "1", "18"}, {"0.000001", "1000000", "6"}} {
		p, _ := decimal.NewFromString(c[2])
		check(decimal.RequireFromString(c[0]), decimal.RequireFromString(c[1]), int32(p.IntPart()))
	}
	// A big coefficient goes to shopspring.
	big := decimal.RequireFromString("123456789012345678901234567890")
	check(big, decimal.New(7, 0), 6)
}

// TestOrderInPlace: orderInPlace gives the order sortedKeys gives.
func TestOrderInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	for n := 0; n < 40; n++ {
		items := make([]Item, n)
		for i := range items {
			items[i] = Item{Month: "2024-0" + string(rune('1'+rng.IntN(3))), OutletNo: "D" + string(rune('A'+rng.IntN(4))),
				PollutantID: string(rune('a'+i)) + string(rune('a'+rng.IntN(26)))}
		}
		want := slices.Clone(items)
		slices.SortFunc(want, func(a, b Item) int {
			return cmpItemKey(a.Month, a.OutletNo, a.PollutantID, b.Month, b.OutletNo, b.PollutantID)
		})
		orderInPlace(items)
		for i := range items {
			if items[i].Month != want[i].Month || items[i].OutletNo != want[i].OutletNo || items[i].PollutantID != want[i].PollutantID {
				t.Fatalf("n=%d: at %d %+v, want %+v", n, i, items[i], want[i])
			}
		}
	}
}
