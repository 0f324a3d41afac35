package hj212

import "github.com/shopspring/decimal"

// Value is an exact decimal number as a packet sent it: an integer
// coefficient and a power of ten, coef × 10^exp ("1.230" is 1230 × 10^-3,
// its trailing zero kept). Parsing fills it without allocating; the
// shopspring decimal is built only when asked for (Decimal). A number of
// more than 18 digits, which the int64 coefficient cannot hold, keeps a
// decimal instead.
type Value struct {
	coef int64
	exp  int32
	big  *decimal.Decimal // only for coefficients beyond int64
}

// ValueOf holds d exactly.
func ValueOf(d decimal.Decimal) Value {
	c := d.Coefficient()
	if c.IsInt64() {
		return Value{coef: c.Int64(), exp: d.Exponent()}
	}
	return Value{big: &d}
}

// Decimal returns the value as a shopspring decimal (with the exponent as
// sent: "1.230" has exponent -3).
func (v Value) Decimal() decimal.Decimal {
	if v.big != nil {
		return *v.big
	}
	return decimal.New(v.coef, v.exp)
}

// Int64 returns the coefficient and exponent (the value is coef × 10^exp)
// when the coefficient fits an int64; ok is false otherwise.
func (v Value) Int64() (coef int64, exp int32, ok bool) {
	if v.big != nil {
		return 0, 0, false
	}
	return v.coef, v.exp, true
}

// IsZero reports whether the value is zero.
func (v Value) IsZero() bool {
	if v.big != nil {
		return v.big.IsZero()
	}
	return v.coef == 0
}

// String is the value in the shortest plain form of its decimal
// ("1.230" → "1.23").
func (v Value) String() string { return v.Decimal().String() }

// Number is the pair's value as an exact decimal, built on demand; zero
// when IsNumber is false.
func (q *Pair) Number() decimal.Decimal { return q.Num.Decimal() }
