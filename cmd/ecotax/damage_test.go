package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/internal/jsontest"
)

// compRun runs the binary in-process with stdin and returns the exit
// status, stdout and stderr.
func compRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// compRequest extracts the request of a golden file.
func compRequest(t *testing.T, file string) string {
	t.Helper()
	return string(jsontest.Requests(t, file)[0])
}

func TestDamageCalcJSON(t *testing.T) {
	req := compRequest(t, "../../testdata/damage/a1_guiding_case_130.json")
	code, out, errs := compRun(t, req, "damage", "calc", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Total      string `json:"total"`
		Unverified bool   `json:"unverified"`
		Lines      []struct {
			VirtualCost string `json:"virtual_cost"`
			Amount      string `json:"amount"`
		} `json:"lines"`
		Trace []struct {
			Rule string `json:"rule"`
		} `json:"trace"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("output is not the result JSON: %v\n%s", err, out)
	}
	// Amounts are JSON strings, never floats.
	if res.Total != "14416776.00" || res.Lines[0].Amount != "14416776.00" || res.Lines[0].VirtualCost != "3203728.00" || res.Unverified {
		t.Errorf("total %s, lines %+v, unverified %v", res.Total, res.Lines, res.Unverified)
	}
	if len(res.Trace) == 0 || !strings.Contains(out, "民法典 第一千二百三十五条") {
		t.Error("trace does not cite the Civil Code")
	}
}

func TestDamageCalcTableFromFile(t *testing.T) {
	dir := t.TempDir()
	f := dir + "/claim.json"
	if err := os.WriteFile(f, []byte(compRequest(t, "../../testdata/damage/a5_gbt39793_unverified.json")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := compRun(t, "", "damage", "calc", f, "--format", "table")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"生态环境损害赔偿计算", "169,301.78", "合计", "提示：", "未经核实", "计算过程："} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestDamageCalcRejects(t *testing.T) {
	req := compRequest(t, "../../testdata/damage/a1_multiplier_below_range.json")
	code, out, errs := compRun(t, req, "damage", "calc", "-")
	if code != exitInput || out != "" {
		t.Fatalf("exit %d, stdout %q: want exit %d and nothing computed", code, out, exitInput)
	}
	if !strings.Contains(errs, "multiplier_out_of_range") || !strings.Contains(errs, "virtual_cost[0].multiplier") || !strings.Contains(errs, "调整系数超出范围") {
		t.Errorf("error does not name the field:\n%s", errs)
	}
	code, _, errs = compRun(t, `{"date":"2020-01-01","parameter_set":"recommended_2014","items":[{"category":"interim_loss","amount":1.5e3}]}`, "damage", "calc", "-")
	if code != exitInput || !strings.Contains(errs, "items[0].amount") {
		t.Errorf("an exponent must be rejected naming the field: exit %d\n%s", code, errs)
	}
}

func TestDamageUsage(t *testing.T) {
	for _, args := range [][]string{{"damage"}, {"damage", "frobnicate"}, {"damage", "calc"}, {"damage", "calc", "-", "--format", "xml"}, {"damage", "list", "extra"}} {
		if code, _, _ := compRun(t, "", args...); code != exitInput {
			t.Errorf("%v: exit %d, want %d", args, code, exitInput)
		}
	}
	if code, _, errs := compRun(t, "", "damage", "calc", "/nonexistent/claim.json"); code != exitInput || errs == "" {
		t.Errorf("missing file: exit %d %q", code, errs)
	}
}

func TestDamageList(t *testing.T) {
	code, out, errs := compRun(t, "", "damage", "list")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"recommended_2014", "gbt39793_2_2020_unverified", "未核实", "4.5–6", ">8", "interim_loss"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = compRun(t, "", "damage", "list", "--format", "json")
	var l struct {
		ParameterSets []struct {
			ID          string `json:"id"`
			Verified    bool   `json:"verified"`
			Multipliers []struct {
				Key      string `json:"key"`
				Value    string `json:"value"`
				Verified bool   `json:"verified"`
			} `json:"multipliers"`
		} `json:"parameter_sets"`
		Categories []struct {
			ID string `json:"id"`
		} `json:"categories"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &l) != nil || len(l.ParameterSets) != 2 || len(l.Categories) != 6 {
		t.Fatalf("json list: exit %d\n%s", code, out)
	}
	if !l.ParameterSets[0].Verified || l.ParameterSets[1].Verified {
		t.Errorf("verified flags of the sets: %+v", l.ParameterSets)
	}
}
