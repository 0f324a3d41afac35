package budget_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/fixtures"
)

var (
	calcOnce sync.Once
	calcs    budget.Calculators
	calcErr  error
)

func calculators(t testing.TB) budget.Calculators {
	t.Helper()
	calcOnce.Do(func() {
		var tables *calc.Tables
		if tables, calcErr = fixtures.Load(); calcErr != nil {
			return
		}
		if calcs.Engine, calcErr = calc.NewEngine(tables); calcErr != nil {
			return
		}
		if calcs.Fees, calcErr = fixtures.LoadFees(); calcErr != nil {
			return
		}
		if calcs.Ecocomp, calcErr = fixtures.LoadEcocomp(); calcErr != nil {
			return
		}
		calcs.Damage, calcErr = fixtures.LoadDamage()
	})
	if calcErr != nil {
		t.Fatal(calcErr)
	}
	return calcs
}

var limits = budget.Limits{MaxYear: 2030}

// golden is one case file: an input as `ecotax budget compute` reads it
// and the figures the result must show (only the ones named).
type golden struct {
	Title  string          `json:"title"`
	Input  json.RawMessage `json:"input"`
	Expect struct {
		Unverified *bool                                `json:"unverified"`
		Outcomes   map[string]goldenOutcome             `json:"outcomes"`
		Lines      map[string]map[string]map[string]any `json:"lines"`
		Warnings   []string                             `json:"warnings"`
		Error      *struct {
			Code  string
			Paths []string
		} `json:"error"`
	} `json:"expect"`
}

type goldenOutcome struct {
	Total      map[string]any            `json:"total"`
	VsBase     map[string]any            `json:"vs_base"`
	ByDistrict map[string]map[string]any `json:"by_district"`
	ByMonth    map[string]map[string]any `json:"by_month"`
}

func TestGolden(t *testing.T) {
	c := calculators(t)
	files, err := filepath.Glob("../testdata/budget/golden/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytesReader(data))
			dec.UseNumber()
			var g golden
			if err := dec.Decode(&g); err != nil {
				t.Fatal(err)
			}
			in, scs, err := budget.DecodeInput(g.Input, c, limits)
			if err == nil {
				var res *budget.Result
				res, err = budget.Compute(c, in, scs)
				if err == nil {
					if g.Expect.Error != nil {
						t.Fatalf("want error %s, got a result", g.Expect.Error.Code)
					}
					checkGolden(t, &g, res)
					return
				}
			}
			if g.Expect.Error == nil {
				t.Fatalf("unexpected error: %v", err)
			}
			ce, ok := err.(*calc.Error)
			if !ok {
				t.Fatalf("error %T %v", err, err)
			}
			var paths, codes []string
			for _, fe := range ce.Errors {
				paths = append(paths, fe.Path)
				codes = append(codes, fe.Code)
			}
			if !slices.Contains(codes, g.Expect.Error.Code) {
				t.Errorf("codes %v, want %s (%v)", codes, g.Expect.Error.Code, ce.Errors)
			}
			for _, p := range g.Expect.Error.Paths {
				if !slices.Contains(paths, p) {
					t.Errorf("paths %v, want %s (%v)", paths, p, ce.Errors)
				}
			}
		})
	}
}

func checkGolden(t *testing.T, g *golden, res *budget.Result) {
	t.Helper()
	if g.Expect.Unverified != nil && res.Unverified != *g.Expect.Unverified {
		t.Errorf("unverified = %v, want %v", res.Unverified, *g.Expect.Unverified)
	}
	outcomes := map[string]*budget.Outcome{}
	for _, o := range res.Outcomes {
		outcomes[o.ID] = o
	}
	for id, want := range g.Expect.Outcomes {
		o := outcomes[id]
		if o == nil {
			t.Errorf("no outcome %s", id)
			continue
		}
		checkRow(t, id+" total", o.Total, want.Total)
		if want.VsBase != nil {
			if o.VsBase == nil {
				t.Errorf("%s: no vs_base", id)
			} else {
				checkRow(t, id+" vs_base", *o.VsBase, want.VsBase)
			}
		}
		for key, w := range want.ByDistrict {
			checkRow(t, id+" district "+key, findRow(o.ByDistrict, key), w)
		}
		for key, w := range want.ByMonth {
			checkRow(t, id+" month "+key, findRow(o.ByMonth, key), w)
		}
	}
	for id, lines := range g.Expect.Lines {
		o := outcomes[id]
		if o == nil {
			t.Errorf("no outcome %s", id)
			continue
		}
		for lid, want := range lines {
			var got *budget.Line
			for i := range o.Lines {
				if o.Lines[i].ID == lid {
					got = &o.Lines[i]
				}
			}
			if got == nil {
				t.Errorf("%s: no line %s", id, lid)
				continue
			}
			for k, v := range want {
				switch k {
				case "amount":
					if v == nil {
						if got.Amount.Valid {
							t.Errorf("%s %s: amount %s, want unknown (null)", id, lid, got.Amount.Decimal)
						}
						continue
					}
					if !got.Amount.Valid || !got.Amount.Decimal.Equal(decimal.RequireFromString(v.(string))) {
						t.Errorf("%s %s: amount %v, want %v (%s)", id, lid, got.Amount, v, got.Text)
					}
				case "basis":
					if got.Basis != v {
						t.Errorf("%s %s: basis %s, want %v", id, lid, got.Basis, v)
					}
				case "unverified":
					if got.Unverified != v {
						t.Errorf("%s %s: unverified %v, want %v", id, lid, got.Unverified, v)
					}
				case "partial":
					if got.Partial != v {
						t.Errorf("%s %s: partial %v, want %v", id, lid, got.Partial, v)
					}
				default:
					t.Fatalf("golden: unknown line key %q", k)
				}
			}
		}
	}
	var codes []string
	for _, w := range res.Warnings {
		codes = append(codes, w.Code)
	}
	for _, w := range g.Expect.Warnings {
		if !slices.Contains(codes, w) {
			t.Errorf("warnings %v lack %s", codes, w)
		}
	}
}

func findRow(rows []budget.Row, key string) budget.Row {
	for _, r := range rows {
		if r.Key == key {
			return r
		}
	}
	return budget.Row{Key: "(missing " + key + ")"}
}

func checkRow(t *testing.T, what string, got budget.Row, want map[string]any) {
	t.Helper()
	for k, v := range want {
		switch k {
		case "missing", "partial":
			n, _ := v.(json.Number).Int64()
			g := got.Missing
			if k == "partial" {
				g = got.Partial
			}
			if int64(g) != n {
				t.Errorf("%s: %s = %d, want %d", what, k, g, n)
			}
		case "unverified":
			if got.Unverified != v {
				t.Errorf("%s: unverified = %v, want %v", what, got.Unverified, v)
			}
		default:
			var g decimal.Decimal
			switch k {
			case "net":
				g = got.Net
			case budget.StreamTax, budget.StreamDamage, budget.StreamEcoIn, budget.StreamEcoOut, budget.StreamFees:
				g = got.Stream(k)
			default:
				t.Fatalf("golden: unknown row key %q", k)
			}
			if !g.Equal(decimal.RequireFromString(v.(string))) {
				t.Errorf("%s: %s = %s, want %s", what, k, g, v)
			}
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
