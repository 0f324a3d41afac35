package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// budgetInput writes the input of the golden Chongqing case to a file.
func budgetInput(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../testdata/budget/golden/chongqing_2021.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Input json.RawMessage }
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "input.json")
	if err := os.WriteFile(file, g.Input, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func budgetRun(t *testing.T, env map[string]string, stdin string, args ...string) (int, []byte, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return code, out.Bytes(), errb.String()
}

func TestBudgetComputeFormats(t *testing.T) {
	in := budgetInput(t)
	code, out, errs := budgetRun(t, nil, "", "budget", "compute", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Outcomes []struct {
			ID    string
			Total map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Outcomes) != 6 || res.Outcomes[0].ID != "base" || string(res.Outcomes[0].Total["net"]) != `"14576727.59"` {
		t.Errorf("outcomes: %+v", res.Outcomes)
	}

	dir := t.TempDir()
	xlsx := filepath.Join(dir, "b.xlsx")
	if code, _, errs := budgetRun(t, nil, "", "budget", "compute", "--format", "xlsx", "--out", xlsx, in); code != exitOK {
		t.Fatalf("xlsx: exit %d: %s", code, errs)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	// The finance page's workbook: the summary's 净额 row carries the
	// base's net in column B, written as a number.
	rows, _ := f.GetRows("汇总", excelize.Options{RawCellValue: true})
	netRow := 0
	for i, r := range rows {
		if len(r) > 1 && strings.HasPrefix(r[0], "净额") {
			netRow = i + 1
			break
		}
	}
	if netRow == 0 {
		t.Fatalf("no 净额 row: %q", rows)
	}
	net, _ := f.GetCellValue("汇总", "B"+strconv.Itoa(netRow), excelize.Options{RawCellValue: true})
	if d, err := decimal.NewFromString(net); err != nil || !d.Equal(decimal.RequireFromString("14576727.59")) {
		t.Errorf("workbook net %q", net)
	}
	if typ, _ := f.GetCellType("汇总", "B"+strconv.Itoa(netRow)); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("the net is text, not a number")
	}
	lines, _ := f.GetRows("明细")
	if len(lines) < 3 || len(lines[1]) < 6 || lines[1][0] != "项目" || lines[1][4] != "依据" {
		t.Errorf("lines sheet: %q", lines)
	}

	code, svg, errs := budgetRun(t, nil, "", "budget", "compute", "--format", "svg", "-")
	_ = svg
	if code != exitInput { // "-" reads stdin, which is empty here
		t.Errorf("empty stdin: exit %d", code)
	}
	data, _ := os.ReadFile(in)
	code, svg, errs = budgetRun(t, nil, string(data), "budget", "compute", "--format", "svg", "-")
	if code != exitOK || !bytes.HasPrefix(svg, []byte("<?xml")) || !bytes.Contains(svg, []byte("</svg>")) || bytes.Contains(svg, []byte("<script")) {
		t.Errorf("svg: exit %d %s %.200s", code, errs, svg)
	}
}

func TestBudgetComputeBadInput(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ doc, path string }{
		"unknown region":  {`{"region":"990000","year":2021}`, "region"},
		"year":            {`{"region":"500000","year":2017}`, "year"},
		"multiplier":      {`{"region":"500000","year":2021,"damage_cases":[{"id":"d","district":"500103","case":"x","claim":{"date":"2020-01-01","parameter_set":"recommended_2014","virtual_cost":[{"category":"interim_loss","medium":"surface_water","function_class":"III","discharge":"1","unit_cost":"1","multiplier":"9"}]},"receipts":[{"month":"2021-01","amount":"1"}]}]}`, "damage_cases[0].claim.virtual_cost[0].multiplier"},
		"water class":     {`{"region":"500000","year":2021,"ecocomp_settlements":[{"id":"e","settlement":{"scheme":"cq_basin_2018","year":2021,"sections":[{"id":"s","upstream":"a","downstream":"b","target_class":"III","periods":[{"period":"2021-01","class":"VI","compare_class":"III"}]}]},"parties":{"a":"500103","b":"500104"}}]}`, "ecocomp_settlements[0].settlement.sections[0].periods[0].class"},
		"scenario scheme": {`{"region":"500000","year":2021,"scenarios":[{"id":"a","schemes":{"cq_basin_2018":"cq_forest_quota_2018"}}]}`, "scenarios[0].schemes.cq_basin_2018"},
	} {
		file := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(file, []byte(c.doc), 0o644)
		out := filepath.Join(dir, "out.json")
		code, stdout, errs := budgetRun(t, nil, "", "budget", "compute", "--out", out, file)
		if code != exitInput || len(stdout) != 0 {
			t.Errorf("%s: exit %d, stdout %q", name, code, stdout)
		}
		if !strings.Contains(errs, `"path": "`+c.path+`"`) {
			t.Errorf("%s: stderr lacks path %s: %s", name, c.path, errs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: output written despite the error", name)
		}
	}
	if code, _, _ := budgetRun(t, nil, "", "budget", "compute", "--format", "pdf", "x"); code != exitInput {
		t.Errorf("bad format: exit %d", code)
	}
}

// TestBudgetReportFromDatabase: the report reads the service's database
// (here an empty SQLite file): every stream is zero and nothing is missing.
func TestBudgetReportFromDatabase(t *testing.T) {
	env := map[string]string{"ECOTAX_SQLITE_PATH": filepath.Join(t.TempDir(), "e.db")}
	code, out, errs := budgetRun(t, env, "", "budget", "report", "--region", "500000", "--year", "2024")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !bytes.Contains(out, []byte(`"net": "0.00"`)) || !bytes.Contains(out, []byte(`"region_name": "重庆市"`)) {
		t.Errorf("empty budget: %.400s", out)
	}
	code, _, errs = budgetRun(t, env, `{"region":"500000","year":2024,"scenarios":[{"id":"x","trends":{"air":"-1000"}}]}`, "budget", "report", "-")
	if code != exitInput || !strings.Contains(errs, "scenarios[0].trends.air") {
		t.Errorf("bad scenario: exit %d %s", code, errs)
	}
	if code, _, _ := budgetRun(t, env, "", "budget", "report", "--region", "500000"); code != exitInput {
		t.Errorf("missing year: exit %d", code)
	}
}
