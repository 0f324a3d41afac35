package sheet

import (
	"strings"
	"testing"
)

func workbook(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	sh := &Sheet{Name: FiguresSheet, Headers: []string{ColSourceID, ColMonth, "污染物排放量(千克)", "昼间超标天数"}, Rows: rows}
	b, _, _, err := sh.Encode("xlsx")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadFigures(t *testing.T) {
	figs, rowOf, _, errs := ReadFigures(workbook(t, []string{"7", "2024-01", "1.5E+3", "16"}, []string{"", "", "", ""}, []string{"8", "2024-02", "12.25", ""}))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(figs) != 2 || figs[0].SourceID != 7 || figs[0].EmissionKg.Decimal.String() != "1500" || *figs[0].DayExceedDays != 16 ||
		figs[1].Month != "2024-02" || figs[1].EmissionKg.Decimal.String() != "12.25" || rowOf[0] != 2 || rowOf[1] != 4 {
		t.Fatalf("%+v %v", figs, rowOf)
	}
}

// Numbers a spreadsheet can hold but no figure can be are refused by
// their text, before any arithmetic: a huge exponent, a long string of
// digits, too many decimals, days out of range.
func TestReadFiguresRefusesNumbers(t *testing.T) {
	for _, bad := range []struct{ kg, days, want string }{
		{"1E-10000000", "", "not a number below 1e15"},
		{"1e16", "", "not a number below 1e15"},
		{strings.Repeat("9", 30), "", "above 1e15"},
		{"0.0000000000001", "", "more than 12 decimals"},
		{"-1", "", "negative"},
		{"", "32", "whole number of days"},
		{"=1+1", "", "not a number"},
	} {
		_, _, _, errs := ReadFigures(workbook(t, []string{"7", "2024-01", bad.kg, bad.days}))
		if len(errs) != 1 || !strings.Contains(errs[0].Message, bad.want) || !strings.HasPrefix(errs[0].Path, FiguresSheet+"!") {
			t.Errorf("%+v: %+v", bad, errs)
		}
	}
}

func TestReadFiguresNotAWorkbook(t *testing.T) {
	_, _, _, errs := ReadFigures([]byte("PK\x03\x04 not really"))
	if len(errs) != 1 || errs[0].Code != "invalid_xlsx" {
		t.Fatalf("%+v", errs)
	}
}

// Workbooks: never panic; no figures always comes with an error, and
// every error names a place.
func FuzzReadFigures(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Add(workbook(f, []string{"7", "2024-01", "1.5", ""}))
	f.Add(workbook(f, []string{"x", "2024-13", "1E-99999", "40"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		figs, _, _, errs := ReadFigures(data)
		if len(errs) == 0 && len(figs) == 0 {
			t.Fatal("no figures and no error")
		}
		for _, e := range errs {
			if e.Path == "" || e.Code == "" {
				t.Fatalf("error without a place: %+v", e)
			}
		}
	})
}
