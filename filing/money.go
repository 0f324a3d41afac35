package filing

import "github.com/shopspring/decimal"

// Money is an amount in 元 that is written with exactly two decimals, as
// the contract requires of money. It scans and stores like NullDecimal.
type Money struct {
	decimal.NullDecimal
}

// MoneyOf wraps an amount.
func MoneyOf(d decimal.Decimal) Money { return Money{decimal.NullDecimal{Decimal: d, Valid: true}} }

// MarshalJSON writes "123.40", or null.
func (m Money) MarshalJSON() ([]byte, error) {
	if !m.Valid {
		return []byte("null"), nil
	}
	return []byte(`"` + m.Decimal.StringFixed(2) + `"`), nil
}
