package jsonin

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// The one numeric-limit policy every decoder shares (docs/contract.md,
// "Numbers"): the tax contract (calc.ParseAmount), quantities
// (param.ParseQuantity: the API's stored figures) and the plain decimals
// of damage, eco-compensation, fees and the budget (PlainDecimal). A
// number has at most MaxDecimals decimals, is at most MaxMagnitude in
// size, is written in at most MaxNumberLen characters and, where an
// exponent is allowed at all, has one of at most MaxExponent in size (so
// no text like 1E-10000000 costs more than a short number to read).
const (
	MaxDecimals  = 12
	MaxExponent  = 15
	MaxNumberLen = 64
)

// MaxMagnitude is the largest size of a number: 1e15.
var MaxMagnitude = decimal.New(1, 15)

// WithinLimits checks a number read from text against the policy (the
// length and the exponent are checked on the text, before reading it).
func WithinLimits(text string, d decimal.Decimal) error {
	if d.Exponent() < -MaxDecimals && !d.Equal(d.Truncate(MaxDecimals)) {
		return fmt.Errorf("%s has more than %d decimals", text, MaxDecimals)
	}
	if d.Abs().GreaterThan(MaxMagnitude) {
		return fmt.Errorf("%s is above 1e15", text)
	}
	return nil
}

// TooLong refuses a number's text over MaxNumberLen characters.
func TooLong(text string) error {
	if len(text) > MaxNumberLen {
		return fmt.Errorf("%d characters is too long for a number (at most %d)", len(text), MaxNumberLen)
	}
	return nil
}
