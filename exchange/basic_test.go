package exchange

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/filing"
)

// TestExchangeDatasetsOfIssue15: every dataset the law asks for is there,
// in its direction, with the fields named in issue 15, each labelled.
func TestExchangeDatasetsOfIssue15(t *testing.T) {
	want := map[string][]string{
		"declaration_lines": {"credit_code", "period", "revision", "month", "tax_source_no", "outlet_no", "pollutant", "method", "quantity", "unit",
			"avg_concentration", "max_concentration", "standard_concentration", "equivalents", "tax_due", "relief_code", "reduction", "tax"},
		"taxpayers":           {"credit_code", "name", "region", "tax_office", "tax_source_no", "outlet_no", "pollutant", "method", "valid_from", "valid_to"},
		"tax_violations":      {"credit_code", "violation", "basis"},
		"reductions":          {"relief_code", "relief_basis"},
		"polluters":           {"credit_code", "name", "region", "permit_no", "outlet_no", "outlet_kind", "pollutant", "standard", "monitoring", "mn"},
		"permits":             {"permit_no", "credit_code", "valid_from", "valid_to", "outlet_no", "standard"},
		"monitoring_monthly":  {"credit_code", "outlet_no", "mn", "month", "pollutant", "quantity", "unit", "flow", "flow_unit", "avg_concentration", "max_concentration", "concentration_basis", "completeness", "marks"},
		"supervisory_samples": {"credit_code", "outlet_no", "pollutant", "sampled_on", "concentration"},
		"error_notices":       {"credit_code", "outlet_no", "pollutant", "month", "reason"},
	}
	dir := map[string]string{"declaration_lines": TaxToEnv, "taxpayers": TaxToEnv, "tax_violations": TaxToEnv, "reductions": TaxToEnv}
	for name, fields := range want {
		d, ok := Lookup(name)
		if !ok {
			t.Fatalf("no dataset %s", name)
		}
		if w := dir[name]; w == "" && d.Direction != EnvToTax || w != "" && d.Direction != w {
			t.Errorf("%s goes %s", name, d.Direction)
		}
		for _, f := range fields {
			if d.Index(f) < 0 {
				t.Errorf("%s has no field %s", name, f)
			}
		}
	}
	for _, d := range Datasets() {
		if d.Title == "" {
			t.Errorf("%s has no title", d.Name)
		}
		for _, f := range d.Fields {
			if f.Label == "" {
				t.Errorf("%s.%s has no label", d.Name, f.Name)
			}
			if f.Absent != "" && f.Required {
				t.Errorf("%s.%s is required but always absent", d.Name, f.Name)
			}
		}
	}
	if MaxFiles-2 < len(Of(TaxToEnv)) || MaxFiles-2 < len(Of(EnvToTax)) {
		t.Fatal("a full batch would exceed MaxFiles")
	}
}

func TestExchangePermitNo(t *testing.T) {
	const code = "91350100M000100Y43"
	for _, c := range []struct {
		v, code string
		ok      bool
	}{
		{code + "001P", code, true},
		{code + "001P", "", true},
		{code + "012V", code, true},
		{code + "001", code, false},             // 21 characters
		{code + "001PX", code, false},           // 23
		{"91350100M000100Y44001P", "", false},   // bad check character
		{code + "0A1P", code, false},            // sequence not digits
		{code + "0011", code, false},            // final not a letter
		{code + "001p", code, false},            // lower case
		{"91440300708461136T001P", code, false}, // another holder
	} {
		if got := CheckPermitNo(c.v, c.code) == ""; got != c.ok {
			t.Errorf("CheckPermitNo(%q, %q) ok=%v, want %v (%s)", c.v, c.code, got, c.ok, CheckPermitNo(c.v, c.code))
		}
	}
	d, _ := Lookup("permits")
	r := d.New(map[string]string{"permit_no": code + "001X", "credit_code": "91440300708461136T", "valid_from": "2024-01-01"})
	if err := d.Check(r); err == nil || !strings.Contains(err.Error(), "permit_no") {
		t.Fatalf("a permit of another holder passed: %v", err)
	}
	r = d.New(map[string]string{"permit_no": code + "001X", "credit_code": code, "valid_from": "2024-01-01"})
	if err := d.Check(r); err != nil {
		t.Fatal(err)
	}
}

