package ecocomp_test

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// goldenExpect is the expect of a file of testdata/ecocomp (see its README.md).
type goldenExpect struct {
	Unverified bool              `json:"unverified"`
	Gross      string            `json:"gross"`
	Pairs      []goldenPair      `json:"pairs"`
	Balances   map[string]string `json:"balances"`
	Lines      []goldenLine      `json:"lines"`
	Warnings   []string          `json:"warnings"`
}

type goldenPair struct {
	Payer   string `json:"payer"`
	Payee   string `json:"payee"`
	Amount  string `json:"amount"`
	Periods int    `json:"periods"`
}

type goldenLine struct {
	Path   string `json:"path"`
	Payer  string `json:"payer"`
	Payee  string `json:"payee"`
	Amount string `json:"amount"`
}

func loadCatalog(t testing.TB) *ecocomp.Catalog {
	t.Helper()
	c, err := fixtures.LoadEcocomp()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGolden(t *testing.T) {
	jsontest.Golden(t, "../../testdata/ecocomp/*.json", settle(loadCatalog(t)), checkResult)
}

// settle decodes and settles a request, as the CLI does.
func settle(c *ecocomp.Catalog) func([]byte) (*ecocomp.Result, error) {
	return func(data []byte) (*ecocomp.Result, error) {
		req, err := ecocomp.DecodeRequest(data)
		if err != nil {
			return nil, err
		}
		return ecocomp.Settle(c, req)
	}
}

func checkResult(t *testing.T, res *ecocomp.Result, want *goldenExpect) {
	t.Helper()
	if res.Unverified != want.Unverified {
		t.Errorf("unverified = %v, want %v", res.Unverified, want.Unverified)
	}
	jsontest.Money(t, "gross", res.Gross, want.Gross)
	if len(res.Pairs) != len(want.Pairs) {
		t.Fatalf("pairs = %+v, want %+v", res.Pairs, want.Pairs)
	}
	for _, wp := range want.Pairs {
		i := slices.IndexFunc(res.Pairs, func(p ecocomp.Pair) bool { return p.Payer == wp.Payer && p.Payee == wp.Payee })
		if i < 0 {
			t.Errorf("no pair %s → %s in %+v", wp.Payer, wp.Payee, res.Pairs)
			continue
		}
		jsontest.Money(t, wp.Payer+"→"+wp.Payee, res.Pairs[i].Amount, wp.Amount)
		if len(res.Pairs[i].Periods) != wp.Periods {
			t.Errorf("%s→%s: %d periods, want %d", wp.Payer, wp.Payee, len(res.Pairs[i].Periods), wp.Periods)
		}
	}
	for party, net := range want.Balances {
		i := slices.IndexFunc(res.Balances, func(b ecocomp.Balance) bool { return b.Party == party })
		if i < 0 {
			t.Errorf("no balance for %s", party)
			continue
		}
		jsontest.Money(t, "balance "+party, res.Balances[i].Net, net)
	}
	for _, wl := range want.Lines {
		i := slices.IndexFunc(res.Lines, func(l ecocomp.Line) bool { return l.Path == wl.Path })
		if i < 0 {
			t.Errorf("no line %s", wl.Path)
			continue
		}
		l := res.Lines[i]
		if l.Payer != wl.Payer || l.Payee != wl.Payee {
			t.Errorf("%s: %s → %s, want %s → %s", wl.Path, l.Payer, l.Payee, wl.Payer, wl.Payee)
		}
		jsontest.Money(t, wl.Path+".amount", l.Amount, wl.Amount)
	}
	var codes []string
	for _, w := range res.Warnings {
		if !slices.Contains(codes, w.Code) {
			codes = append(codes, w.Code)
		}
	}
	if codes == nil {
		codes = []string{}
	}
	if !slices.Equal(codes, want.Warnings) {
		t.Errorf("warning codes = %v, want %v", codes, want.Warnings)
	}
	checkInvariants(t, res)
}

// errorer is what checkInvariants needs of *testing.T and *rapid.T.
type errorer interface {
	Helper()
	Errorf(format string, args ...any)
}

// checkInvariants holds for every settlement: each pair's periods add up
// to its annual net; Owes is antisymmetric; balances sum to zero; every
// line is explained by a trace step citing a rule.
func checkInvariants(t errorer, res *ecocomp.Result) {
	t.Helper()
	balSum := decimal.Zero
	for _, b := range res.Balances {
		balSum = balSum.Add(b.Net.Decimal)
		if !b.Net.Equal(b.Receives.Sub(b.Pays.Decimal)) {
			t.Errorf("balance %s: %s ≠ %s − %s", b.Party, b.Net, b.Receives, b.Pays)
		}
	}
	if !balSum.IsZero() {
		t.Errorf("balances sum to %s, not 0", balSum)
	}
	for _, p := range res.Pairs {
		sum := decimal.Zero
		for _, pp := range p.Periods {
			sum = sum.Add(pp.Net.Decimal)
		}
		if !sum.Equal(p.Net.Decimal) {
			t.Errorf("%s/%s: periods sum to %s, year says %s", p.A, p.B, sum, p.Net)
		}
		if !res.Owes(p.A, p.B).Equal(res.Owes(p.B, p.A).Neg()) || !res.Owes(p.A, p.B).Equal(p.Net.Decimal) {
			t.Errorf("%s/%s: Owes not antisymmetric", p.A, p.B)
		}
		if !p.Amount.Equal(p.Net.Abs()) || (p.Net.IsPositive() && p.Payer != p.A) || (p.Net.IsNegative() && p.Payer != p.B) || (p.Net.IsZero() && p.Payer != "") {
			t.Errorf("%s/%s: payer %q amount %s disagree with net %s", p.A, p.B, p.Payer, p.Amount, p.Net)
		}
		if p.A >= p.B {
			t.Errorf("pair %s/%s not ordered", p.A, p.B)
		}
	}
	gross := decimal.Zero
	for _, l := range res.Lines {
		gross = gross.Add(l.Amount.Decimal)
		explained := false
		for _, s := range res.Trace {
			if s.Path == l.Path && s.Rule != "" {
				explained = true
			}
		}
		if !explained {
			t.Errorf("%s has no trace step", l.Path)
		}
		if l.Amount.IsNegative() || (l.Payer == "") != l.Amount.IsZero() {
			t.Errorf("%s: amount %s with payer %q", l.Path, l.Amount, l.Payer)
		}
	}
	if !gross.Equal(res.Gross.Decimal) {
		t.Errorf("gross %s, lines sum to %s", res.Gross, gross)
	}
}
