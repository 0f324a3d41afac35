package filing_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
)

func params(t testing.TB) *filing.Params {
	p, err := fixtures.LoadFiling()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSurchargeCases(t *testing.T) {
	data, err := os.ReadFile("testdata/surcharge.csv")
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
	for _, row := range rows[1:] {
		per, err := filing.ParsePeriod(row[0])
		if err != nil {
			t.Fatal(err)
		}
		dl, err := p.DeadlineOf(per)
		if err != nil {
			t.Fatal(err)
		}
		if string(dl.Date) != row[3] {
			t.Errorf("%s: deadline %s, want %s", row[0], dl.Date, row[3])
		}
		s, err := p.SurchargeOf(decimal.RequireFromString(row[1]), dl.Date, filing.Date(row[2]), true)
		if err != nil {
			t.Fatal(err)
		}
		days, _ := strconv.Atoi(row[4])
		if s.Days != days || !s.Amount.Decimal.Equal(decimal.RequireFromString(row[5])) {
			t.Errorf("%s (%s): %d days %s, want %s days %s", row[0], row[6], s.Days, s.Amount.Decimal, row[4], row[5])
		}
		if s.Amount.Decimal.Sign() > 0 && len(s.Warnings) == 0 {
			t.Errorf("%s: the unconfirmed rounding is not flagged", row[0])
		}
	}
}

// One more day late never lowers the surcharge, and before rounding it is
// exactly owed × rate × days.
func TestSurchargeMonotone(t *testing.T) {
	p := params(t)
	rapid.Check(t, func(t *rapid.T) {
		cents := rapid.Int64Range(0, 1e12).Draw(t, "cents")
		owed := decimal.New(cents, -2)
		days := rapid.IntRange(0, 3000).Draw(t, "days")
		dl := filing.Date("2019-04-15")
		a, err := p.SurchargeOf(owed, dl, filing.DateOf(dl.Day().AddDays(days)), false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.SurchargeOf(owed, dl, filing.DateOf(dl.Day().AddDays(days+1)), false)
		if err != nil {
			t.Fatal(err)
		}
		if b.Amount.Decimal.LessThan(a.Amount.Decimal) || a.Days != days || b.Days != days+1 {
			t.Fatalf("%s owed: %d days %s, %d days %s", owed, a.Days, a.Amount.Decimal, b.Days, b.Amount.Decimal)
		}
		want := owed.Mul(decimal.RequireFromString("0.0005")).Mul(decimal.NewFromInt(int64(days))).Round(2)
		if !a.Amount.Decimal.Equal(want) {
			t.Fatalf("%s × 0.0005 × %d = %s, got %s", owed, days, want, a.Amount.Decimal)
		}
	})
}

func TestPeriods(t *testing.T) {
	for _, bad := range []string{"2024-Q5", "2024-Q0", "2017-Q4", "2024-13-01", "2024-02-30", "2024-03", "", "+024-Q1", "2024-q1"} {
		if _, err := filing.ParsePeriod(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	p, err := filing.ParsePeriod("2024-Q2")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Months(); len(got) != 3 || got[0] != "2024-04" || got[2] != "2024-06" {
		t.Errorf("months %v", got)
	}
	if p.HasMonth("2024-07") || !p.HasMonth("2024-05") || p.HasMonth("2024-5") {
		t.Error("HasMonth")
	}
}
