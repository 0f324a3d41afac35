package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/budget"
)

func sample() *budget.Result {
	row := func(key, tax, eco string, missing int) budget.Row {
		r := budget.Row{Key: key, Tax: decimal.RequireFromString(tax), EcoOut: decimal.RequireFromString(eco), Missing: missing}
		r.Net = r.Tax.Sub(r.EcoOut)
		return r
	}
	base := &budget.Outcome{ID: "base", Title: "基准 <&>", Base: true, Total: row("total", "1234.5", "2000", 1),
		Lines: []budget.Line{{ID: "tax:x:2024-01", Stream: budget.StreamTax, Month: "2024-01", Amount: decimal.NullDecimal{Decimal: decimal.RequireFromString("0.125"), Valid: true}},
			{ID: "tax:x:2024-02", Stream: budget.StreamTax, Month: "2024-02"}}}
	sc := &budget.Outcome{ID: "s", Title: "情景", Changes: []string{"大气 +5%"}, Total: row("total", "1300", "2000", 1)}
	sc.VsBase = &budget.Row{Key: "vs_base", Tax: decimal.RequireFromString("65.5"), Net: decimal.RequireFromString("65.5")}
	res := &budget.Result{Region: "500000", RegionName: "重庆市", Year: 2024, Months: []string{"2024-01", "2024-02"}, Outcomes: []*budget.Outcome{base, sc}}
	for _, o := range res.Outcomes {
		o.ByMonth = []budget.Row{row("2024-01", "1234.5", "2000", 0), row("2024-02", "0", "0", 1)}
	}
	return res
}

// The chart is well-formed XML, has one bar per month and outcome, escapes
// the titles, and has no script.
func TestSVG(t *testing.T) {
	out := SVG(sample())
	dec := xml.NewDecoder(bytes.NewReader(out))
	rects := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == "script" {
				t.Fatal("script in the chart")
			}
			if se.Name.Local == "rect" {
				rects++
			}
		}
	}
	// background + 2 months × 2 outcomes + 2 legend swatches
	if rects != 1+4+2 {
		t.Errorf("%d rects", rects)
	}
	if !strings.Contains(string(out), "基准 &lt;&amp;&gt;") || !strings.Contains(string(out), "-765.50") {
		t.Errorf("titles or nets missing:\n%s", out)
	}
}

// The workbook every door writes (the page's View) holds the amounts as
// exact number cells — 0.125 stays 0.125, never a float — and an amount
// that is not known as the text 未知, not as a zero.
func TestWorkbookExactAndUnknown(t *testing.T) {
	data, err := ViewXLSX(NewView(sample(), map[string]string{"500000": "重庆市"}))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetLines, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	// Caption, header, then the base's two lines; column F is the base.
	if len(rows) != 4 || len(rows[2]) < 6 || len(rows[3]) < 6 {
		t.Fatalf("lines sheet: %q", rows)
	}
	if rows[2][5] != "0.125" || rows[3][5] != "未知" {
		t.Errorf("base amounts %q and %q, want 0.125 and 未知", rows[2][5], rows[3][5])
	}
	if typ, _ := f.GetCellType(SheetLines, "F3"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("the amount is text, not a number")
	}
	net, _ := f.GetCellValue(SheetSummary, "B"+strconv.Itoa(4+len(streamIDs())+1), excelize.Options{RawCellValue: true})
	if net != "-765.5" {
		t.Errorf("base net %q, want -765.5", net)
	}
}
