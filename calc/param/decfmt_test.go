package param

import (
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// appendDecimal must print exactly what shopspring prints, for small and
// huge coefficients, every exponent and every number of places.
func TestAppendDecimalMatchesShopspring(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var d decimal.Decimal
		switch rapid.IntRange(0, 3).Draw(t, "shape") {
		case 0:
			d = decimal.New(rapid.Int64().Draw(t, "c"), rapid.Int32Range(-20, 20).Draw(t, "exp"))
		case 1:
			d = decimal.New(rapid.Int64Range(-100000, 100000).Draw(t, "c"), rapid.Int32Range(-6, 3).Draw(t, "exp"))
		case 2:
			c, _ := new(big.Int).SetString(rapid.StringMatching(`-?[1-9][0-9]{18,40}`).Draw(t, "big"), 10)
			d = decimal.NewFromBigInt(c, rapid.Int32Range(-30, 5).Draw(t, "exp"))
		default:
			d = decimal.Decimal{} // the zero value
		}
		if got, want := FormatDecimal(d, -1), d.String(); got != want {
			t.Fatalf("String of %v: got %s, want %s", d, got, want)
		}
		places := rapid.Int32Range(0, 6).Draw(t, "places")
		if got, want := FormatDecimal(d, places), d.StringFixed(places); got != want {
			t.Fatalf("StringFixed(%d) of %v: got %s, want %s", places, d, got, want)
		}
	})
}

// AppendCoefficient prints c × 10^exp as shopspring prints the decimal.
func TestAppendCoefficientMatchesShopspring(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.OneOf(rapid.Int64(), rapid.Int64Range(-100000, 100000)).Draw(t, "c")
		exp := rapid.Int32Range(-20, 20).Draw(t, "exp")
		d := decimal.New(c, exp)
		if got, want := string(AppendCoefficient(nil, c, exp, -1)), d.String(); got != want {
			t.Fatalf("String of %v: got %s, want %s", d, got, want)
		}
		places := rapid.Int32Range(0, 6).Draw(t, "places")
		if got, want := string(AppendCoefficient(nil, c, exp, places)), d.StringFixed(places); got != want {
			t.Fatalf("StringFixed(%d) of %v: got %s, want %s", places, d, got, want)
		}
	})
}

// TestDigitsExact: the digit count is the length of the coefficient's
// text around every power of ten, where decimal's NumDigits (a float
// logarithm) falls one short.
func TestDigitsExact(t *testing.T) {
	short := 0
	for k := 0; k <= 40; k++ {
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
		for _, delta := range []int64{-2, -1, 0, 1, 2, 7} {
			c := new(big.Int).Add(p, big.NewInt(delta))
			if c.Sign() <= 0 {
				continue
			}
			for _, neg := range []bool{false, true} {
				v := new(big.Int).Set(c)
				if neg {
					v.Neg(v)
				}
				for _, exp := range []int32{-12, 0, 3} {
					d := decimal.NewFromBigInt(v, exp)
					want := len(c.String())
					if got := Digits(d); got != want {
						t.Fatalf("Digits(%s) = %d, want %d", d, got, want)
					}
					if d.NumDigits() != want {
						short++
					}
				}
			}
		}
	}
	if Digits(decimal.Zero) != 1 {
		t.Fatalf("Digits(0) = %d", Digits(decimal.Zero))
	}
	t.Logf("decimal's NumDigits was wrong on %d of these", short)
}
