package param

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/jsonin"
)

// ParseQuantity reads a non-negative plain decimal from the text of a JSON
// string or number: no sign, no exponent, within the limits every decoder
// shares (jsonin.WithinLimits: at most 12 decimals, at most 1e15).
func ParseQuantity(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, fmt.Errorf("empty string is not a number")
	}
	if err := jsonin.TooLong(s); err != nil {
		return decimal.Decimal{}, err
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain non-negative decimal (no sign, no exponent)", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal", s)
	}
	if err := jsonin.WithinLimits(s, d); err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}
