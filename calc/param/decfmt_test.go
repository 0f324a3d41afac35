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

// decimalEdges are coefficients where printers go wrong: zero, one,
// powers of ten and their neighbours, the 18- and 19-digit limits of the
// direct printer and of int64, each with both signs.
func decimalEdges() []int64 {
	out := []int64{0, 1, 9, 99, 1<<63 - 1, -1 << 63, 1e18 - 1, 1e18, 1e18 + 1}
	for _, p := range pow10 {
		out = append(out, p-1, p, p+1, 5*p, 99*p)
	}
	n := len(out)
	for _, c := range out[:n] {
		if c != -1<<63 {
			out = append(out, -c)
		}
	}
	return out
}

// checkCoefficient checks the printers on c × 10^exp against shopspring and
// against the general printer the direct one replaced
// (appendCoefficientLong, the printer before stop 11).
func checkCoefficient(t interface{ Fatalf(string, ...any) }, c int64, exp, places int32) {
	d := decimal.New(c, exp)
	want := d.String()
	if places >= 0 {
		want = d.StringFixed(places)
	}
	if got := string(AppendCoefficient([]byte("x"), c, exp, places)); got != "x"+want {
		t.Fatalf("AppendCoefficient(%d, %d, %d) = %q, want %q", c, exp, places, got[1:], want)
	}
	if got := string(AppendDecimal(nil, d, places)); got != want {
		t.Fatalf("AppendDecimal(%s, %d) = %q, want %q", d, places, got, want)
	}
	if got := string(appendCoefficientLong(nil, c, exp, places)); got != want {
		t.Fatalf("appendCoefficientLong(%d, %d, %d) = %q, want %q", c, exp, places, got, want)
	}
}

// Every edge coefficient at every exponent from −30 to 30, as String
// and as StringFixed with 0 to 30 places.
func TestAppendCoefficientEdges(t *testing.T) {
	for _, c := range decimalEdges() {
		for exp := int32(-30); exp <= 30; exp++ {
			for places := int32(-1); places <= 30; places++ {
				checkCoefficient(t, c, exp, places)
			}
		}
	}
}

// Random coefficients of every length (and big.Int coefficients beyond
// int64 through AppendDecimal), exponents and places.
func TestAppendCoefficientRandom(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		digits := rapid.IntRange(1, 19).Draw(t, "digits")
		c := rapid.Int64Range(0, 1<<63-1).Draw(t, "c")
		if digits < 19 {
			c %= pow10[digits]
		}
		if rapid.Bool().Draw(t, "neg") {
			c = -c
		}
		exp := rapid.Int32Range(-40, 40).Draw(t, "exp")
		places := rapid.Int32Range(-1, 40).Draw(t, "places")
		checkCoefficient(t, c, exp, places)
	})
	rapid.Check(t, func(t *rapid.T) {
		c, _ := new(big.Int).SetString(rapid.StringMatching(`-?[1-9][0-9]{17,40}`).Draw(t, "big"), 10)
		d := decimal.NewFromBigInt(c, rapid.Int32Range(-45, 10).Draw(t, "exp"))
		places := rapid.Int32Range(-1, 30).Draw(t, "places")
		want := d.String()
		if places >= 0 {
			want = d.StringFixed(places)
		}
		if got := FormatDecimal(d, places); got != want {
			t.Fatalf("FormatDecimal(%s, %d) = %q, want %q", d, places, got, want)
		}
	})
}

// FuzzAppendCoefficient: the printers agree with shopspring on any
// coefficient, exponent and number of places.
func FuzzAppendCoefficient(f *testing.F) {
	for _, c := range decimalEdges() {
		f.Add(c, int32(-2), int32(2))
		f.Add(c, int32(-7), int32(-1))
	}
	f.Fuzz(func(t *testing.T, c int64, exp, places int32) {
		if exp < -60 || exp > 60 || places < -1 || places > 60 {
			t.Skip()
		}
		checkCoefficient(t, c, exp, places)
	})
}
