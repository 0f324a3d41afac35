package filing

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// A figure's fields by name (the names of its JSON and its columns), so
// that forms and workbooks can read and write any field without a copy of
// the field list and without writing the figure as JSON to find its
// fields. figurefields_test.go holds the table to the struct's tags.
var (
	figureDecimals = map[string]func(*Figure) *decimal.NullDecimal{
		"emission_kg":       func(f *Figure) *decimal.NullDecimal { return &f.EmissionKg },
		"wastewater_t":      func(f *Figure) *decimal.NullDecimal { return &f.WastewaterT },
		"avg_concentration": func(f *Figure) *decimal.NullDecimal { return &f.AvgConcentration },
		"max_concentration": func(f *Figure) *decimal.NullDecimal { return &f.MaxConcentration },
		"value":             func(f *Figure) *decimal.NullDecimal { return &f.Value },
		"measured":          func(f *Figure) *decimal.NullDecimal { return &f.Measured },
		"standard":          func(f *Figure) *decimal.NullDecimal { return &f.Standard },
		"day_measured_db":   func(f *Figure) *decimal.NullDecimal { return &f.DayMeasuredDB },
		"night_measured_db": func(f *Figure) *decimal.NullDecimal { return &f.NightMeasuredDB },
		"generated_t":       func(f *Figure) *decimal.NullDecimal { return &f.GeneratedT },
		"stored_t":          func(f *Figure) *decimal.NullDecimal { return &f.StoredT },
		"disposed_t":        func(f *Figure) *decimal.NullDecimal { return &f.DisposedT },
		"utilized_t":        func(f *Figure) *decimal.NullDecimal { return &f.UtilizedT },
		"stock_start":       func(f *Figure) *decimal.NullDecimal { return &f.StockStart },
		"stock_end":         func(f *Figure) *decimal.NullDecimal { return &f.StockEnd },
		"quantity":          func(f *Figure) *decimal.NullDecimal { return &f.Quantity },
	}
	figureDays = map[string]func(*Figure) **int{
		"day_exceed_days":   func(f *Figure) **int { return &f.DayExceedDays },
		"night_exceed_days": func(f *Figure) **int { return &f.NightExceedDays },
	}
)

// IsDayCount reports whether a figure field is a count of days (a whole
// number), not a quantity.
func IsDayCount(name string) bool { _, ok := figureDays[name]; return ok }

// SetField sets the figure's field name to d. It reports false for a name
// a figure does not have, and for a day count that is not a whole number
// of at most 31 days' size.
func (f *Figure) SetField(name string, d decimal.Decimal) bool {
	if get, ok := figureDecimals[name]; ok {
		*get(f) = decimal.NewNullDecimal(d)
		return true
	}
	if get, ok := figureDays[name]; ok {
		if !d.IsInteger() || d.Sign() < 0 || d.GreaterThan(decimal.NewFromInt(1<<31-1)) {
			return false
		}
		n := int(d.IntPart())
		*get(f) = &n
		return true
	}
	return false
}

// Values are the figure's filled fields by name, as text (the source and
// month left out).
func (f *Figure) Values() map[string]string {
	out := map[string]string{}
	for name, get := range figureDecimals {
		if d := get(f); d.Valid {
			out[name] = d.Decimal.String()
		}
	}
	for name, get := range figureDays {
		if n := *get(f); n != nil {
			out[name] = strconv.Itoa(*n)
		}
	}
	return out
}
