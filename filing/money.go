package filing

import (
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Money is an amount in 元 that may be absent (a tax before submission, a
// payment not yet recorded). It is the shared param.NullMoney: written
// with two decimals ("123.40") or null, and scanned and stored like
// decimal.NullDecimal.
type Money = param.NullMoney

// MoneyOf wraps an amount.
func MoneyOf(d decimal.Decimal) Money { return param.NullMoneyOf(d) }
