package calc_test

import (
	"fmt"
	"os"
	"strings"

	"testing"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/fixtures"
)

// engineWith loads the shipped tables with one named parameter's value
// replaced, to test the other side of a reading.
func engineWith(t *testing.T, key, value string) *calc.Engine {
	t.Helper()
	tables, err := fixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	own := *tables
	own.Scalars = append([]calc.Scalar(nil), tables.Scalars...)
	found := false
	for i := range own.Scalars {
		if own.Scalars[i].Key == key {
			own.Scalars[i].Text = value
			found = true
		}
	}
	if !found {
		t.Fatalf("no parameter %s", key)
	}
	e, err := calc.NewEngine(&own)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const belowDL = `{"rates": {"water": "3"}, "sources": [{"id": "DW001", "kind": "water", "month": "2024-04",
  "pollutants": [{"name": "COD", %s "method": "monitoring", "monitoring_month": "2024-04", "below_detection_limit": true}]}]}`

func TestBelowDetectionLimitBothReadings(t *testing.T) {
	// zero (shipped): the emission counts as 0 whatever was declared.
	got, err := assessJSON(testEngine(t), []byte(fmt.Sprintf(belowDL, `"emission_kg": "40",`)))
	if err != nil {
		t.Fatal(err)
	}
	if got["total_tax"] != "0.00" {
		t.Errorf("zero: total_tax %v, want 0.00", got["total_tax"])
	}
	// as_declared: the declared 40 kg (e.g. computed at the detection
	// limit) is taxed: 40 × 3 = 120.
	e := engineWith(t, "monitoring.below_detection_limit", "as_declared")
	got, err = assessJSON(e, []byte(fmt.Sprintf(belowDL, `"emission_kg": "40",`)))
	if err != nil {
		t.Fatal(err)
	}
	if got["total_tax"] != "120.00" {
		t.Errorf("as_declared: total_tax %v, want 120.00", got["total_tax"])
	}
	// as_declared without an emission: an error naming the field.
	_, err = assessJSON(e, []byte(fmt.Sprintf(belowDL, "")))
	checkError(t, err, map[string]any{"code": "required", "path": "sources[0].pollutants[0].emission_kg"})
}

func TestTieBreakReadings(t *testing.T) {
	const req = `{"region":"310000","sources":[{"id":"DA001","kind":"air","month":"2024-06","pollutants":[
	  {"name":"一般性粉尘","emission_kg":"8000"},{"name":"烟尘","emission_kg":"3270"},
	  {"name":"二氧化硫","emission_kg":"950"},{"name":"氮氧化物","emission_kg":"950"}]}]}`
	for reading, want := range map[string]string{"table_order": "11800.00", "higher_rate": "12750.00", "lower_rate": "11800.00"} {
		got, err := assessJSON(engineWith(t, "ranking.tie_break", reading), []byte(req))
		if err != nil {
			t.Fatal(err)
		}
		if got["total_tax"] != want {
			t.Errorf("%s: total_tax %v, want %s", reading, got["total_tax"], want)
		}
		found := false
		for _, w := range got["warnings"].([]any) {
			wm := w.(map[string]any)
			if wm["code"] == "ranking_tie" && strings.Contains(wm["message"].(string), "950.00") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no ranking_tie warning with the 950.00 at stake: %v", reading, got["warnings"])
		}
	}
	// No tie across the cut (NOx one kilogram more): no warning.
	got, err := assessJSON(testEngine(t), []byte(strings.Replace(req, `"氮氧化物","emission_kg":"950"`, `"氮氧化物","emission_kg":"951"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range got["warnings"].([]any) {
		if w.(map[string]any)["code"] == "ranking_tie" {
			t.Errorf("ranking_tie without a tie")
		}
	}
}

// A province's own 规模标准 (实施条例 第四条) decides, with 表四's threshold,
// whether a farm is a scale farm: both sides, on a test row for Chongqing.
func TestProvincialLivestockScale(t *testing.T) {
	tables, err := fixtures.LoadTax(func(name string) ([]byte, error) {
		data, err := os.ReadFile("../fixtures/tax/" + name)
		if name == "livestock_scale.csv" && err == nil {
			data = append(data, "50,猪,1000,test row,2018-01-01,,a test standard (not a real one),low,false\n"...)
		}
		return data, err
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := calc.NewEngine(tables)
	if err != nil {
		t.Fatal(err)
	}
	farm := `{"region":"500000","sources":[{"id":"L1","kind":"livestock","month":"2024-01","species":"猪","stock_start":"%s","stock_end":"%s","has_outlet":true}]}`
	for stock, want := range map[string]string{"600": "0.00", "999": "0.00", "1000": "3000.00", "1200": "3600.00"} {
		got, err := assessJSON(e, []byte(fmt.Sprintf(farm, stock, stock)))
		if err != nil {
			t.Fatal(err)
		}
		if got["total_tax"] != want {
			t.Errorf("%s pigs: total_tax %v, want %s", stock, got["total_tax"], want)
		}
	}
	// Without the provincial row, 600 pigs (more than 500) are taxed.
	got, err := assessJSON(testEngine(t), []byte(fmt.Sprintf(farm, "600", "600")))
	if err != nil {
		t.Fatal(err)
	}
	if got["total_tax"] != "1800.00" {
		t.Errorf("shipped tables: total_tax %v, want 1800.00", got["total_tax"])
	}
}
