package param

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Limits of the contract for every quantity: no more than 12 decimals and
// below 1e15.
var maxQuantity = decimal.New(1, 15)

// ParseQuantity reads a non-negative plain decimal from the text of a JSON
// string or number: no sign, no exponent, at most 12 decimals, below 1e15.
func ParseQuantity(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, fmt.Errorf("empty string is not a number")
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain non-negative decimal (no sign, no exponent)", s)
	}
	if len(frac) > 12 {
		return decimal.Decimal{}, fmt.Errorf("%q has more than 12 decimals", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal", s)
	}
	if !d.LessThan(maxQuantity) {
		return decimal.Decimal{}, fmt.Errorf("%q is not below 1e15", s)
	}
	return d, nil
}
