// Package param holds the vocabulary every dated legal parameter shares:
// a calendar date, a validity range and the provenance of a figure (its
// source, whether it is verified, and the file and line it was read from).
//
// It is pure: no clock, no files. The fixtures package fills these values
// from the embedded data files; the calculators only read them.
package param

import (
	"fmt"
	"strconv"
)

// Date is a calendar day encoded as yyyymmdd, so that dates compare as
// integers. The zero Date means "no date" (an open end of a range).
type Date int32

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	y, err1 := strconv.Atoi(s[0:4])
	m, err2 := strconv.Atoi(s[5:7])
	d, err3 := strconv.Atoi(s[8:10])
	if err1 != nil || err2 != nil || err3 != nil || y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return 0, fmt.Errorf("date %q is not a valid calendar day", s)
	}
	return Date(y*10000 + m*100 + d), nil
}

// NewDate builds a Date; it does not validate.
func NewDate(y, m, d int) Date { return Date(y*10000 + m*100 + d) }

func (d Date) Year() int    { return int(d) / 10000 }
func (d Date) Month() int   { return int(d) / 100 % 100 }
func (d Date) Day() int     { return int(d) % 100 }
func (d Date) IsZero() bool { return d == 0 }

func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year(), d.Month(), d.Day())
}

// DaysIn is the number of days in month m of year y.
func DaysIn(y, m int) int {
	switch m {
	case 1, 3, 5, 7, 8, 10, 12:
		return 31
	case 4, 6, 9, 11:
		return 30
	}
	if (y%4 == 0 && y%100 != 0) || y%400 == 0 {
		return 29
	}
	return 28
}

// Ordinal counts days from a fixed epoch; differences of ordinals are day
// counts (used for deadlines and late-payment days).
func (d Date) Ordinal() int {
	y, m, day := d.Year(), d.Month(), d.Day()
	// Days before year y (proleptic Gregorian), then before month m.
	n := 365*(y-1) + (y-1)/4 - (y-1)/100 + (y-1)/400
	for i := 1; i < m; i++ {
		n += DaysIn(y, i)
	}
	return n + day
}

// FromOrdinal is the inverse of Ordinal.
func FromOrdinal(n int) Date {
	y := n / 366
	for NewDate(y+1, 1, 1).Ordinal() <= n {
		y++
	}
	rest := n - NewDate(y, 1, 1).Ordinal() + 1
	m := 1
	for rest > DaysIn(y, m) {
		rest -= DaysIn(y, m)
		m++
	}
	return NewDate(y, m, rest)
}

// AddDays moves a date by n days.
func (d Date) AddDays(n int) Date { return FromOrdinal(d.Ordinal() + n) }

// Range is a validity period; a zero To means open-ended. Both ends are
// inclusive, as in the legal texts ("自2018年1月1日起", "至2020年12月31日").
type Range struct {
	From Date
	To   Date
}

// Contains reports whether day d lies in the range.
func (r Range) Contains(d Date) bool {
	return d >= r.From && (r.To == 0 || d <= r.To)
}

// Covers reports whether the whole span [a, b] lies in the range.
func (r Range) Covers(a, b Date) bool { return r.Contains(a) && r.Contains(b) }

// Overlaps reports whether two ranges share at least one day.
func (r Range) Overlaps(o Range) bool {
	rEnd, oEnd := r.To, o.To
	if rEnd == 0 {
		rEnd = 99991231
	}
	if oEnd == 0 {
		oEnd = 99991231
	}
	return r.From <= oEnd && o.From <= rEnd
}

func (r Range) String() string {
	if r.To == 0 {
		return r.From.String() + " 起"
	}
	return r.From.String() + " 至 " + r.To.String()
}

// Meta is the provenance every parameter row carries.
type Meta struct {
	Range
	Source     string // citation: instrument, article, URL
	Verified   bool   // false: recalled, single secondary source, draft, …
	Confidence string // high, medium, low, unverified (as the source file says)
	File       string // fixture file the row came from
	Line       int    // 1-based line in that file
}

// Where names the file and line of the row, for error messages.
func (m Meta) Where() string { return fmt.Sprintf("%s:%d", m.File, m.Line) }
