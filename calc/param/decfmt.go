package param

import (
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"unsafe"

	"github.com/shopspring/decimal"
)

// Formatting decimals was the largest cost of writing results:
// shopspring's String copies the coefficient and prints it through
// big.Int.Text, several allocations a number. AppendDecimal prints the
// same text straight into a buffer when the coefficient has at most 18
// digits (every figure of a real declaration) and falls back to
// shopspring otherwise. TestAppendDecimalMatchesShopspring compares the
// two printers on random values.

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000}

// AppendDecimal appends d as d.String() prints it (places < 0) or as
// d.StringFixed(places) does.
func AppendDecimal(b []byte, d decimal.Decimal, places int32) []byte {
	if layoutOK {
		// coefficient, inlined: this is the writer's innermost call.
		l := (*decimalLayout)(unsafe.Pointer(&d))
		if l.value == nil {
			// Zero (a third of a result's figures: reductions, most
			// often) is "0" whatever its exponent, or 0.00 in money.
			switch places {
			case -1:
				return append(b, '0')
			case 2:
				return append(b, "0.00"...)
			}
			return AppendCoefficient(b, 0, l.exp, places)
		}
		if l.value.IsInt64() {
			return AppendCoefficient(b, l.value.Int64(), l.exp, places)
		}
		return appendSlow(b, d, places)
	}
	c, ok := coefficient(d)
	if !ok {
		return appendSlow(b, d, places)
	}
	return AppendCoefficient(b, c, d.Exponent(), places)
}

// pairs holds the two digits of 00 to 99, for printing two digits per
// division.
const pairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// maxFrac is the most decimals, or zeros after an integer, the direct
// printer writes (more go through appendCoefficientLong).
const maxFrac = 24

// AppendCoefficient is AppendDecimal for the decimal c × 10^exp, without
// building it (when it prints without rounding and |c| < 10^18).
//
// The text's length is known first; the digits are then written
// backwards straight into b, two per division, with the point placed as
// they go. strconv's AppendInt and a second copy to place the point were
// most of the cost of writing a result line, and so was copying digits
// from a buffer they had just been stored into byte by byte (the copy's
// wide loads wait for the narrow stores).
func AppendCoefficient(b []byte, c int64, exp int32, places int32) []byte {
	if c <= -1e18 || c >= 1e18 {
		return appendSlow(b, decimal.New(c, exp), places)
	}
	neg := c < 0
	u := uint64(c)
	if neg {
		u = uint64(-c)
	}
	var frac, zeros int32 // decimals written, zeros after the integer
	if places >= 0 {
		switch {
		case exp == -places:
			frac = places
		case exp > -places:
			// Fewer decimals than wanted: scale up, if it fits.
			k := exp + places
			if int(k) >= len(pow10) || u > uint64((1<<63-1)/pow10[k]) {
				return appendSlow(b, decimal.New(c, exp), places)
			}
			u *= uint64(pow10[k])
			frac = places
		default:
			return appendSlow(b, decimal.New(c, exp), places) // needs rounding
		}
	} else {
		// String() drops trailing zeros of the fraction, and prints zero
		// as "0" whatever its exponent.
		if u == 0 {
			return append(b, '0')
		}
		if exp > 0 {
			zeros = exp
		}
		frac = -exp
		for frac > 0 && u%10 == 0 { // (frac < 0 when exp > 0: skipped)
			u /= 10
			frac--
		}
	}
	if frac > maxFrac || zeros > maxFrac {
		return appendCoefficientLong(b, c, exp, places)
	}
	frac = max(frac, 0)
	// The text's length, known before it is written: integer digits
	// (at least "0"), the point and frac decimals, the sign.
	n := numDigits(u)
	size := max(n-int(frac), 1) + int(zeros)
	if frac > 0 {
		size += 1 + int(frac)
	}
	if neg {
		size++
	}
	if cap(b)-len(b) < size {
		b = slices.Grow(b, size)
	}
	b = b[:len(b)+size]
	out := b[len(b)-size:]
	i := size
	for ; zeros > 0; zeros-- {
		i--
		out[i] = '0'
	}
	if frac > 0 {
		for ; frac >= 2; frac -= 2 {
			r := u % 100
			u /= 100
			i -= 2
			out[i], out[i+1] = pairs[2*r], pairs[2*r+1]
		}
		if frac == 1 {
			i--
			out[i] = byte('0' + u%10)
			u /= 10
		}
		i--
		out[i] = '.'
	}
	for u >= 100 {
		r := u % 100
		u /= 100
		i -= 2
		out[i], out[i+1] = pairs[2*r], pairs[2*r+1]
	}
	if u >= 10 {
		i -= 2
		out[i], out[i+1] = pairs[2*u], pairs[2*u+1]
	} else {
		i--
		out[i] = byte('0' + u)
	}
	if neg {
		out[0] = '-'
	}
	return b
}

// numDigits is the number of decimal digits of u < 2^63 (1 for 0): the
// binary length gives it to within one.
func numDigits(u uint64) int {
	t := bits.Len64(u) * 1233 >> 12 // ⌊bits × log10(2)⌋
	if u >= uint64(pow10[t]) {
		t++
	}
	return max(t, 1)
}

