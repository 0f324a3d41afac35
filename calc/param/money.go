package param

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Money is an amount in 元 as every result writes it: with two decimals
// ("14416776.00"), the way amounts are read and written in law and on the
// forms. Writing never rounds: an amount that carries more than two
// decimals (a fee whose schedule orders no rounding, an exact product
// before rounding to 分) is written with all of them. Arithmetic is the
// embedded decimal's; only the text changes.
type Money struct {
	decimal.Decimal
}

// MoneyOf wraps an amount.
func MoneyOf(d decimal.Decimal) Money { return Money{d} }

// MoneyPtr wraps an amount for an optional (omitempty) field.
func MoneyPtr(d decimal.Decimal) *Money { return &Money{d} }

// String writes "123.40", or every decimal when there are more than two.
func (m Money) String() string { return MoneyText(m.Decimal) }

// MoneyText is the text of an amount: two decimals when it has at most
// two (7000000 → "7000000.00"), exactly otherwise (nothing is rounded).
func MoneyText(d decimal.Decimal) string {
	if d.Equal(d.Truncate(2)) {
		return d.StringFixed(2)
	}
	return d.String()
}

// MarshalJSON writes the amount as a JSON string, like decimal.Decimal
// does, so that no reader takes it for a float.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.String() + `"`), nil }

// UnmarshalJSON reads "123.40" or 123.40 exactly.
func (m *Money) UnmarshalJSON(b []byte) error { return m.Decimal.UnmarshalJSON(b) }

// MarshalText writes the same text as MarshalJSON, without quotes (XML,
// CSV, map keys).
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads an amount written as text.
func (m *Money) UnmarshalText(b []byte) error { return m.Decimal.UnmarshalText(b) }

// NullMoney is an amount that may be absent (a declaration's tax before it
// is submitted, a payment not yet recorded): null, or written as Money. It
// scans and stores like decimal.NullDecimal.
type NullMoney struct {
	decimal.NullDecimal
}

// NullMoneyOf wraps a known amount.
func NullMoneyOf(d decimal.Decimal) NullMoney {
	return NullMoney{decimal.NullDecimal{Decimal: d, Valid: true}}
}

// String writes the amount as Money does, or "" when absent.
func (m NullMoney) String() string {
	if !m.Valid {
		return ""
	}
	return MoneyText(m.Decimal)
}

// MarshalJSON writes "123.40", or null.
func (m NullMoney) MarshalJSON() ([]byte, error) {
	if !m.Valid {
		return []byte("null"), nil
	}
	return Money{m.Decimal}.MarshalJSON()
}

// UnmarshalJSON reads null, "123.40" or 123.40 exactly.
func (m *NullMoney) UnmarshalJSON(b []byte) error { return m.NullDecimal.UnmarshalJSON(b) }

// MarshalText writes the amount, or nothing when absent.
func (m NullMoney) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads an amount; empty text is absent.
func (m *NullMoney) UnmarshalText(b []byte) error { return m.NullDecimal.UnmarshalText(b) }

// Grouped writes the amount for reading, with thousands separators:
// "14,416,776.00".
func (m Money) Grouped() string { return GroupDigits(m.String()) }

// GroupDigits writes a decimal string with thousands separators for
// reading: 1234567.80 → 1,234,567.80. Text that is not a plain decimal
// comes back unchanged.
func GroupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(body, ".")
	if intPart == "" {
		return s
	}
	for _, r := range intPart {
		if r < '0' || r > '9' {
			return s
		}
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
