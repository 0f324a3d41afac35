package exchange_test

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/fixtures"
)

func TestReviewDeadlines(t *testing.T) {
	p, err := fixtures.LoadExchange()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/review_deadlines.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		received, _ := param.ParseDate(row[0])
		last, _ := param.ParseDate(row[1])
		on, _ := param.ParseDate(row[2])
		overdue, _ := strconv.ParseBool(row[3])
		late, _ := strconv.Atoi(row[4])
		d, err := p.ReviewDeadline(received)
		if err != nil {
			t.Fatalf("%s: %v", row[5], err)
		}
		if d.Last != last || d.Days != 15 {
			t.Errorf("%s: last day %s, want %s", row[5], d.Last, last)
		}
		if got := exchange.Overdue(d.Last, on); got != overdue {
			t.Errorf("%s: overdue %t, want %t", row[5], got, overdue)
		}
		if got := exchange.DaysLate(d.Last, on); got != late {
			t.Errorf("%s: %d days late, want %d", row[5], got, late)
		}
		// The counting rule is medium confidence: every deadline says so.
		var warned bool
		for _, w := range d.Warnings {
			warned = warned || w.Code == "unverified_parameter"
		}
		if !warned {
			t.Errorf("%s: no warning for the unverified counting rule", row[5])
		}
	}
	if _, err := p.ReviewDeadline(param.NewDate(2017, 12, 31)); err == nil {
		t.Error("a request before the law took effect got a deadline")
	}
}
