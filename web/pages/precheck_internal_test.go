package pages

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/filing"
)

func precheckSeed(t testing.TB, rows [][]string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			f.SetCellStr("Sheet1", cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzPrecheckBook: any uploaded bytes are either refused with errors
// that name a cell (or the file), or read into figures that each name a
// source of their own row and pass CheckFigures; nothing panics.
func FuzzPrecheckBook(f *testing.F) {
	head := []string{"排放口编号", "污染物类别", "污染物名称", "税款所属月份", "污染物排放量(千克)", "昼间超标天数", "标准值昼间(6-22时)", "无组织排放"}
	f.Add(precheckSeed(f, [][]string{head, {"DA001", "大气污染物", "二氧化硫", "2024-01", "100", "", "", "否"}}))
	f.Add(precheckSeed(f, [][]string{head, {"N1", "噪声", "", "2024-02", "", "16", "65", ""}, {"X", "光", "", "2024-13", "-1", "40", "x", "也许"}}))
	f.Add([]byte("PK\x03\x04 not really"))
	per, _ := filing.ParsePeriod("2024-Q1")
	f.Fuzz(func(t *testing.T, data []byte) {
		book, errs := parsePrecheckBook(data, per)
		if len(errs) > 0 {
			if book != nil {
				t.Fatal("errors and a book")
			}
			for _, e := range errs {
				if e.Path == "" || e.Message == "" {
					t.Fatalf("an error without a place or message: %+v", e)
				}
			}
			return
		}
		if book == nil || len(book.figs) == 0 || len(book.figs) != len(book.rowOf) {
			t.Fatalf("no errors and no figures")
		}
		for _, fig := range book.figs {
			if book.sources[fig.SourceID] == nil {
				t.Fatalf("figure of unknown source %d", fig.SourceID)
			}
		}
		if errs := filing.CheckFigures(per, book.sources, book.figs); len(errs) > 0 {
			t.Fatalf("a read book fails CheckFigures: %v", errs)
		}
	})
}
