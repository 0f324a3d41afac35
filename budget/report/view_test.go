package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/budget"
)

// The view says how many months have a basis, never a bare total when
// some lack one, and its workbook holds its tables cell for cell.
func TestViewAndItsWorkbook(t *testing.T) {
	res := sample()
	res.Districts = []string{"500103"}
	for _, o := range res.Outcomes {
		o.ByDistrict = []budget.Row{o.Total}
	}
	res.Coverage = []budget.Coverage{{CreditCode: "91X", Name: "甲公司", District: "500103", Month: "2024-01", Basis: budget.BasisDeclaration},
		{CreditCode: "91X", Name: "甲公司", District: "500103", Month: "2024-02", Basis: budget.BasisNone}}
	res.Warnings = []budget.Warning{{Code: "tax_basis_missing", Message: "1 个纳税人月份… (see tax_coverage)"}, {Code: "odd_thing", Message: "an English engine message"}}
	// A fee may carry more than two decimals, written with its trailing
	// zero dropped: the workbook shows what the page shows.
	res.Outcomes[1].Lines = []budget.Line{{ID: "tax:x:2024-01", Stream: budget.StreamTax, Month: "2024-01",
		Amount: decimal.NullDecimal{Decimal: decimal.RequireFromString("1234.1250"), Valid: true}}}
	v := NewView(res, map[string]string{"500103": "渝中区", "500000": "重庆市"})
	if v.Complete || !strings.HasPrefix(v.Coverage, "1 / 2 个月有依据；1 个纳税人月份") {
		t.Errorf("coverage %q (complete %v)", v.Coverage, v.Complete)
	}
	if got := v.Sheets[0].Tables[0].Rows[0].Label; got != "环境保护税（仅有依据的月份）" {
		t.Errorf("tax row %q", got)
	}
	if got := v.Sheets[2].Tables[0].Rows[0].Label; got != "渝中区（500103）" {
		t.Errorf("district %q", got)
	}
	for _, n := range v.Notes {
		if hasLatin(n.Text) {
			t.Errorf("note in English: %q", n.Text)
		}
	}
	out, err := ViewXLSX(v)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for si, sh := range v.Sheets {
		rows, err := f.GetRows(sh.Name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			if line := strings.TrimRight(strings.Join(r, "|"), "|"); line != "" {
				got = append(got, line)
			}
		}
		var want []string
		if si == 0 {
			want = append(want, v.Title)
		}
		for _, tb := range sh.Tables {
			want = append(want, tb.Caption, strings.Join(tb.Head, "|"))
			for _, r := range tb.Rows {
				line := r.Label
				for _, c := range r.Cells {
					line += "|" + c.Show()
				}
				want = append(want, strings.TrimRight(line, "|"))
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("sheet %s:\n%s\nwant\n%s", sh.Name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
