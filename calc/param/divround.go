package param

import "math/bits"

// DivRoundCoef is the coefficient of a.DivRound(b, places) for a of
// magnitude am·10^ae and b of magnitude bm·10^be, computed in 128-bit
// integers: the quotient am·10^(ae−be+places) ÷ bm rounded half away from
// zero, as shopspring rounds it (the caller gives it the sign and the
// exponent −places). ok is false, and the caller must divide with
// decimal, when bm is 0, places is outside 0…18, a scaled operand leaves
// 128 bits (the dividend) or 64 bits (the divisor), or the quotient
// exceeds 2^62. The engine's divisions (calc) and the reconciliation's
// (reconcile) both go through it.
func DivRoundCoef(am uint64, ae int32, bm uint64, be int32, places int32) (q uint64, ok bool) {
	if bm == 0 || places < 0 || places > 18 {
		return 0, false
	}
	e := int64(ae) - int64(be) + int64(places)
	hi, lo, den := uint64(0), am, bm
	for e > 0 {
		k := min(e, 18)
		m := uint64(pow10[k])
		h1, l1 := bits.Mul64(lo, m)
		h2, l2 := bits.Mul64(hi, m)
		var carry uint64
		hi, carry = bits.Add64(h1, l2, 0)
		if h2 != 0 || carry != 0 {
			return 0, false
		}
		lo = l1
		if hi >= den { // the quotient already leaves 64 bits
			return 0, false
		}
		e -= k
	}
	for e < 0 {
		k := min(-e, 18)
		h, l := bits.Mul64(den, uint64(pow10[k]))
		if h != 0 {
			return 0, false
		}
		den = l
		e += k
	}
	if hi >= den {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, den)
	if r >= den-r { // 2r ≥ den: half or more, away from zero
		q++
	}
	if q > 1<<62 {
		return 0, false
	}
	return q, true
}