func TestExchangeLineRows(t *testing.T) {
	at := time.Date(2024, 4, 20, 2, 0, 0, 0, time.UTC)
	src := &filing.Source{ID: 7, CreditCode: "91350100M000100Y43", OutletNo: "DA001", Kind: filing.KindAir, Pollutant: "二氧化硫",
		Method: "automatic", StandardConcentration: decimal.NewNullDecimal(decimal.RequireFromString("100"))}
	figs := []filing.Figure{{SourceID: 7, Month: "2024-01", AvgConcentration: decimal.NewNullDecimal(decimal.RequireFromString("40")),
		MaxConcentration: decimal.NewNullDecimal(decimal.RequireFromString("55"))}}
	d := &filing.Declaration{ID: 1, CreditCode: src.CreditCode, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15", SubmittedAt: &at,
		Assessment: filing.RawJSON(`{"lines":[{"source":"DA001","month":"2024-01","kind":"air","pollutant":"二氧化硫","quantity":"1000","unit":"kg",
		"equivalent_value":"0.95","equivalents":"1052.63","rate":"1.2","tax_due":"1263.16","reduction_factor":"0.5","reduction":"631.58","tax":"631.58","rules":[]}]}`)}
	rows, err := LineRows(Filed{Declaration: d, Region: "350100"}, []*filing.Source{src}, figs)
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	ds, _ := Lookup("declaration_lines")
	if err := ds.Check(rows[0]); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{"tax_source_no": "7", "method": "automatic", "avg_concentration": "40", "max_concentration": "55",
		"standard_concentration": "100", "quantity": "1000", "unit": "kg", "equivalents": "1052.63", "reduction": "631.58", "relief_code": "",
		"relief_basis": ReliefBasis("0.5")} {
		if got := ds.Get(rows[0], f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	// Two lines of one outlet, pollutant and month whose source is not
	// registered: both go, under distinct keys.
	d2 := *d
	d2.Assessment = filing.RawJSON(`{"lines":[{"source":"DW001","month":"2024-01","kind":"water","pollutant":"化学需氧量","tax_due":"1"},
		{"source":"DW001#9","month":"2024-01","kind":"water","pollutant":"化学需氧量","tax_due":"2"}]}`)
	rows, err = LineRows(Filed{Declaration: &d2, Region: "350100"}, nil, nil)
	if err != nil || len(rows) != 2 || ds.KeyOf(rows[0]) == ds.KeyOf(rows[1]) || ds.Get(rows[0], "tax_source_no") != "" {
		t.Fatalf("unregistered lines: %q %v", rows, err)
	}
	v := ViolationRows(Filed{Declaration: d, Region: "350100"})
	if len(v) != 1 || dataset("tax_violations").Get(v[0], "days_late") != "5" {
		t.Fatalf("late filing: %q", v)
	}
}

func TestExchangeMonthlyRow(t *testing.T) {
	r := MonthlyRow(&Monthly{CreditCode: "91350100M000100Y43", Region: "350100", OutletNo: "DA001", Month: "2024-01", Pollutant: "二氧化硫",
		MNs: []string{"MN1", "MN2"}, Codes: []string{"a21026"}, Kind: "air", EmissionKg: decimal.NewNullDecimal(decimal.RequireFromString("12.5")),
		FlowM3: decimal.NewNullDecimal(decimal.RequireFromString("250000")), Basis: "hour", Valid: 700, Units: 744,
		Completeness: decimal.RequireFromString("0.94"), Excluded: 3})
	d, _ := Lookup("monitoring_monthly")
	if err := d.Check(r); err != nil {
		t.Fatal(err)
	}
	bad := append(Record(nil), r...)
	bad[d.Index("concentration_basis")] = "weekly"
	if err := d.Check(bad); err == nil {
		t.Error("a concentration basis other than hourly or daily passed")
	}
	for f, want := range map[string]string{"mn": "MN1,MN2", "quantity": "12.5", "unit": "kg", "flow": "25", "flow_unit": "万标立方米",
		"concentration_basis": "hourly", "completeness": "0.94", "marks": "excluded 3 records (flags)"} {
		if got := d.Get(r, f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
}
