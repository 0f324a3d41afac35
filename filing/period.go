package filing

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

// Date is a calendar day written YYYY-MM-DD, or "" for none. It is text
// so that it travels unchanged through JSON, CSV and both databases (a
// PostgreSQL DATE column scans in as a time.Time, which Scan folds back).
type Date string

// ParseDate checks a YYYY-MM-DD day.
func ParseDate(s string) (Date, error) {
	if _, err := param.ParseDate(s); err != nil {
		return "", err
	}
	return Date(s), nil
}

// Day returns the param.Date of d (0 for "").
func (d Date) Day() param.Date {
	p, _ := param.ParseDate(string(d))
	return p
}

// DateOf converts a param.Date.
func DateOf(p param.Date) Date { return Date(p.String()) }

// Today is the calendar day of t in China Standard Time: deadlines and
// late days are counted in Beijing days, whatever the server's zone.
func Today(t time.Time) Date {
	return Date(t.In(cst).Format("2006-01-02"))
}

var cst = time.FixedZone("CST", 8*3600)

// Scan implements sql.Scanner.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = ""
	case time.Time:
		*d = Date(v.Format("2006-01-02"))
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("filing.Date: cannot scan %T", src)
	}
	return nil
}

func (d *Date) scanText(s string) error {
	if len(s) > 10 {
		s = s[:10] // "2024-01-01T00:00:00Z" from drivers that widen dates
	}
	p, err := ParseDate(s)
	*d = p
	return err
}

// Value implements driver.Valuer.
func (d Date) Value() (driver.Value, error) {
	if d == "" {
		return nil, nil
	}
	return string(d), nil
}

// Period is the one period type of the project (calc.Period): a
// declaration's is a quarter, "2024-Q1" (按季申报, 法 第十八条), or a day,
// "2024-03-15" (按次申报).
type Period = calc.Period

// ParsePeriod reads a declaration period: YYYY-Qn or YYYY-MM-DD (the
// contract's parser, calc.ParsePeriod, restricted to those two kinds). The
// tax exists from 2018.
func ParsePeriod(s string) (Period, error) {
	p, msg := calc.ParsePeriod(s)
	if msg != "" || (p.Kind != calc.PeriodQuarter && p.Kind != calc.PeriodOnce) {
		return Period{}, fmt.Errorf("%q is not a declaration period: YYYY-Qn (quarterly) or YYYY-MM-DD (per occasion)", s)
	}
	return p, nil
}

// ValidMonth checks a YYYY-MM month.
func ValidMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' || s[0] == '+' || s[0] == '-' || s[5] == '+' || s[5] == '-' {
		return false
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	return err1 == nil && err2 == nil && y >= 2018 && y <= 2999 && m >= 1 && m <= 12
}

// monthRange is the first and last day of month YYYY-MM (already valid).
func monthRange(s string) (param.Date, param.Date) {
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:])
	return param.NewDate(y, m, 1), param.NewDate(y, m, param.DaysIn(y, m))
}

// MarshalJSON writes "" as null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	return []byte(`"` + string(d) + `"`), nil
}
