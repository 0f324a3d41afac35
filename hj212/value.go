package hj212

import "github.com/shopspring/decimal"

// Value is an exact decimal number as a packet sent it: an integer
// coefficient and a power of ten, coef × 10^exp ("1.230" is 1230 × 10^-3,
// its trailing zero kept). Parsing fills it without allocating; the
// shopspring decimal is built only when asked for (Decimal). A number of
// more than 18 digits, which the int64 coefficient cannot hold, keeps a
// decimal instead.
//
// It is 16 bytes, two words, because a packet holds one per CP pair: the
// exponent (and, rarely, the big decimal) lives behind x, which for the
// exponents packets use points into a shared read-only table, so that
// no value allocates; exponent 0 is a nil x, so the zero Value is 0.
type Value struct {
	coef int64
	x    *valueExt
}

// valueExt is what a Value keeps beside its coefficient.
type valueExt struct {
	exp int32
	big *decimal.Decimal // only for coefficients beyond int64
}

// expBias is the offset of exponent 0 in expTable, which covers the
// exponents -expBias … +expBias (parsed values have 0 … -18).
const expBias = 40

var expTable = func() (t [2*expBias + 1]valueExt) {
	for i := range t {
		t[i].exp = int32(i - expBias)
	}
	return t
}()

// makeValue is coef × 10^exp without allocating for the usual exponents.
func makeValue(coef int64, exp int32) Value {
	if exp == 0 {
		return Value{coef: coef}
	}
	if i := uint32(exp + expBias); i < uint32(len(expTable)) {
		return Value{coef: coef, x: &expTable[i]}
	}
	return Value{coef: coef, x: &valueExt{exp: exp}}
}

// fracValue is coef × 10^-frac for 0 ≤ frac ≤ expBias (the parser's case).
func fracValue(coef int64, frac int) Value {
	if frac == 0 {
		return Value{coef: coef}
	}
	return Value{coef: coef, x: &expTable[expBias-frac]}
}

func (v Value) exp() int32 {
	if v.x == nil {
		return 0
	}
	return v.x.exp
}

func (v Value) bigDec() *decimal.Decimal {
	if v.x == nil {
		return nil
	}
	return v.x.big
}

// ValueOf holds d exactly.
func ValueOf(d decimal.Decimal) Value {
	c := d.Coefficient()
	if c.IsInt64() {
		return makeValue(c.Int64(), d.Exponent())
	}
	return Value{x: &valueExt{big: &d}}
}

// Decimal returns the value as a shopspring decimal (with the exponent as
// sent: "1.230" has exponent -3).
func (v Value) Decimal() decimal.Decimal {
	if v.x == nil {
		return decimal.New(v.coef, 0)
	}
	if v.x.big != nil {
		return *v.x.big
	}
	return decimal.New(v.coef, v.x.exp)
}

// Int64 returns the coefficient and exponent (the value is coef × 10^exp)
// when the coefficient fits an int64; ok is false otherwise.
func (v Value) Int64() (coef int64, exp int32, ok bool) {
	if v.x == nil {
		return v.coef, 0, true
	}
	if v.x.big != nil {
		return 0, 0, false
	}
	return v.coef, v.x.exp, true
}

// IsZero reports whether the value is zero.
func (v Value) IsZero() bool {
	if b := v.bigDec(); b != nil {
		return b.IsZero()
	}
	return v.coef == 0
}

// String is the value in the shortest plain form of its decimal
// ("1.230" → "1.23").
func (v Value) String() string { return v.Decimal().String() }

// Number is the pair's value as an exact decimal, built on demand; zero
// when IsNumber is false.
func (q *Pair) Number() decimal.Decimal { return q.Num.Decimal() }
