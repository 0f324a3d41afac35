package damage_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// goldenExpect is the expect of a file of testdata/damage (see its README.md).
type goldenExpect struct {
	Total      string            `json:"total"`
	Unverified bool              `json:"unverified"`
	Lines      []goldenLine      `json:"lines"`
	Categories map[string]string `json:"categories"`
	Warnings   []string          `json:"warnings"`
}

type goldenLine struct {
	Path        string `json:"path"`
	VirtualCost string `json:"virtual_cost"`
	Gamma       string `json:"gamma"`
	Tau         string `json:"tau"`
	Amount      string `json:"amount"`
}

func loadParams(t testing.TB) *damage.Params {
	t.Helper()
	p, err := fixtures.LoadDamage()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGolden(t *testing.T) {
	jsontest.Golden(t, "../../testdata/damage/*.json", claim(loadParams(t)), checkResult)
}

// claim decodes and quantifies a request, as the CLI does.
func claim(p *damage.Params) func([]byte) (*damage.Result, error) {
	return func(data []byte) (*damage.Result, error) {
		req, err := damage.DecodeRequest(data)
		if err != nil {
			return nil, err
		}
		return damage.Calc(p, req)
	}
}

func checkResult(t *testing.T, res *damage.Result, want *goldenExpect) {
	t.Helper()
	jsontest.Money(t, "total", res.Total, want.Total)
	if res.Unverified != want.Unverified {
		t.Errorf("unverified = %v, want %v", res.Unverified, want.Unverified)
	}
	for _, wl := range want.Lines {
		i := slices.IndexFunc(res.Lines, func(l damage.Line) bool { return l.Path == wl.Path })
		if i < 0 {
			t.Errorf("no line %s", wl.Path)
			continue
		}
		l := res.Lines[i]
		jsontest.Money(t, wl.Path+".amount", l.Amount, wl.Amount)
		opt := func(name string, got *decimal.Decimal, want string) {
			if want == "" {
				return
			}
			if got == nil {
				t.Errorf("%s.%s missing", wl.Path, name)
				return
			}
			jsontest.Equal(t, wl.Path+"."+name, *got, want)
		}
		if wl.VirtualCost != "" {
			if l.VirtualCost == nil {
				t.Errorf("%s.virtual_cost missing", wl.Path)
			} else {
				jsontest.Money(t, wl.Path+".virtual_cost", *l.VirtualCost, wl.VirtualCost)
			}
		}
		opt("gamma", l.Gamma, wl.Gamma)
		opt("tau", l.Tau, wl.Tau)
	}
	if want.Categories != nil {
		if len(res.Categories) != len(want.Categories) {
			t.Errorf("categories = %v, want %v", res.Categories, want.Categories)
		}
		for _, c := range res.Categories {
			w, ok := want.Categories[string(c.Category)]
			if !ok {
				t.Errorf("unexpected category %s", c.Category)
				continue
			}
			jsontest.Money(t, "category "+string(c.Category), c.Amount, w)
		}
	}
	var codes []string
	for _, w := range res.Warnings {
		codes = append(codes, w.Code)
	}
	if !slices.Equal(dedupe(codes), want.Warnings) {
		t.Errorf("warning codes = %v, want %v", codes, want.Warnings)
	}
	checkInvariants(t, res)
}

func dedupe(s []string) []string {
	out := []string{}
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// errorer is what checkInvariants needs of *testing.T and *rapid.T.
type errorer interface {
	Helper()
	Errorf(format string, args ...any)
	Error(args ...any)
}

// checkInvariants holds for every result: the total is the sum of the
// lines and of the categories, amounts are in 分, every line is explained
// by a step citing a rule, and an unverified result says so.
func checkInvariants(t errorer, res *damage.Result) {
	t.Helper()
	sum, catSum := decimal.Zero, decimal.Zero
	for _, l := range res.Lines {
		sum = sum.Add(l.Amount.Decimal)
		if !l.Amount.Equal(l.Amount.Round(2)) {
			t.Errorf("%s amount %s is not in 分", l.Path, l.Amount)
		}
		if l.Basis == "" {
			t.Errorf("%s has no legal basis", l.Path)
		}
		explained := false
		for _, s := range res.Trace {
			if strings.HasPrefix(s.Path, l.Path) && s.Rule != "" {
				explained = true
			}
		}
		if !explained {
			t.Errorf("%s has no trace step", l.Path)
		}
	}
	for _, c := range res.Categories {
		catSum = catSum.Add(c.Amount.Decimal)
	}
	if !sum.Equal(res.Total.Decimal) || !catSum.Equal(res.Total.Decimal) {
		t.Errorf("total %s, sum of lines %s, sum of categories %s", res.Total, sum, catSum)
	}
	if res.Unverified {
		found := false
		for _, w := range res.Warnings {
			if strings.HasPrefix(w.Code, "unverified") {
				found = true
			}
		}
		if !found {
			t.Error("unverified result without an unverified warning")
		}
	}
}
