package reconcile

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// A run writes hundreds of thousands of decimals (item details, peer
// intensities, the stored rows); shopspring's String copies the
// coefficient and prints it through big.Int.Text, several allocations a
// number. AppendDecimal prints the same text straight into a buffer.

// AppendDecimal appends d.String(): the coefficient's digits with the
// point placed by the exponent, trailing zeros of the fraction dropped, 0
// for zero. Coefficients beyond 18 digits and positive exponents go
// through shopspring.
func AppendDecimal(b []byte, d decimal.Decimal) []byte {
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
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], c, 10)
	frac := int(-exp)
	if len(digits) <= frac {
		b = append(b, '0', '.')
		for i := len(digits); i < frac; i++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[:len(digits)-frac]...)
	if frac > 0 {
		b = append(b, '.')
		b = append(b, digits[len(digits)-frac:]...)
	}
	return b
}

// appendJSONDecimal appends d as decimal.Decimal.MarshalJSON writes it:
// its String() in quotes.
func appendJSONDecimal(b []byte, d decimal.Decimal) []byte {
	b = append(b, '"')
	b = AppendDecimal(b, d)
	return append(b, '"')
}

// appendJSONNull appends d as decimal.NullDecimal.MarshalJSON writes it.
func appendJSONNull(b []byte, d decimal.NullDecimal) []byte {
	if !d.Valid {
		return append(b, "null"...)
	}
	return appendJSONDecimal(b, d.Decimal)
}

// MarshalJSON writes the intensity as encoding/json writes the struct
// (TestIntensityJSON), without reflection: every stored result has one
// per pollutant.
func (in Intensity) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 192)
	b = append(b, `{"pollutant_id":`...)
	b = appendJSONString(b, in.PollutantID)
	b = append(b, `,"pollutant":`...)
	b = appendJSONString(b, in.Pollutant)
	b = append(b, `,"declared_kg":`...)
	b = appendJSONDecimal(b, in.DeclaredKg)
	b = append(b, `,"output":`...)
	b = appendJSONDecimal(b, in.Output)
	b = append(b, `,"unit":`...)
	b = appendJSONString(b, in.Unit)
	b = append(b, `,"peers":`...)
	b = strconv.AppendInt(b, int64(in.Peers), 10)
	b = append(b, `,"peer_median":`...)
	b = appendJSONNull(b, in.PeerMedian)
	b = append(b, `,"value":`...)
	b = appendJSONNull(b, in.Value)
	return append(b, '}'), nil
}
