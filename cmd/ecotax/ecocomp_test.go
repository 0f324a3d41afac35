package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func compMustDec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEcocompSettleJSON(t *testing.T) {
	req := compRequest(t, "../../testdata/ecocomp/b1_chongqing_scenario.json")
	code, out, errs := compRun(t, req, "ecocomp", "settle", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Pairs []struct {
			Payer  string `json:"payer"`
			Payee  string `json:"payee"`
			Amount string `json:"amount"`
		} `json:"pairs"`
		Unverified bool `json:"unverified"`
		Warnings   []struct {
			Code string `json:"code"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Pairs) != 1 || res.Pairs[0].Payer != "乙区" || res.Pairs[0].Payee != "甲区" || res.Pairs[0].Amount != "7000000.00" {
		t.Errorf("pairs = %+v", res.Pairs)
	}
	if !res.Unverified || len(res.Warnings) == 0 {
		t.Error("the unchanged month uses an unconfirmed rule: the result must say so")
	}
}

func TestEcocompSettleTable(t *testing.T) {
	req := compRequest(t, "../../testdata/ecocomp/b4_beijing.json")
	code, out, errs := compRun(t, req, "ecocomp", "settle", "--format", "table", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"生态补偿结算", "2016 年度", "年度结算", "1,800,000.00", "600,000.00", "变差", "计算过程："} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestEcocompSettleRejectsUnknownClass(t *testing.T) {
	req := compRequest(t, "../../testdata/ecocomp/unknown_water_class.json")
	code, out, errs := compRun(t, req, "ecocomp", "settle", "-")
	if code != exitInput || out != "" {
		t.Fatalf("exit %d stdout %q: want exit %d and nothing computed", code, out, exitInput)
	}
	for _, want := range []string{"unknown_water_class", "未知的水质类别", "sections[0].periods[0].class", "sections[0].periods[1].compare_class"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error lacks %q:\n%s", want, errs)
		}
	}
	code, _, errs = compRun(t, "{not json", "ecocomp", "settle", "-")
	if code != exitInput || !strings.Contains(errs, "invalid_json") {
		t.Errorf("bad JSON: exit %d\n%s", code, errs)
	}
}

func TestEcocompList(t *testing.T) {
	code, out, errs := compRun(t, "", "ecocomp", "list")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"cq_basin_2018", "beijing_water_2015", "xinan_river_2012", "cq_forest_quota_2018", "1000000", "劣V"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = compRun(t, "", "ecocomp", "list", "--format", "json")
	var l struct {
		Schemes []struct {
			ID    string `json:"id"`
			Rules []struct {
				Amount   string `json:"amount"`
				Verified bool   `json:"verified"`
			} `json:"rules"`
		} `json:"schemes"`
		WaterClasses []string `json:"water_classes"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &l) != nil || len(l.Schemes) != 4 || len(l.WaterClasses) != 6 {
		t.Fatalf("json list: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"ecocomp"}, {"ecocomp", "pay"}, {"ecocomp", "settle"}, {"ecocomp", "list", "--format", "csv"}} {
		if code, _, _ := compRun(t, "", args...); code != exitInput {
			t.Errorf("%v: exit %d, want %d", args, code, exitInput)
		}
	}
}
