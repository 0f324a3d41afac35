package report

import (
	"bytes"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/xuri/excelize/v2"
)

// SheetNotes holds the view's notes.
const SheetNotes = "提示"

// ViewXLSX writes a view as the workbook the finance page downloads: one
// sheet per section of the page, each table as its caption, its header
// and its rows (amounts as number cells from their exact text, shown with
// two decimals and thousands separators as on the page), a blank row
// between tables; the summary sheet starts with the page's heading.
func ViewXLSX(v *View) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	w := &book{f: f}
	w.styles()
	for i, sh := range v.Sheets {
		w.sheet(sh.Name)
		row := 1
		if i == 0 {
			w.str(sh.Name, 1, row, v.Title)
			if w.err == nil {
				w.err = w.f.SetCellStyle(sh.Name, "A1", "A1", w.title_)
			}
			row += 2
		}
		cols := 1
		for _, t := range sh.Tables {
			w.str(sh.Name, 1, row, t.Caption)
			row++
			w.header(sh.Name, row, t.Head...)
			cols = max(cols, len(t.Head))
			for _, r := range t.Rows {
				row++
				w.str(sh.Name, 1, row, r.Label)
				for j, c := range r.Cells {
					switch {
					case c.Amount.Valid:
						w.num(sh.Name, j+2, row, c.Amount.Decimal)
						w.places(sh.Name, j+2, row, c.Amount.Decimal)
					case c.Text != "":
						w.str(sh.Name, j+2, row, c.Text)
					}
				}
			}
			row += 2
		}
		widths := []float64{30}
		for j := 1; j < cols; j++ {
			widths = append(widths, 18)
		}
		w.widths(sh.Name, widths...)
	}
	w.sheet(SheetNotes)
	w.header(SheetNotes, 1, "提示", "代码", "原文")
	for i, n := range v.Notes {
		w.str(SheetNotes, 1, i+2, n.Text)
		w.str(SheetNotes, 2, i+2, n.Code)
		w.str(SheetNotes, 3, i+2, n.Detail)
	}
	w.widths(SheetNotes, 80, 24, 100)
	if w.err != nil {
		return nil, w.err
	}
	f.DeleteSheet("Sheet1")
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// places gives an amount with more than two decimals (a fee may carry
// more; nothing is rounded) a number format showing all of them, as the
// page does (param.Money): the cell reads as the screen.
func (w *book) places(sh string, col, row int, d decimal.Decimal) {
	var n int32 // decimals as written (trailing zeros dropped, as on the page)
	if _, frac, ok := strings.Cut(d.String(), "."); ok {
		n = int32(len(frac))
	}
	if w.err != nil || n <= 2 {
		return
	}
	if w.extra == nil {
		w.extra = map[int32]int{}
	}
	style, ok := w.extra[n]
	if !ok {
		f := "#,##0." + strings.Repeat("0", int(n)) + ";-#,##0." + strings.Repeat("0", int(n))
		if style, w.err = w.f.NewStyle(&excelize.Style{CustomNumFmt: &f}); w.err != nil {
			return
		}
		w.extra[n] = style
	}
	w.err = w.f.SetCellStyle(sh, cell(col, row), cell(col, row), style)
}
