package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const example = "../../fixtures/examples/chongqing-chemical-2024Q1.json"

// runCLI drives the whole binary in-process.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCalcJSON(t *testing.T) {
	code, out, errs := runCLI(t, "", "calc", example)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		TotalTax string `json:"total_tax"`
		Lines    []struct {
			Taxed bool `json:"taxed"`
		} `json:"lines"`
		Trace []struct {
			Text string `json:"text"`
		} `json:"trace"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.TotalTax == "" || res.TotalTax == "0.00" || len(res.Lines) < 50 || len(res.Trace) < 100 {
		t.Fatalf("implausible result: total %s, %d lines, %d steps", res.TotalTax, len(res.Lines), len(res.Trace))
	}
	// The same request on stdin gives the same answer.
	data, _ := readFileForTest(example)
	code2, out2, _ := runCLI(t, data, "calc", "-")
	if code2 != exitOK || out2 != out {
		t.Fatal("stdin and file disagree")
	}
}

func TestCalcTable(t *testing.T) {
	for _, args := range [][]string{{"calc", "--format", "table", example}, {"calc", example, "--format", "table"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		// No reduction in this quarter: every month has an exceedance
		// (色度 64 over 50 in January and March, an NOx hourly average in
		// February), which denies the month's reductions (财税〔2018〕117号).
		for _, want := range []string{"合计", "排序第4，不在前三项", "化学需氧量、生化需氧量和总有机碳只征收一项", "2024-02", "提示", "取整口径 污染当量数保留两位小数"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: table lacks %q", args, want)
			}
		}
		// Before the totals a person reads Chinese, not the rule's code;
		// and a pH inside 6–9 is named once on its line.
		head := out[:strings.Index(out, "合计")]
		if strings.Contains(head, "per_line_2dp") {
			t.Errorf("%v: the rounding's code before the totals", args)
		}
		for _, line := range strings.Split(head, "\n") {
			if strings.Count(line, "pH值 6.8") > 1 {
				t.Errorf("%v: pH named twice: %s", args, line)
			}
		}
	}
	// A month without exceedance shows its reduction (E16 of the golden cases).
	req := `{"rates":{"air":"1.2"},"sources":[{"id":"DA001","kind":"air","month":"2024-05","pollutants":[{"name":"二氧化硫","emission_kg":"1200","method":"automatic","avg_concentration":"120","max_concentration":"120","standard_concentration":"200"}]}]}`
	code, out, errs := runCLI(t, req, "calc", "--format", "table", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"减按75%", "378.95", "1136.84"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// The table shows what a tax officer checks: pH and 色度 on their lines,
// noise halving and doubling, the hazardous-waste class, exempt solid
// waste at 0, and the unverified parameters once, after the totals.
func TestCalcTablePrintout(t *testing.T) {
	req := `{"region":"210100","sources":[
	 {"id":"DW001","kind":"water","month":"2024-01","wastewater_t":"24000","pollutants":[{"name":"pH值","value":"4"},{"name":"色度","measured":"320","standard":"80"}]},
	 {"id":"N1","kind":"noise","month":"2024-01","day":{"limit_db":"65","measured_db":"70","exceed_days":5},"boundary_over_100m_multiple_points":true},
	 {"id":"S1","kind":"solid_waste","month":"2024-01","waste":"危险废物","hazardous_class":"HW08","generated_t":"1"},
	 {"id":"S2","kind":"solid_waste","month":"2024-01","waste":"粉煤灰","generated_t":"50","exemption":"utilized_solid_waste"}]}`
	code, out, errs := runCLI(t, req, "calc", "--format", "table", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"pH值 4", "色度超标倍数 3", "危险废物类别 HW08", "减半", "按两个单位计算", "尚未与官方文本核实的参数"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// The notes come after the totals in plain Chinese; parameter keys,
	// files and URLs only in 依据详情 below them.
	total := strings.Index(out, "合计")
	notes := strings.Index(out, "\n提示：")
	detail := strings.Index(out, "\n依据详情：")
	if total < 0 || notes < total || detail < notes {
		t.Fatalf("want totals, then 提示, then 依据详情:\n%s", out)
	}
	for _, code := range []string{"rate.", "fixtures/", "http", "unverified_parameter"} {
		if i := strings.Index(out, code); i >= 0 && i < detail {
			t.Errorf("%q before 依据详情:\n%s", code, out[:detail])
		}
		if !strings.Contains(out[detail:], code) {
			t.Errorf("依据详情 lacks %q", code)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "S2") && !strings.Contains(line, " 0 ") {
			t.Errorf("exempt solid waste must show 0: %q", line)
		}
	}
}

func TestCalcBadInput(t *testing.T) {
	code, out, errs := runCLI(t, `{"sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"二氧化琉","emission_kg":"1"}]}]}`, "calc", "-")
	if code != exitInput || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	var p struct {
		Code   string `json:"code"`
		Title  string `json:"title"`
		Errors []struct {
			Path string `json:"path"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(errs), &p); err != nil {
		t.Fatalf("stderr is not JSON: %v\n%s", err, errs)
	}
	if p.Code != "unknown_pollutant" || p.Title == "" || len(p.Errors) != 1 || p.Errors[0].Path != "sources[0].pollutants[0].name" {
		t.Fatalf("problem %+v", p)
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := runCLI(t, "", "nosuch"); code != exitInput {
		t.Fatalf("unknown command: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "calc"); code != exitInput {
		t.Fatalf("calc without file: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "calc", "/nonexistent.json"); code != exitInput {
		t.Fatalf("missing file: exit %d", code)
	}
	if code, out, _ := runCLI(t, "", "help"); code != exitOK || !strings.Contains(out, "calc") {
		t.Fatalf("help: exit %d", code)
	}
}

func readFileForTest(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}
