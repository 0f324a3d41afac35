package reconcile

import (
	"math/bits"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Comparing two decimals of different exponents makes shopspring rescale
// one of them (a big.Int power of ten and a product, on the heap), and a
// reconciliation compares a few figures per item and, for the peers,
// thousands of products: it was a tenth of the run. cmpProducts compares
// two products exactly in 128-bit integers when the coefficients fit 18
// digits (every real figure) and falls back to shopspring otherwise.

var one = decimal.New(1, 0)

// cmpProducts returns the sign of a·b − c·d, exactly.
func cmpProducts(a, b, c, d decimal.Decimal) int {
	if s, ok := fastCmpProducts(a, b, c, d); ok {
		return s
	}
	return a.Mul(b).Cmp(c.Mul(d))
}

// cmpDecimal returns the sign of a − b, exactly.
func cmpDecimal(a, b decimal.Decimal) int { return cmpProducts(a, one, b, one) }

// small splits d into the magnitude and sign of its coefficient and its
// exponent, when the coefficient has at most 18 digits.
func small(d decimal.Decimal) (mag uint64, neg bool, exp int32, ok bool) {
	var c int64
	if v, inPlace := param.InPlace(d); inPlace {
		// The coefficient read where it is (NumDigits takes a
		// floating-point logarithm, a tenth of the comparisons).
		if v != nil {
			if !v.IsInt64() {
				return 0, false, 0, false
			}
			if c = v.Int64(); c <= -1e18 || c >= 1e18 {
				return 0, false, 0, false
			}
		}
	} else {
		if d.NumDigits() > 18 {
			return 0, false, 0, false
		}
		c = d.CoefficientInt64()
	}
	if c < 0 {
		return uint64(-c), true, d.Exponent(), true
	}
	return uint64(c), false, d.Exponent(), true
}

// product is |x·y| as 128 bits, its sign and exponent (zero counts as
// positive).
type product struct {
	hi, lo uint64
	neg    bool
	exp    int64
}

func mulSmall(x, y decimal.Decimal) (product, bool) {
	xm, xn, xe, ok1 := small(x)
	ym, yn, ye, ok2 := small(y)
	if !ok1 || !ok2 {
		return product{}, false
	}
	hi, lo := bits.Mul64(xm, ym)
	zero := hi == 0 && lo == 0
	return product{hi: hi, lo: lo, neg: xn != yn && !zero, exp: int64(xe) + int64(ye)}, true
}

func (p product) zero() bool { return p.hi == 0 && p.lo == 0 }

// times10 multiplies the magnitude by 10^k; false when it leaves 128 bits.
func (p product) times10(k int64) (product, bool) {
	for ; k > 0; k-- {
		hi1, lo := bits.Mul64(p.lo, 10)
		hi2, lo2 := bits.Mul64(p.hi, 10)
		if hi2 != 0 {
			return p, false
		}
		hi, carry := bits.Add64(hi1, lo2, 0)
		if carry != 0 {
			return p, false
		}
		p.hi, p.lo = hi, lo
	}
	return p, true
}

func cmpMag(x, y product) int {
	switch {
	case x.hi != y.hi:
		if x.hi < y.hi {
			return -1
		}
		return 1
	case x.lo != y.lo:
		if x.lo < y.lo {
			return -1
		}
		return 1
	}
	return 0
}

func fastCmpProducts(a, b, c, d decimal.Decimal) (int, bool) {
	x, ok1 := mulSmall(a, b)
	y, ok2 := mulSmall(c, d)
	if !ok1 || !ok2 {
		return 0, false
	}
	sign := func(p product) int {
		switch {
		case p.zero():
			return 0
		case p.neg:
			return -1
		}
		return 1
	}
	sx, sy := sign(x), sign(y)
	if sx != sy || sx == 0 {
		switch {
		case sx < sy:
			return -1, true
		case sx > sy:
			return 1, true
		}
		return 0, true
	}
	// Same sign, both non-zero: compare magnitudes at the lower exponent.
	// A magnitude that leaves 128 bits when scaled is the larger one.
	var m int
	switch {
	case x.exp > y.exp:
		if xs, ok := x.times10(x.exp - y.exp); ok {
			m = cmpMag(xs, y)
		} else {
			m = 1
		}
	case y.exp > x.exp:
		if ys, ok := y.times10(y.exp - x.exp); ok {
			m = cmpMag(x, ys)
		} else {
			m = -1
		}
	default:
		m = cmpMag(x, y)
	}
	if sx < 0 {
		m = -m
	}
	return m, true
}

// divRound is a.DivRound(b, places): the quotient rounded half away from
// zero to places decimals, with exponent −places, exactly as shopspring
// gives it (coefficient and exponent alike). shopspring raises ten to a
// big.Int power for every division; a reconciliation divides for each
// item's completeness, each outlet's mean and each intensity, so the
// division is done in 128-bit integers (param.DivRoundCoef, the engine's
// too) when the coefficients fit 18 digits and the scaled operands fit,
// and left to shopspring otherwise (TestDivRoundAgrees).
func divRound(a, b decimal.Decimal, places int32) decimal.Decimal {
	if q, ok := fastDivRound(a, b, places); ok {
		return q
	}
	return a.DivRound(b, places)
}

func fastDivRound(a, b decimal.Decimal, places int32) (decimal.Decimal, bool) {
	am, an, ae, ok1 := small(a)
	bm, bn, be, ok2 := small(b)
	if !ok1 || !ok2 {
		return decimal.Decimal{}, false
	}
	q, ok := param.DivRoundCoef(am, ae, bm, be, places)
	if !ok {
		return decimal.Decimal{}, false
	}
	c := int64(q)
	if an != bn {
		c = -c
	}
	return decimal.New(c, -places), true
}
