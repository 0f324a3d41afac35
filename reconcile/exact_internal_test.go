package reconcile

import (
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func genAnyDecimal(t *rapid.T, label string) decimal.Decimal {
	exp := int32(rapid.IntRange(-25, 25).Draw(t, label+".exp"))
	switch rapid.IntRange(0, 3).Draw(t, label+".shape") {
	case 0:
		return decimal.New(rapid.Int64Range(-1000, 1000).Draw(t, label), int32(rapid.IntRange(-3, 1).Draw(t, label+".e")))
	case 1:
		return decimal.New(rapid.Int64Range(-999_999_999_999_999_999, 999_999_999_999_999_999).Draw(t, label), exp)
	case 2:
		return decimal.New(rapid.Int64().Draw(t, label), exp)
	default:
		c := new(big.Int).Lsh(big.NewInt(rapid.Int64Range(-1<<40, 1<<40).Draw(t, label)), uint(rapid.IntRange(0, 90).Draw(t, label+".sh")))
		return decimal.NewFromBigInt(c, exp)
	}
}

// TestCmpProducts: the 128-bit comparison agrees with shopspring's exact
// arithmetic on any decimals, including ties at different exponents.
func TestCmpProducts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c, d := genAnyDecimal(t, "a"), genAnyDecimal(t, "b"), genAnyDecimal(t, "c"), genAnyDecimal(t, "d")
		if rapid.IntRange(0, 3).Draw(t, "tie") == 0 {
			// The same product written with other exponents: a·b = c·d.
			k := int32(rapid.IntRange(0, 6).Draw(t, "k"))
			c, d = decimal.NewFromBigInt(a.Coefficient().Mul(a.Coefficient(), big.NewInt(1).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)), a.Exponent()-k), b
		}
		want := a.Mul(b).Cmp(c.Mul(d))
		if got := cmpProducts(a, b, c, d); got != want {
			t.Fatalf("cmpProducts(%s, %s, %s, %s) = %d, want %d", a, b, c, d, got, want)
		}
		if got, want := cmpDecimal(a, c), a.Cmp(c); got != want {
			t.Fatalf("cmpDecimal(%s, %s) = %d, want %d", a, c, got, want)
		}
	})
}

// TestShortcuts: addFirst and timesUnit give what shopspring's Add and Mul
// give, coefficient and exponent alike.
func TestShortcuts(t *testing.T) {
	same := func(a, b decimal.Decimal) bool {
		return a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0
	}
	rapid.Check(t, func(t *rapid.T) {
		x, y := genAnyDecimal(t, "x"), genAnyDecimal(t, "y")
		if got, want := addFirst(decimal.Decimal{}, true, x), (decimal.Decimal{}).Add(x); !same(got, want) {
			t.Fatalf("0 + %s: %s (exp %d), want exp %d", x, got, got.Exponent(), want.Exponent())
		}
		if got, want := addFirst(y, false, x), y.Add(x); !same(got, want) {
			t.Fatalf("%s + %s: %s", y, x, got)
		}
		for _, u := range []decimal.Decimal{decimal.New(1, 0), decimal.New(10, -1), y} {
			if got, want := timesUnit(x, u), x.Mul(u); !same(got, want) {
				t.Fatalf("%s × %s (exp %d): %s exp %d, want exp %d", x, u, u.Exponent(), got, got.Exponent(), want.Exponent())
			}
		}
	})
}
