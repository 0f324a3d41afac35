package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/fixtures"
)

const feeTestdata = "../../testdata/fees"

// runFees runs the whole binary in-process.
func runFees(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"fees"}, args...), func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

type feeGoldenItem struct {
	Quantity string            `yaml:"quantity"`
	Inputs   map[string]string `yaml:"inputs"`
}

type feeGoldenCase struct {
	Name        string            `yaml:"name"`
	Schedule    string            `yaml:"schedule"`
	Date        string            `yaml:"date"`
	PartialStep string            `yaml:"partial_step"`
	Quantity    string            `yaml:"quantity"`
	Inputs      map[string]string `yaml:"inputs"`
	Items       []feeGoldenItem   `yaml:"items"`
	Expect      struct {
		Total    string                       `yaml:"total"`
		Verified *bool                        `yaml:"verified"`
		Lines    map[string]map[string]string `yaml:"lines"`
		Warnings []string                     `yaml:"warnings"`
	} `yaml:"expect"`
}

type feeGoldenFile struct {
	Schedule string          `yaml:"schedule"`
	Date     string          `yaml:"date"`
	Cases    []feeGoldenCase `yaml:"cases"`
}

func loadFeeGolden(t *testing.T) map[string]feeGoldenFile {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(feeTestdata, "golden", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	out := map[string]feeGoldenFile{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g feeGoldenFile
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true) // a misspelt expectation must not pass silently
		if err := dec.Decode(&g); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = g
	}
	return out
}

func feeDec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := fees.ParseSigned(s)
	if err != nil {
		t.Fatalf("golden figure %q: %v", s, err)
	}
	return d
}

func feeCalcArgs(schedule, date, partial string, it feeGoldenItem, format string) []string {
	args := []string{"calc", "--schedule", schedule, "--date", date, "--quantity", it.Quantity, "--format", format}
	if partial != "" {
		args = append(args, "--partial-step", partial)
	}
	names := make([]string, 0, len(it.Inputs))
	for n := range it.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		args = append(args, "--input", n+"="+it.Inputs[n])
	}
	return args
}

// TestFeesGolden runs every case of testdata/fees/golden through
// `ecotax fees calc` and compares the JSON result.
func TestFeesGolden(t *testing.T) {
	n := 0
	for file, g := range loadFeeGolden(t) {
		for _, c := range g.Cases {
			t.Run(file+"/"+c.Name, func(t *testing.T) {
				n++
				schedule, date := feeFirst(c.Schedule, g.Schedule), feeFirst(c.Date, g.Date)
				items := c.Items
				if len(items) == 0 {
					items = []feeGoldenItem{{Quantity: c.Quantity, Inputs: c.Inputs}}
				}
				if schedule == "" || date == "" || c.Expect.Total == "" {
					t.Fatal("case needs schedule, date and expect.total")
				}
				total := decimal.Zero
				verified := true
				warnings := map[string]bool{}
				var last fees.Result
				for _, it := range items {
					code, out, errs := runFees(t, "", feeCalcArgs(schedule, date, c.PartialStep, it, "json")...)
					if code != exitOK {
						t.Fatalf("exit %d: %s", code, errs)
					}
					var r fees.Result
					if err := json.Unmarshal([]byte(out), &r); err != nil {
						t.Fatalf("output is not a result: %v\n%s", err, out)
					}
					total = total.Add(r.Total.Decimal)
					verified = verified && r.Verified
					for _, w := range r.Warnings {
						warnings[w.Code] = true
					}
					if len(r.Trace) == 0 {
						t.Fatal("no trace")
					}
					last = r
					// The table shows the same total.
					code, table, errs := runFees(t, "", feeCalcArgs(schedule, date, c.PartialStep, it, "table")...)
					if code != exitOK || !strings.Contains(table, "合计") || !strings.Contains(table, r.Total.String()) {
						t.Fatalf("table (exit %d) lacks total %s: %s%s", code, r.Total.String(), table, errs)
					}
				}
				if want := feeDec(t, c.Expect.Total); !total.Equal(want) {
					t.Errorf("total %s, want %s", total, want)
				}
				if c.Expect.Verified != nil && verified != *c.Expect.Verified {
					t.Errorf("verified %t, want %t", verified, *c.Expect.Verified)
				}
				for _, w := range c.Expect.Warnings {
					if !warnings[w] {
						t.Errorf("warning %s missing (have %v)", w, warnings)
					}
				}
				if len(c.Expect.Lines) > 0 && len(items) != 1 {
					t.Fatal("line expectations need a single item")
				}
				for part, want := range c.Expect.Lines {
					feeCheckLine(t, last, part, want)
				}
			})
		}
	}
	if n < 50 {
		t.Errorf("only %d golden cases ran", n)
	}
}

