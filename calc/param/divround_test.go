package param

import (
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestDivRoundCoefAgrees: where DivRoundCoef answers, its quotient is
// shopspring's DivRound to the coefficient and exponent; and it answers
// for the divisions a declaration makes.
func TestDivRoundCoefAgrees(t *testing.T) {
	answered := 0
	rapid.Check(t, func(t *rapid.T) {
		am := rapid.Uint64Range(0, 999_999_999_999_999_999).Draw(t, "am")
		bm := rapid.Uint64Range(0, 999_999_999_999_999_999).Draw(t, "bm")
		if rapid.Bool().Draw(t, "small") {
			am, bm = am%1_000_000, bm%10_000
		}
		ae := int32(rapid.IntRange(-20, 20).Draw(t, "ae"))
		be := int32(rapid.IntRange(-20, 20).Draw(t, "be"))
		places := int32(rapid.IntRange(-2, 20).Draw(t, "places"))
		an, bn := rapid.Bool().Draw(t, "an"), rapid.Bool().Draw(t, "bn")
		q, ok := DivRoundCoef(am, ae, bm, be, places)
		if !ok {
			return
		}
		answered++
		a := decimal.NewFromBigInt(new(big.Int).SetUint64(am), ae)
		b := decimal.NewFromBigInt(new(big.Int).SetUint64(bm), be)
		if an {
			a = a.Neg()
		}
		if bn {
			b = b.Neg()
		}
		c := new(big.Int).SetUint64(q)
		if an != bn {
			c.Neg(c)
		}
		want := a.DivRound(b, places)
		got := decimal.NewFromBigInt(c, -places)
		if got.Exponent() != want.Exponent() || got.Coefficient().Cmp(want.Coefficient()) != 0 {
			t.Fatalf("%s ÷ %s at %d: got %s, shopspring %s", a, b, places, got, want)
		}
	})
	if answered == 0 {
		t.Fatal("DivRoundCoef answered none of the divisions")
	}
	t.Logf("%d divisions answered in 128 bits", answered)
	// 1820.5 kg ÷ 0.95 kg at 2 places (当量数), and 1/3 at 18 places.
	if q, ok := DivRoundCoef(18205, -1, 95, -2, 2); !ok || q != 191632 {
		t.Fatalf("1820.5 ÷ 0.95 = %d %v, want 191632", q, ok)
	}
	if q, ok := DivRoundCoef(1, 0, 3, 0, 18); !ok || q != 333_333_333_333_333_333 {
		t.Fatalf("1 ÷ 3 = %d %v", q, ok)
	}
}
