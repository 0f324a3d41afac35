package report

import (
	"bytes"
	"encoding/xml"
	"io"
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

// The workbook holds every outcome with exact numbers, and unknown amounts
// as text.
func TestXLSX(t *testing.T) {
	data, err := XLSX(sample())
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for cell, want := range map[string]string{"A5": "基准 <&>", "C5": "1234.5", "F5": "2000", "H5": "-765.5", "I5": "1", "A6": "情景", "B6": "大气 +5%"} {
		got, _ := f.GetCellValue("汇总", cell, excelize.Options{RawCellValue: true})
		if got != want {
			t.Errorf("汇总!%s = %q, want %q", cell, got, want)
		}
	}
	rows, _ := f.GetRows("明细", excelize.Options{RawCellValue: true})
	if len(rows) != 3 || rows[1][5] != "0.125" || rows[2][5] != "未知" {
		t.Errorf("lines: %q", rows)
	}
}
