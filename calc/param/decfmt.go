package param

import (
	"strconv"

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
	// NumDigits is exact and allocation-free up to 2^53; above that it
	// may allocate, but 18 digits always fit an int64.
	if d.NumDigits() > 18 {
		return appendSlow(b, d, places)
	}
	c, exp := d.CoefficientInt64(), d.Exponent()
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

// FormatDecimal is AppendDecimal into a new string.
func FormatDecimal(d decimal.Decimal, places int32) string {
	var buf [32]byte
	return string(AppendDecimal(buf[:0], d, places))
}
