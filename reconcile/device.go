package reconcile

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// Device maps an online-monitoring device (数采仪, by its HJ 212 MN) to a
// taxpayer's outlet (排放口编号, as on the 税源明细表) for a validity
// period. Data the device sent on a day its mapping covers belong to that
// outlet; periods of one MN never overlap. A mapping is ended, never
// deleted, so old data keep their outlet.
type Device struct {
	ID         int64       `json:"id" db:"id"`
	MN         string      `json:"mn" db:"mn"`
	CreditCode string      `json:"credit_code" db:"credit_code"`
	OutletNo   string      `json:"outlet_no" db:"outlet_no"`
	ValidFrom  filing.Date `json:"valid_from" db:"valid_from"`
	ValidTo    filing.Date `json:"valid_to" db:"valid_to"` // "" while open
	Note       string      `json:"note" db:"note"`
	Version    int         `json:"version" db:"version"`
	CreatedAt  time.Time   `json:"created_at" db:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at" db:"updated_at"`
}

// Validate names every bad field of a mapping as created or changed.
func (d *Device) Validate() []calc.FieldError {
	var errs []calc.FieldError
	add := func(path, code, msg string) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: msg})
	}
	// An MN is up to 24 characters in HJ 212-2017; real devices send
	// longer ones, so allow 64 printable ASCII characters without the
	// protocol's separators.
	switch {
	case d.MN == "":
		add("mn", "required", "mn (the device's HJ 212 MN) is required")
	case len(d.MN) > 64 || !mnText(d.MN):
		add("mn", "invalid_value", "mn must be 1 to 64 printable ASCII characters without ; , & = or spaces")
	}
	if d.OutletNo == "" {
		add("outlet_no", "required", "outlet_no is required")
	} else if !utf8.ValidString(d.OutletNo) || utf8.RuneCountInString(d.OutletNo) > 50 || strings.ContainsAny(d.OutletNo, "\x00\r\n\t") {
		add("outlet_no", "invalid_value", "at most 50 characters, no control characters")
	}
	if !utf8.ValidString(d.Note) || utf8.RuneCountInString(d.Note) > 200 || strings.ContainsAny(d.Note, "\x00\r\n") {
		add("note", "invalid_value", "at most 200 characters, no control characters")
	}
	if _, err := filing.ParseDate(string(d.ValidFrom)); err != nil {
		add("valid_from", "invalid_value", "valid_from must be a day YYYY-MM-DD")
	}
	if d.ValidTo != "" {
		if _, err := filing.ParseDate(string(d.ValidTo)); err != nil {
			add("valid_to", "invalid_value", "valid_to must be a day YYYY-MM-DD")
		} else if d.ValidTo < d.ValidFrom {
			add("valid_to", "invalid_value", "valid_to is before valid_from")
		}
	}
	return errs
}

func mnText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == ';' || c == ',' || c == '&' || c == '=' {
			return false
		}
	}
	return true
}

// Covers reports whether the mapping is valid on day d.
func (d *Device) Covers(day param.Date) bool {
	from, to := d.ValidFrom.Day(), d.ValidTo.Day()
	return day >= from && (to == 0 || day <= to)
}

// Overlaps reports whether two mappings share a day.
func (d *Device) Overlaps(o *Device) bool {
	a := param.Range{From: d.ValidFrom.Day(), To: d.ValidTo.Day()}
	b := param.Range{From: o.ValidFrom.Day(), To: o.ValidTo.Day()}
	return a.Overlaps(b)
}

// ActiveIn reports whether the mapping covers at least one day of month
// YYYY-MM.
func (d *Device) ActiveIn(month string) bool {
	first, last := monthDays(month)
	to := d.ValidTo.Day()
	return d.ValidFrom.Day() <= last && (to == 0 || to >= first)
}

// monthDays is the first and last day of a valid month YYYY-MM.
func monthDays(month string) (param.Date, param.Date) {
	y, m := atoi(month[:4]), atoi(month[5:7])
	return param.NewDate(y, m, 1), param.NewDate(y, m, param.DaysIn(y, m))
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Output is a taxpayer's production output (产量) for one month: the
// "unit of product" against which 实施条例 第二十二条 (二) compares
// emissions with similar taxpayers. One product line per taxpayer and
// month; only outputs in the same unit are compared.
type Output struct {
	CreditCode string          `json:"credit_code" db:"credit_code"`
	Month      string          `json:"month" db:"month"`
	Product    string          `json:"product" db:"product"`
	Unit       string          `json:"unit" db:"unit"`
	Quantity   decimal.Decimal `json:"quantity" db:"quantity"`
	Version    int             `json:"version" db:"version"`
	CreatedAt  time.Time       `json:"created_at" db:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at" db:"updated_at"`
}

// Validate names every bad field of an output record.
func (o *Output) Validate() []calc.FieldError {
	var errs []calc.FieldError
	if !filing.ValidMonth(o.Month) {
		errs = append(errs, calc.FieldError{Path: "month", Code: "invalid_value", Message: "want a month YYYY-MM"})
	}
	for _, f := range []struct{ path, v string }{{"product", o.Product}, {"unit", o.Unit}} {
		switch {
		case f.v == "":
			errs = append(errs, calc.FieldError{Path: f.path, Code: "required", Message: f.path + " is required"})
		case !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > 100 || strings.ContainsAny(f.v, "\x00\r\n\t"):
			errs = append(errs, calc.FieldError{Path: f.path, Code: "invalid_value", Message: "at most 100 characters, no control characters"})
		}
	}
	if o.Quantity.Sign() < 0 {
		errs = append(errs, calc.FieldError{Path: "quantity", Code: "invalid_number", Message: "the quantity cannot be negative"})
	}
	return errs
}
