package calc

import (
	"math"
	"math/big"
	"math/bits"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Exact int64 fast paths for the few decimal operations every line does.
// Each gives exactly the coefficient and exponent shopspring/decimal gives
// (so the printed result is the same), and falls back to decimal when an
// operand or an intermediate value would not fit in 64 bits: never a
// rounding, never a float. decimal keeps its coefficient in a big.Int, so
// each operation there allocates and divides in big arithmetic; here only
// the result is allocated. fast_test.go checks every path against
// decimal, including the fallbacks at the edges.

// decimalOnly turns every fast path off (tests compare both ways).
var decimalOnly bool

// pow10 holds 10^0 … 10^18.
var pow10 = [19]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// small returns d's coefficient when it lies within ±2^62, so that sums
// of two never overflow. It reads decimal's big.Int in place (see
// coefficient); when that cannot be trusted it asks NumDigits, which
// answers without allocating below 2^53 and may be one short at a power
// of ten, so 15 leaves room.
func small(d decimal.Decimal) (int64, bool) {
	if decimalOnly {
		return 0, false
	}
	if v, ok := inPlace(d); ok {
		// The digits read directly: IsInt64 and Int64 were a twentieth
		// of assessing a line.
		return wordOf(v)
	}
	if d.Sign() == 0 {
		return 0, true
	}
	if d.NumDigits() > 15 {
		return 0, false
	}
	return d.CoefficientInt64(), true
}

// small2 is small(a) and small(b), ok when both are: the binary fast
// paths ask for two coefficients, and one call for both costs half the
// calls (a line asks for a dozen and more).
func small2(a, b decimal.Decimal) (int64, int64, bool) {
	if !decimalOnly && !inPlaceOff {
		va, oka := param.InPlace(a)
		vb, okb := param.InPlace(b)
		if oka && okb {
			ca, ok1 := wordOf(va)
			cb, ok2 := wordOf(vb)
			return ca, cb, ok1 && ok2
		}
	}
	ca, ok1 := small(a)
	cb, ok2 := small(b)
	return ca, cb, ok1 && ok2
}

// wordOf is small's answer for a coefficient read in place.
func wordOf(v *big.Int) (int64, bool) {
	if v == nil {
		return 0, true
	}
	switch w := v.Bits(); len(w) {
	case 0:
		return 0, true
	case 1:
		if u := uint64(w[0]); u <= 1<<62 {
			if v.Sign() < 0 {
				return -int64(u), true
			}
			return int64(u), true
		}
	}
	return 0, false
}

// inPlaceOff turns the in-place reading and writing of decimals off
// (param.InPlace, param.FromInPlace), so tests can check the other way.
var inPlaceOff bool

// inPlace is param.InPlace unless the tests turned it off.
func inPlace(d decimal.Decimal) (*big.Int, bool) {
	if inPlaceOff {
		return nil, false
	}
	return param.InPlace(d)
}

// mul64 multiplies two int64 values, reporting whether the product fits.
func mul64(a, b int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	ua, ub := uabs(a), uabs(b)
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || lo > 1<<62 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func uabs(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

// scale returns c × 10^k (0 ≤ k), if it fits.
func scale(c int64, k int32) (int64, bool) {
	if k == 0 {
		return c, true
	}
	if k < 0 || k > 18 {
		return 0, false
	}
	return mul64(c, pow10[k])
}

// divHalfAway divides a by b (b ≠ 0) and rounds half away from zero.
func divHalfAway(a, b int64) int64 {
	q, r := a/b, a%b
	ar, ab := uabs(r), uabs(b)
	if ar >= ab-ar { // 2|r| ≥ |b| without overflow
		if (a < 0) != (b < 0) {
			q--
		} else {
			q++
		}
	}
	return q
}

// decSlab carves the coefficients of the decimals it makes from slabs:
// decimal.New allocates a big.Int and its one digit word for every
// result, two allocations each, and the engine makes four or five per
// line. A slab of n costs one allocation for n decimals. The Decimal is
// written through its layout (param.FromInPlace, checked at start-up);
// without it, and for a nil slab, decimal.New. decimal never changes a
// coefficient in place, and each digit slice has capacity 1, so nothing
// written later can reach a neighbour.
type decSlab struct {
	cells []decCell
	next  int // the first cell not handed out
	n     int // size of the next slab
}

// decCell is a coefficient and its one digit word, allocated together:
// one allocation a slab, and no pointer written to hand one out.
type decCell struct {
	z big.Int
	w [1]big.Word
}

// slabShared is the least size of an assessment's slab, which the
// following assessments go on carving (newAssessment): a few
// declarations' decimals. A decimal keeps its whole slab alive, so it is
// kept small.
const slabShared = 256

// dec is decimal.New(c, exp).
func (s *decSlab) dec(c int64, exp int32) decimal.Decimal {
	if s == nil || inPlaceOff || decimalOnly || unsafe.Sizeof(big.Word(0)) < 8 || c == math.MinInt64 {
		return decimal.New(c, exp)
	}
	if s.next == len(s.cells) {
		// The first slab is the size asked for; more come by 16.
		n := max(s.n, 16)
		s.cells, s.next, s.n = make([]decCell, n), 0, 16
	}
	cell := &s.cells[s.next]
	s.next++
	z := &cell.z
	if c != 0 {
		// big.NewInt(0) leaves the digits nil, as the zero Int does.
		cell.w[0] = big.Word(uabs(c))
		z.SetBits(cell.w[:1:1])
		if c < 0 {
			z.Neg(z)
		}
	}
	out, ok := param.FromInPlace(z, exp)
	if !ok {
		return decimal.New(c, exp)
	}
	return out
}

// divRound is a.DivRound(b, prec).
func divRound(a, b decimal.Decimal, prec int32) decimal.Decimal {
	return (*decSlab)(nil).divRound(a, b, prec)
}

// divRound is a.DivRound(b, prec), made in s.
func (s *decSlab) divRound(a, b decimal.Decimal, prec int32) decimal.Decimal {
	ca, cb, ok := small2(a, b)
	if !ok {
		return a.DivRound(b, prec)
	}
	q, ok := param.DivRoundCoef(uabs(ca), a.Exponent(), uabs(cb), b.Exponent(), prec)
	if !ok {
		return a.DivRound(b, prec)
	}
	c := int64(q)
	if (ca < 0) != (cb < 0) {
		c = -c
	}
	return s.dec(c, -prec)
}

// roundCoef is d.Round(places) for a coefficient c at exponent e.
func (s *decSlab) roundCoef(c int64, e, places int32) (decimal.Decimal, bool) {
	switch {
	case e == -places:
		return s.dec(c, e), true
	case e > -places:
		v, ok := scale(c, e+places)
		if !ok {
			return decimal.Decimal{}, false
		}
		return s.dec(v, -places), true
	default:
		k := -places - e
		switch {
		case k == 1:
			// The usual case (2 decimals times 1 rounded to 2): a
			// division by a constant is a multiplication.
			return s.dec(divHalfAway(c, 10), -places), true
		case k > 18:
			return decimal.Decimal{}, false
		}
		return s.dec(divHalfAway(c, pow10[k]), -places), true
	}
}

// round is d.Round(places), made in s.
func (s *decSlab) round(d decimal.Decimal, places int32) decimal.Decimal {
	if d.Exponent() == -places {
		return d // as Round returns it
	}
	if c, ok := small(d); ok {
		if r, ok := s.roundCoef(c, d.Exponent(), places); ok {
			return r
		}
	}
	return d.Round(places)
}

// mulRound is a.Mul(b).Round(places).
func mulRound(a, b decimal.Decimal, places int32) decimal.Decimal {
	return (*decSlab)(nil).mulRound(a, b, places)
}

// mulRound is a.Mul(b).Round(places), made in s.
func (s *decSlab) mulRound(a, b decimal.Decimal, places int32) decimal.Decimal {
	if ca, cb, ok := small2(a, b); ok {
		if p, ok := mul64(ca, cb); ok {
			if d, ok := s.roundCoef(p, a.Exponent()+b.Exponent(), places); ok {
				return d
			}
		}
	}
	return a.Mul(b).Round(places)
}

// add is a.Add(b): the result has the smaller exponent of the two.
func add(a, b decimal.Decimal) decimal.Decimal { return (*decSlab)(nil).add(a, b) }

// add is a.Add(b), made in s.
func (s *decSlab) add(a, b decimal.Decimal) decimal.Decimal {
	if ca, cb, ok := small2(a, b); ok {
		if d, ok := s.addCoef(ca, a.Exponent(), cb, b.Exponent()); ok {
			return d
		}
	}
	return a.Add(b)
}

// align scales ca·10^ea and cb·10^eb to the smaller exponent e, when
// the scaled coefficient fits.
func align(ca int64, ea int32, cb int64, eb int32) (int64, int64, int32, bool) {
	switch {
	case ea > eb:
		ca, ok := scale(ca, ea-eb)
		return ca, cb, eb, ok
	case eb > ea:
		cb, ok := scale(cb, eb-ea)
		return ca, cb, ea, ok
	}
	return ca, cb, ea, true
}

// addCoef is ca·10^ea + cb·10^eb at the smaller exponent, when it fits.
func (s *decSlab) addCoef(ca int64, ea int32, cb int64, eb int32) (decimal.Decimal, bool) {
	ca, cb, e, ok := align(ca, ea, cb, eb)
	if ok {
		if sum := ca + cb; (sum > ca) == (cb > 0) || cb == 0 {
			return s.dec(sum, e), true
		}
	}
	return decimal.Decimal{}, false
}

// sub is a.Sub(b).
func sub(a, b decimal.Decimal) decimal.Decimal { return (*decSlab)(nil).sub(a, b) }

// sub is a.Sub(b), made in s: a + (−b) without building −b. A
// difference equal to b, coefficient and exponent (a tax halved by its
// reduction), is b itself: decimals are never changed, and it is one
// made fewer.
func (s *decSlab) sub(a, b decimal.Decimal) decimal.Decimal {
	if ca, cb, ok := small2(a, b); ok {
		// small keeps to ±2^62: −cb cannot overflow.
		ca, ncb, e, ok := align(ca, a.Exponent(), -cb, b.Exponent())
		if ok {
			if d := ca + ncb; (d > ca) == (ncb > 0) || ncb == 0 {
				if d == cb && e == b.Exponent() && s != nil && !b.IsZero() {
					return b
				}
				return s.dec(d, e)
			}
		}
	}
	return a.Sub(b)
}

// cmp is a.Cmp(b).
func cmp(a, b decimal.Decimal) int {
	if ca, cb, ok := small2(a, b); ok {
		if c, ok := cmpCoef(ca, a.Exponent(), cb, b.Exponent()); ok {
			return c
		}
	}
	return a.Cmp(b)
}

// cmpCoef compares ca·10^ea with cb·10^eb when they align in 64 bits.
func cmpCoef(ca int64, ea int32, cb int64, eb int32) (int, bool) {
	ok := true
	switch {
	case ea > eb:
		ca, ok = scale(ca, ea-eb)
	case eb > ea:
		cb, ok = scale(cb, eb-ea)
	}
	if !ok {
		return 0, false
	}
	switch {
	case ca < cb:
		return -1, true
	case ca > cb:
		return 1, true
	}
	return 0, true
}

// cmpCross compares xn·yd with yn·xd (the exact order of two fractions
// xn/xd and yn/yd with positive denominators) without allocating when
// the products fit.
func cmpCross(xn, xd, yn, yd decimal.Decimal) int {
	cxn, ok1 := small(xn)
	cxd, ok2 := small(xd)
	cyn, ok3 := small(yn)
	cyd, ok4 := small(yd)
	if ok1 && ok2 && ok3 && ok4 {
		p, okp := mul64(cxn, cyd)
		q, okq := mul64(cyn, cxd)
		if okp && okq {
			if c, ok := cmpCoef(p, xn.Exponent()+yd.Exponent(), q, yn.Exponent()+xd.Exponent()); ok {
				return c
			}
		}
	}
	return xn.Mul(yd).Cmp(yn.Mul(xd))
}

// mul is a.Mul(b).
func mul(a, b decimal.Decimal) decimal.Decimal { return (*decSlab)(nil).mul(a, b) }

// mul is a.Mul(b), made in s.
func (s *decSlab) mul(a, b decimal.Decimal) decimal.Decimal {
	if ca, cb, ok := small2(a, b); ok {
		if p, ok := mul64(ca, cb); ok {
			return s.dec(p, a.Exponent()+b.Exponent())
		}
	}
	return a.Mul(b)
}

// cmpProduct is a.Cmp(x.Mul(y)).
func cmpProduct(a, x, y decimal.Decimal) int {
	cx, cy, okxy := small2(x, y)
	if ca, oka := small(a); oka && okxy {
		if p, ok := mul64(cx, cy); ok {
			if c, ok := cmpCoef(ca, a.Exponent(), p, x.Exponent()+y.Exponent()); ok {
				return c
			}
		}
	}
	return a.Cmp(x.Mul(y))
}

// acc sums decimals exactly as repeated sum(total, x) does (engine.go:
// zeros are skipped, a zero total takes the next addend as it is, the
// exponent is the smaller one), in an int64 until something does not fit,
// then in decimal. It allocates once, when read.
type acc struct {
	c    int64
	e    int32
	n    bool // a nonzero addend has been seen
	slow bool // summing in d
	d    decimal.Decimal
}

func (s *acc) add(x decimal.Decimal) {
	if s.slow {
		s.d = sum(s.d, x)
		return
	}
	if x.IsZero() {
		return
	}
	if cx, ok := small(x); ok {
		s.addSmall(x, cx)
		return
	}
	s.d, s.slow = s.value(), true
	s.d = sum(s.d, x)
}

// addPair is s.add(x) and t.add(x), with x read once.
func (s *acc) addPair(t *acc, x decimal.Decimal) {
	if s.slow || t.slow || x.IsZero() {
		s.add(x)
		t.add(x)
		return
	}
	cx, ok := small(x)
	if !ok {
		s.add(x)
		t.add(x)
		return
	}
	s.addSmall(x, cx)
	t.addSmall(x, cx)
}

// addSmall is add for a nonzero x whose coefficient small gave as cx,
// on an accumulator that is not slow.
func (s *acc) addSmall(x decimal.Decimal, cx int64) {
	ex := x.Exponent()
	if !s.n || s.c == 0 {
		s.c, s.e, s.n = cx, ex, true
		return
	}
	c, cx2, e, ok := align(s.c, s.e, cx, ex)
	// Both are within ±2^62, so the sum cannot wrap; it must stay
	// within ±2^62 for the next addition.
	if sum := c + cx2; ok && uabs(sum) <= 1<<62 {
		s.c, s.e = sum, e
		return
	}
	s.d, s.slow = s.value(), true
	s.d = sum(s.d, x)
}

func (s *acc) value() decimal.Decimal { return s.valueIn(nil) }

// valueIn is value, made in slab.
func (s *acc) valueIn(slab *decSlab) decimal.Decimal {
	switch {
	case s.slow:
		return s.d
	case !s.n:
		return decimal.Decimal{}
	}
	return slab.dec(s.c, s.e)
}