// appendCoefficientLong is the general printer behind AppendCoefficient
// (the one before stop 11), for what the direct printer leaves: more
// than maxFrac decimals or trailing zeros.
func appendCoefficientLong(b []byte, c int64, exp int32, places int32) []byte {
	c0, exp0 := c, exp
	d := func() decimal.Decimal { return decimal.New(c0, exp0) }
	if places >= 0 {
		switch {
		case exp == -places:
		case exp > -places:
			k := exp + places
			if int(k) >= len(pow10) || c > (1<<63-1)/pow10[k] || c < -(1<<63-1)/pow10[k] {
				return appendSlow(b, d(), places)
			}
			c *= pow10[k]
			exp = -places
		default:
			return appendSlow(b, d(), places)
		}
	} else {
		for exp < 0 && c%10 == 0 && c != 0 {
			c /= 10
			exp++
		}
		if c == 0 {
			exp = 0
		}
	}
	neg := c < 0
	if neg {
		if c == -1<<63 {
			return appendSlow(b, d(), places)
		}
		c = -c
		b = append(b, '-')
	}
	if exp >= 0 {
		b = strconv.AppendInt(b, c, 10)
		for i := int32(0); i < exp; i++ {
			b = append(b, '0')
		}
		return b
	}
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], c, 10)
	frac := int(-exp)
	if len(s) <= frac {
		b = append(b, '0', '.')
		for i := len(s); i < frac; i++ {
			b = append(b, '0')
		}
		return append(b, s...)
	}
	b = append(b, s[:len(s)-frac]...)
	b = append(b, '.')
	return append(b, s[len(s)-frac:]...)
}

func appendSlow(b []byte, d decimal.Decimal, places int32) []byte {
	if places >= 0 {
		return append(b, d.StringFixed(places)...)
	}
	return append(b, d.String()...)
}

// FormatDecimal is AppendDecimal into a new string.
func FormatDecimal(d decimal.Decimal, places int32) string {
	var buf [32]byte
	return string(AppendDecimal(buf[:0], d, places))
}

// coefficient returns d's coefficient when it has at most 18 digits. It
// reads decimal's big.Int in place when the layout probe below succeeded
// (NumDigits, asked otherwise, takes a floating-point logarithm and was
// a tenth of writing a result).
func coefficient(d decimal.Decimal) (int64, bool) {
	if v, ok := InPlace(d); ok {
		if v == nil {
			return 0, true
		}
		if !v.IsInt64() {
			return 0, false
		}
		c := v.Int64()
		return c, c > -1e18 && c < 1e18
	}
	// NumDigits may allocate above 2^53 and is one short just above a
	// power of ten below it (see Digits); either way a coefficient it
	// counts as at most 18 digits fits an int64.
	if d.NumDigits() > 18 {
		return 0, false
	}
	return d.CoefficientInt64(), true
}

// InPlace returns d's coefficient itself, not a copy (nil for zero), or
// ok false when decimal's layout did not pass the start-up probe below
// and the caller must go through decimal's methods. The Int must never be
// changed: decimals share it.
func InPlace(d decimal.Decimal) (v *big.Int, ok bool) {
	if !layoutOK {
		return nil, false
	}
	return (*decimalLayout)(unsafe.Pointer(&d)).value, true
}

// FromInPlace is the decimal v × 10^exp with v itself as its coefficient
// (not copied; nil for zero, as decimal.New leaves it), or ok false as
// for InPlace. v must never be changed afterwards.
func FromInPlace(v *big.Int, exp int32) (d decimal.Decimal, ok bool) {
	if !layoutOK {
		return decimal.Decimal{}, false
	}
	l := (*decimalLayout)(unsafe.Pointer(&d))
	l.value, l.exp = v, exp
	return d, true
}

// decimalLayout is shopspring/decimal v1.4's Decimal: a big.Int
// coefficient (nil for zero) and an int32 exponent. The one place that
// knows it (calc's fast paths read and write decimals through InPlace and
// FromInPlace); layoutOK is set only when the size matches and a probe
// reads back what it was built from.
type decimalLayout struct {
	value *big.Int
	exp   int32
}

var layoutOK = func() bool {
	if unsafe.Sizeof(decimal.Decimal{}) != unsafe.Sizeof(decimalLayout{}) {
		return false
	}
	for _, c := range []int64{0, 1, -7, 123456789, -1 << 62} {
		d := decimal.New(c, -3)
		l := (*decimalLayout)(unsafe.Pointer(&d))
		if l.exp != -3 || l.value == nil || !l.value.IsInt64() || l.value.Int64() != c {
			return false
		}
	}
	var z decimal.Decimal
	return (*decimalLayout)(unsafe.Pointer(&z)).value == nil
}()

// Digits is the number of digits of d's coefficient, exactly. decimal's
// NumDigits takes a floating-point logarithm for coefficients up to 2^53
// and is one short just above a power of ten (NumDigits of 10^15+1 is
// 15), which let 1000000000000001 pass as at most 1e15.
func Digits(d decimal.Decimal) int {
	c, ok := coefficient(d)
	if !ok {
		// Above 18 digits decimal verifies its estimate against a
		// power of ten: exact.
		return d.NumDigits()
	}
	if c < 0 {
		c = -c // coefficient keeps to 18 digits: no overflow
	}
	n := 1
	for n < len(pow10) && c >= pow10[n] {
		n++
	}
	return n
}
