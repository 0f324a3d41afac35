package store

import (
	"github.com/shopspring/decimal"
)

// decimalValue is what decimal.NullDecimal.Value gives the driver (nil, or
// the decimal's String()), written without shopspring's big.Int
// formatting when the coefficient fits an int64. The text is appended to
// buf, and the string made from that part of it.
func decimalValue(buf []byte, d decimal.NullDecimal) (any, []byte) {
	if !d.Valid {
		return nil, buf
	}
	start := len(buf)
	buf = appendDecimal(buf, d.Decimal)
	return string(buf[start:]), buf
}

// appendDecimal appends d.String(): the coefficient's digits with the
// point placed by the exponent, trailing zeros of the fraction dropped, 0
// for zero.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	exp := d.Exponent()
	if exp < -18 || exp > 0 || d.NumDigits() > 18 {
		return append(b, d.String()...)
	}
	c := d.CoefficientInt64()
	for exp < 0 && c%10 == 0 && c != 0 {
		c /= 10
		exp++
	}
	if c == 0 {
		return append(b, '0')
	}
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	var digits [20]byte
	s := digits[:0]
	for ; c > 0; c /= 10 {
		s = append(s, byte('0'+c%10))
	}
	// s holds the digits in reverse.
	frac := int(-exp)
	if len(s) <= frac {
		b = append(b, '0', '.')
		for i := len(s); i < frac; i++ {
			b = append(b, '0')
		}
		for i := len(s) - 1; i >= 0; i-- {
			b = append(b, s[i])
		}
		return b
	}
	for i := len(s) - 1; i >= 0; i-- {
		b = append(b, s[i])
		if i == frac && frac > 0 {
			b = append(b, '.')
		}
	}
	return b
}
