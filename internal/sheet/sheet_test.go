package sheet

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\",\"y\")": "'=HYPERLINK(\"http://x\",\"y\")",
		"@SUM(A1:A2)":                    "'@SUM(A1:A2)",
		"+1+2":                           "'+1+2",
		"-2+3":                           "'-2+3",
		"\tcmd":                          "'\tcmd",
		"\rcmd":                          "'\rcmd",
		"-12.50":                         "-12.50",
		"锅炉排口":                           "锅炉排口",
		"":                               "",
		"a=b":                            "a=b",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEncodeCSVNeutralisesFormulas(t *testing.T) {
	sh := &Sheet{Name: "t", Headers: []string{"名称", "税额"}, Rows: [][]string{{"=cmd|' /C calc'!A0", "-3.00"}}}
	b, ctype, ext, err := sh.Encode("csv")
	if err != nil || ctype != MIMECSV || ext != ".csv" {
		t.Fatal(err, ctype, ext)
	}
	s := string(b)
	if !strings.HasPrefix(s, "\ufeff名称,税额\n") || !strings.Contains(s, "'=cmd|") || !strings.Contains(s, ",-3.00") {
		t.Errorf("csv:\n%s", s)
	}
}

func TestEncodeXLSXWritesText(t *testing.T) {
	sh := &Sheet{Name: "表", Title: "标题", Info: [][2]string{{"纳税人名称", "=1+1"}}, Headers: []string{"a"}, Rows: [][]string{{"=2+2"}},
		Summary: [][2]string{{"合计", "1.00"}}}
	b, ctype, ext, err := sh.Encode("xlsx")
	if err != nil || ctype != MIMEXLSX || ext != ".xlsx" {
		t.Fatal(err, ctype, ext)
	}
	f, err := excelize.OpenReader(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{"A1": "标题", "B2": "=1+1", "A4": "a", "A5": "=2+2", "A7": "合计", "B7": "1.00"} {
		got, err := f.GetCellValue("表", cell)
		if err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", cell, got, err, want)
		}
		if formula, _ := f.GetCellFormula("表", cell); formula != "" {
			t.Errorf("%s holds a formula %q", cell, formula)
		}
	}
	if _, _, _, err := sh.Encode("pdf"); err == nil {
		t.Error("unknown format accepted")
	}
}
