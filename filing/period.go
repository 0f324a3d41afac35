package filing

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"

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

// PeriodKind tells a quarterly declaration (按季申报, 法 第十八条) from a
// per-occasion one (按次申报).
type PeriodKind string

const (
	Quarterly PeriodKind = "quarter"
	Once      PeriodKind = "once"
)

// Period is a declaration period: "2024-Q1" or, per occasion, "2024-03-15".
type Period struct {
	Text  string
	Kind  PeriodKind
	Year  int
	First int // first month inside
	Last  int // last month inside
	Day   param.Date
}

// ParsePeriod reads YYYY-Qn or YYYY-MM-DD. The tax exists from 2018.
func ParsePeriod(s string) (Period, error) {
	bad := fmt.Errorf("%q is not a declaration period: YYYY-Qn (quarterly) or YYYY-MM-DD (per occasion)", s)
	if len(s) == 7 && s[4] == '-' && s[5] == 'Q' {
		y, err := strconv.Atoi(s[:4])
		q := int(s[6] - '0')
		if err != nil || s[0] == '+' || s[0] == '-' || y < 2018 || y > 2999 || q < 1 || q > 4 {
			return Period{}, bad
		}
		return Period{Text: s, Kind: Quarterly, Year: y, First: 3*q - 2, Last: 3 * q}, nil
	}
	if len(s) == 10 {
		d, err := param.ParseDate(s)
		if err != nil || d.Year() < 2018 {
			return Period{}, bad
		}
		return Period{Text: s, Kind: Once, Year: d.Year(), First: d.Month(), Last: d.Month(), Day: d}, nil
	}
	return Period{}, bad
}

// Months lists the tax months (税款所属月份) of the period as YYYY-MM.
func (p Period) Months() []string {
	var ms []string
	for m := p.First; m <= p.Last; m++ {
		ms = append(ms, fmt.Sprintf("%04d-%02d", p.Year, m))
	}
	return ms
}

// Contains reports whether month YYYY-MM lies in the period.
func (p Period) Contains(month string) bool {
	for _, m := range p.Months() {
		if m == month {
			return true
		}
	}
	return false
}

// Start and End are the first and last day of the period.
func (p Period) Start() param.Date {
	if p.Kind == Once {
		return p.Day
	}
	return param.NewDate(p.Year, p.First, 1)
}

func (p Period) End() param.Date {
	if p.Kind == Once {
		return p.Day
	}
	return param.NewDate(p.Year, p.Last, param.DaysIn(p.Year, p.Last))
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
