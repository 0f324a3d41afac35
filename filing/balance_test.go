package filing_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/filing"
)

func TestBalanceCases(t *testing.T) {
	data, err := os.ReadFile("testdata/balance.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	p := params(t)
	dec := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	for _, row := range rows[1:] {
		var revs []filing.Declaration
		for _, r := range strings.Split(row[1], "|") {
			f := strings.Split(r, ":")
			n, _ := strconv.Atoi(f[0])
			d := filing.Declaration{Period: "2024-Q1", Revision: n, Status: filing.Status(f[1]), Deadline: "2024-04-15",
				TotalTax: filing.MoneyOf(dec(f[2]))}
			if len(f) == 5 {
				d.PaidOn, d.PaidAmount = filing.Date(f[3]), filing.MoneyOf(dec(f[4]))
			}
			revs = append(revs, d)
		}
		b, err := p.BalanceOf(revs, filing.Date(row[2]))
		if err != nil {
			t.Fatalf("%s: %v", row[0], err)
		}
		days, _ := strconv.Atoi(row[7])
		got := []decimal.Decimal{b.Tax.Decimal, b.Paid.Decimal, b.Unpaid.Decimal, b.Overpaid.Decimal, b.Surcharge.Amount.Decimal}
		want := []decimal.Decimal{dec(row[3]), dec(row[4]), dec(row[5]), dec(row[6]), dec(row[8])}
		for i := range got {
			if !got[i].Equal(want[i]) || b.Surcharge.Days != days {
				t.Errorf("%s (%s): tax %s paid %s unpaid %s overpaid %s, %d days %s; want %v, %d days",
					row[0], row[9], got[0], got[1], got[2], got[3], b.Surcharge.Days, got[4], row[3:9], days)
				break
			}
		}
		sum := 0
		for _, s := range b.Spans {
			sum += s.Days
		}
		if sum != b.Surcharge.Days {
			t.Errorf("%s: spans %d days, total %d", row[0], sum, b.Surcharge.Days)
		}
	}
}

// With one revision and one full payment the balance's surcharge is
// SurchargeOf's; with no payment it runs to the as-of day.
func TestBalanceAgreesWithSurcharge(t *testing.T) {
	p := params(t)
	rapid.Check(t, func(t *rapid.T) {
		tax := decimal.New(rapid.Int64Range(0, 1e10).Draw(t, "cents"), -2)
		days := rapid.IntRange(-30, 800).Draw(t, "days")
		paid := rapid.Bool().Draw(t, "paid")
		dl := filing.Date("2021-04-15")
		on := filing.DateOf(dl.Day().AddDays(days))
		d := filing.Declaration{Period: "2021-Q1", Revision: 1, Status: filing.StatusSubmitted, Deadline: dl, TotalTax: filing.MoneyOf(tax)}
		if paid {
			d.PaidOn, d.PaidAmount = on, filing.MoneyOf(tax)
		}
		b, err := p.BalanceOf([]filing.Declaration{d}, on)
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.SurchargeOf(tax, dl, on, paid)
		if err != nil {
			t.Fatal(err)
		}
		if tax.Sign() > 0 && (!b.Surcharge.Amount.Decimal.Equal(s.Amount.Decimal) || b.Surcharge.Days != s.Days) {
			t.Fatalf("%s, %d days, paid %v: balance %d days %s, SurchargeOf %d days %s", tax, days, paid, b.Surcharge.Days, b.Surcharge.Amount.Decimal, s.Days, s.Amount.Decimal)
		}
	})
}
