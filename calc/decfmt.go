package calc

import (
	"math/big"
	"strconv"
	"unsafe"

	"github.com/shopspring/decimal"
)

// Formatting decimals was the largest cost of writing a result:
// shopspring's String goes through big.Int.Text and allocates several
// times per number. appendDecimal prints the same text straight into the
// output buffer when the coefficient fits in an int64 (every figure of a
// real declaration does) and falls back to shopspring otherwise.
//
// It reads shopspring's coefficient without copying it. decimal.Decimal is
// {value *big.Int; exp int32} in the version go.mod pins (v1.4.0);
// TestAppendDecimalMatchesShopspring compares the two printers on random
// values, so a change of that layout fails the tests, not the output.
type decimalLayout struct {
	value *big.Int
	exp   int32
}

func coefficient(d *decimal.Decimal) (*big.Int, int32) {
	l := (*decimalLayout)(unsafe.Pointer(d))
	return l.value, l.exp
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000}

// appendDecimal appends d as d.String() prints it (places < 0) or as
// d.StringFixed(places) does.
func appendDecimal(b []byte, d decimal.Decimal, places int32) []byte {
	v, exp := coefficient(&d)
	var c int64
	switch {
	case v == nil:
		exp = 0
	case v.IsInt64():
		c = v.Int64()
	default:
		return appendSlow(b, d, places)
	}
	if places >= 0 {
		switch {
		case exp == -places:
		case exp > -places:
			// Fewer decimals than wanted: scale up, if it fits.
			k := exp + places
			if int(k) >= len(pow10) || c > (1<<63-1)/pow10[k] || c < -(1<<63-1)/pow10[k] {
				return appendSlow(b, d, places)
			}
			c *= pow10[k]
			exp = -places
		default:
			return appendSlow(b, d, places) // needs rounding
		}
	} else {
		// String() drops trailing zeros of the fraction, and prints zero
		// as "0" whatever its exponent.
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
			return appendSlow(b, d, places)
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

// formatDecimal is appendDecimal into a new string.
func formatDecimal(d decimal.Decimal, places int32) string {
	var buf [32]byte
	return string(appendDecimal(buf[:0], d, places))
}
