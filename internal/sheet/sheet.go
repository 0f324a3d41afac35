// Package sheet writes the forms officers and accountants open in a
// spreadsheet program — 税源明细表, 申报计算及减免信息, the figures template —
// as XLSX or CSV. Both doors (the JSON API and the pages) send the same
// bytes for the same form.
package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Media types.
const (
	MIMEXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	MIMECSV  = "text/csv; charset=utf-8"
)

// Sheet is one form: a title, lines of header information (label,
// value), the column headers as on the official form, rows, and summary
// lines after the rows. A sheet without a title is a plain table (the
// import template) that starts with its headers.
type Sheet struct {
	Name    string
	Title   string
	Info    [][2]string
	Headers []string
	Rows    [][]string
	Summary [][2]string
}

// Encode writes the sheet as "xlsx" or "csv" and returns the bytes, their
// media type and the file name's extension.
func (sh *Sheet) Encode(kind string) ([]byte, string, string, error) {
	var buf bytes.Buffer
	switch kind {
	case "csv":
		// UTF-8 with a byte-order mark, so spreadsheet programs read the
		// Chinese headers right.
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		w.Write(safeRow(sh.Headers))
		for _, r := range sh.Rows {
			w.Write(safeRow(r))
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return nil, "", "", err
		}
		return buf.Bytes(), MIMECSV, ".csv", nil
	case "xlsx":
	default:
		return nil, "", "", fmt.Errorf("sheet: unknown format %q", kind)
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sh.Name)
	r := 1
	// Every cell is written as text (SetCellStr): a spreadsheet program
	// never evaluates what a user typed as a formula.
	put := func(col int, v string) {
		cell, _ := excelize.CoordinatesToCellName(col, r)
		f.SetCellStr(sh.Name, cell, v)
	}
	if sh.Title != "" {
		put(1, sh.Title)
		r++
		for _, kv := range sh.Info {
			put(1, kv[0])
			put(2, kv[1])
			r++
		}
		r++
	}
	for i, h := range sh.Headers {
		put(i+1, h)
	}
	for _, row := range sh.Rows {
		r++
		for i, v := range row {
			put(i+1, v)
		}
	}
	if len(sh.Summary) > 0 {
		r++
		for _, kv := range sh.Summary {
			r++
			put(1, kv[0])
			put(2, kv[1])
		}
	}
	if err := f.Write(&buf); err != nil {
		return nil, "", "", err
	}
	return buf.Bytes(), MIMEXLSX, ".xlsx", nil
}

func safeRow(row []string) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = SafeCell(v)
	}
	return out
}

// SafeCell neutralises a CSV cell that a spreadsheet program would read
// as a formula (OWASP, "CSV Injection"): text starting with =, +, -, @,
// a tab or a carriage return gets a leading apostrophe. A plain number
// (a negative 应补(退)税额) stays as it is.
func SafeCell(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := decimal.NewFromString(v); err == nil && v[0] == '-' {
			return v
		}
		return "'" + v
	}
	return v
}