func feeFirst(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func feeCheckLine(t *testing.T, r fees.Result, part string, want map[string]string) {
	t.Helper()
	var l *fees.Line
	for i := range r.Lines {
		if r.Lines[i].Part == part {
			l = &r.Lines[i]
		}
	}
	if l == nil {
		t.Errorf("no line %s", part)
		return
	}
	for k, v := range want {
		var got decimal.NullDecimal
		switch k {
		case "amount":
			got = decimal.NewNullDecimal(l.Amount.Decimal)
		case "unit_price":
			got = l.UnitPrice
		case "steps":
			got = l.Steps
		case "factor":
			got = l.Factor
		case "tier":
			if l.Tier != v {
				t.Errorf("%s: tier %q, want %q", part, l.Tier, v)
			}
			continue
		case "applied":
			if (v == "true") != l.Applied || (v != "true" && v != "false") {
				t.Errorf("%s: applied %t, want %s", part, l.Applied, v)
			}
			continue
		default:
			t.Fatalf("%s: unknown expectation %q", part, k)
		}
		if !got.Valid || !got.Decimal.Equal(feeDec(t, v)) {
			t.Errorf("%s.%s = %v, want %s", part, k, got, v)
		}
	}
}

// TestFeesGoldenCoverBuiltins: every built-in schedule has a golden case.
func TestFeesGoldenCoverBuiltins(t *testing.T) {
	used := map[string]bool{}
	for _, g := range loadFeeGolden(t) {
		used[g.Schedule] = true
		for _, c := range g.Cases {
			used[c.Schedule] = true
		}
	}
	c, err := fixtures.LoadFees()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Schedules() {
		if !used[s.ID] {
			t.Errorf("built-in schedule %s has no golden case", s.ID)
		}
	}
}

func TestFeesBadInput(t *testing.T) {
	user := func(name string) string { return filepath.Join(feeTestdata, "user", name) }
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown schedule", []string{"calc", "--schedule", "no-such-fee", "--quantity", "1", "--date", "2024-01-01"}, []string{"unknown_schedule", "no-such-fee"}},
		{"negative quantity", []string{"calc", "--schedule", "cq-emission-permit-base", "--quantity", "-5", "--date", "2024-01-01", "--input", "pollutant=cod"}, []string{"negative_value", "quantity"}},
		{"quantity not a number", []string{"calc", "--schedule", "cq-emission-permit-base", "--quantity", "1e3", "--date", "2024-01-01", "--input", "pollutant=cod"}, []string{"invalid_number", "quantity"}},
		{"overlapping tiers in a user schedule", []string{"calc", "--schedule", user("invalid/overlap.yaml"), "--quantity", "1", "--date", "2024-01-01"}, []string{"tier_overlap", "overlap.yaml:18", "nothing was computed"}},
		{"missing input", []string{"calc", "--schedule", "fj-huian-water-over-quota", "--quantity", "1", "--date", "2024-01-01", "--input", "quota=10"}, []string{"required", "inputs.base_price"}},
		{"unknown input", []string{"calc", "--schedule", "cq-emission-permit-base", "--quantity", "1", "--date", "2024-01-01", "--input", "pollutant=cod", "--input", "colour=red"}, []string{"unknown_input", "inputs.colour"}},
		{"unknown choice", []string{"calc", "--schedule", "cq-emission-permit-base", "--quantity", "1", "--date", "2024-01-01", "--input", "pollutant=co2"}, []string{"invalid_value", "co2"}},
		{"pinned version outside its dates", []string{"calc", "--schedule", "cn-aluminium-tiered-electricity@2014", "--quantity", "1", "--date", "2023-01-01", "--input", "intensity_kwh_per_t=13700"}, []string{"schedule_not_in_force"}},
		{"before any version", []string{"calc", "--schedule", "xz-shannan-water-over-plan", "--quantity", "1", "--date", "2024-01-01", "--input", "plan=1"}, []string{"schedule_not_in_force", "2025-07-12"}},
		{"bad date", []string{"calc", "--schedule", "cq-emission-permit-base", "--quantity", "1", "--date", "2024-13-01", "--input", "pollutant=cod"}, []string{"invalid_value", "date"}},
		{"zero quota", []string{"calc", "--schedule", "fj-huian-water-over-quota", "--quantity", "1", "--date", "2024-01-01", "--input", "quota=0", "--input", "base_price=4"}, []string{"inputs.quota", "above 0"}},
		{"input without value", []string{"calc", "--schedule", "cq-emission-permit-base", "--quantity", "1", "--input", "pollutant"}, []string{"NAME=VALUE"}},
		{"no schedule", []string{"calc", "--quantity", "1"}, []string{"usage"}},
		{"unknown subcommand", []string{"price"}, []string{"unknown subcommand"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runFees(t, "", c.args...)
			if code != exitInput {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, exitInput, out, errs)
			}
			if out != "" {
				t.Errorf("printed a result on error: %s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

func TestFeesListShowAndUserFiles(t *testing.T) {
	code, out, errs := runFees(t, "", "list")
	if code != exitOK || !strings.Contains(out, "cn-aluminium-tiered-electricity@2022") || !strings.Contains(out, "已核实") {
		t.Fatalf("list: %d %s %s", code, out, errs)
	}
	code, out, _ = runFees(t, "", "list", "--format", "json")
	var infos []fees.ScheduleInfo
	if code != exitOK || json.Unmarshal([]byte(out), &infos) != nil || len(infos) < 16 {
		t.Fatalf("list json: %d %s", code, out)
	}
	for _, in := range infos {
		if in.ID == "cn-electricity-differential" && in.Verified {
			t.Error("a recalled schedule is listed as verified")
		}
		if in.ID == "zj-huzhou-sewage-multifactor" && !in.Verified {
			t.Error("a verified schedule is listed as unverified")
		}
	}
	code, out, errs = runFees(t, "", "show", "cn-aluminium-tiered-electricity")
	if code != exitOK || !strings.Contains(out, "renewable_share_pct") || !strings.Contains(out, "@2022") {
		t.Fatalf("show: %d %s %s", code, out, errs)
	}
	code, out, _ = runFees(t, "", "show", "cn-aluminium-tiered-electricity", "--date", "2016-01-01")
	if code != exitOK || !strings.Contains(out, "@2014") {
		t.Fatalf("show --date: %d %s", code, out)
	}
	// A user file by path and the same through stdin.
	path := filepath.Join(feeTestdata, "user", "valid", "punitive-electricity-example.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"calc", "--schedule", path, "--quantity", "1000", "--date", "2024-05-01", "--input", "excess_pct=30"},
		{"calc", "--schedule", "-", "--quantity", "1000", "--date", "2024-05-01", "--input", "excess_pct=30"},
	} {
		code, out, errs := runFees(t, string(data), args...)
		var r fees.Result
		if code != exitOK || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("%v: %d %s %s", args, code, out, errs)
		}
		if !r.Total.Equal(decimal.NewFromInt(300)) || r.Verified || r.Schedule.ID != "example-punitive-electricity" {
			t.Errorf("%v: total %s verified %t", args, r.Total, r.Verified)
		}
	}
}
