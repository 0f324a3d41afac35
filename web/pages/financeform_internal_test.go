package pages

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/internal/httpx"
)

// The finance forms are read straight into domain values. These tests
// hold each direct build to what the page did before: write the form as
// JSON (the old code, kept here as oldDamageJSON …) and hand it to the
// decoder. Both must give the same record, or the same faults as a set,
// and the same messages beside the inputs.

var (
	financeOnce sync.Once
	financeCalc budget.Calculators
	financeErr  error
)

var financeLimits = budget.Limits{MaxYear: 2030}

func financeCalculators(t testing.TB) budget.Calculators {
	t.Helper()
	financeOnce.Do(func() {
		tables, err := fixtures.Load()
		if err != nil {
			financeErr = err
			return
		}
		if financeCalc.Engine, financeErr = calc.NewEngine(tables); financeErr != nil {
			return
		}
		if financeCalc.Fees, financeErr = fixtures.LoadFees(); financeErr != nil {
			return
		}
		if financeCalc.Ecocomp, financeErr = fixtures.LoadEcocomp(); financeErr != nil {
			return
		}
		financeCalc.Damage, financeErr = fixtures.LoadDamage()
	})
	if financeErr != nil {
		t.Fatal(financeErr)
	}
	return financeCalc
}

// faultSet lists a refusal's faults as "path code message", sorted.
func faultSet(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ce *calc.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a *calc.Error: %v", err)
	}
	var out []string
	for _, e := range ce.Errors {
		out = append(out, e.Path+" "+e.Code+" "+e.Message)
	}
	if len(ce.Errors) == 0 {
		out = append(out, ce.Code+" "+ce.Detail)
	}
	sort.Strings(out)
	return out
}

// sameOutcome compares the old page's reading with the direct build's.
func sameOutcome(t testing.TB, vals url.Values, body []byte, oldBy, newBy map[string][]string, oldRec, newRec any, oldErr, newErr error) {
	t.Helper()
	if body == nil {
		// json.Marshal refused the old body (a figure json.Number cannot
		// write): the old page said only "invalid JSON"; nothing to match.
		return
	}
	if !reflect.DeepEqual(oldBy, newBy) {
		t.Fatalf("%v\nbeside the inputs: %v, before %v", vals, newBy, oldBy)
	}
	if o, n := faultSet(t, oldErr), faultSet(t, newErr); !reflect.DeepEqual(o, n) {
		t.Fatalf("%v\nold JSON %s\nfaults %q\nbefore %q", vals, body, n, o)
	}
	if oldErr == nil && !reflect.DeepEqual(oldRec, newRec) {
		t.Fatalf("%v\nold JSON %s\nrecord %+v\nbefore %+v", vals, body, newRec, oldRec)
	}
}

// oldDamageJSON is the page's former reading: it writes the form as the JSON the decoder reads: numbers as
// typed people type them (separators, full-width digits) made plain.
func oldDamageJSON(vals url.Values) ([]byte, map[string][]string) {
	by := map[string][]string{}
	num := func(name string) any { return formNumber(vals, by, name) }
	body := map[string]any{"district": strings.TrimSpace(vals.Get("district")), "case": strings.TrimSpace(vals.Get("case"))}
	if a := num("settlement.amount"); a != nil || vals.Get("settlement.date") != "" {
		so := map[string]any{}
		if a != nil {
			so["amount"] = a
		}
		if d := strings.TrimSpace(vals.Get("settlement.date")); d != "" {
			so["date"] = d
		}
		body["settlement"] = so
	}
	receipts := []any{}
	for i := 0; i < damageReceipts; i++ {
		p := "receipts[" + strconv.Itoa(i) + "]."
		m, a := strings.TrimSpace(vals.Get(p+"month")), num(p+"amount")
		if m == "" && a == nil && len(by[p+"amount"]) == 0 {
			continue
		}
		r := map[string]any{"month": m, "received": vals.Get(p+"received") != ""}
		if a != nil {
			r["amount"] = a
		}
		receipts = append(receipts, r)
	}
	body["receipts"] = receipts
	out, _ := json.Marshal(body)
	return out, by
}

// formRefused reports a form the pages never read: text that is not
// valid UTF-8 or holds NUL is refused first (httpx.CheckForm).
func formRefused(vals url.Values) bool {
	return httpx.CheckForm(vals) != nil
}

func sameDamage(t testing.TB, vals url.Values) {
	t.Helper()
	if formRefused(vals) {
		return
	}
	c := financeCalculators(t)
	body, oldBy := oldDamageJSON(vals)
	oldRec, oldErr := budget.DecodeDamageCase(body, c, financeLimits)
	in, newBy, read := damageInput(vals)
	newRec, newErr := budget.CheckDamageCaseAfter(in, read, c, financeLimits)
	sameOutcome(t, vals, body, oldBy, newBy, oldRec, newRec, oldErr, newErr)
}

// damageForms are the forms the page tests post (api/web_filing_test.go,
// api/web_finance_test.go) and a few more.
var damageForms = []url.Values{
	{},
	{"district": {"abc"}, "settlement.amount": {"-5"}, "settlement.date": {"2023-13-01"}, "receipts[0].month": {"2023/06"},
		"receipts[0].amount": {"x"}, "receipts[1].amount": {"1"}},
	{"district": {"500103"}, "case": {"某化工厂渗漏案"}, "settlement.amount": {"1,2x"}, "settlement.date": {"2024-03-01"},
		"receipts[0].month": {"2024-06"}, "receipts[0].amount": {"６００,000"}, "receipts[0].received": {"1"}},
	{"district": {"500103"}, "case": {"某化工厂渗漏案"}, "settlement.amount": {"1,200,000"}, "settlement.date": {"2024-03-01"},
		"receipts[0].month": {"2024-06"}, "receipts[0].amount": {"６００,000"}, "receipts[0].received": {"1"}},
	{"district": {"500103"}, "case": {"x"}, "settlement.amount": {"100"}, "receipts[0].month": {"2024-01"}, "receipts[0].amount": {"60"},
		"receipts[2].month": {"2024-02"}, "receipts[2].amount": {"60.001"}},
	{"district": {"990101"}, "case": {" "}, "settlement.date": {" "}, "receipts[3].month": {"2017-01"}, "receipts[3].amount": {"0"}},
	{"district": {"500103"}, "case": {"x"}, "settlement.amount": {"0.0000000000001"}, "receipts[0].month": {"2024-01"},
		"receipts[0].amount": {"123456789012345678901234567890"}},
}

func TestDamageFormAsDecoder(t *testing.T) {
	for _, v := range damageForms {
		sameDamage(t, v)
	}
}

// FuzzDamageForm: whatever is typed into the damage case form, the
// direct build and the decoder reading the old page's JSON agree.
func FuzzDamageForm(f *testing.F) {
	for _, v := range damageForms {
		args := []string{v.Get("district"), v.Get("case"), v.Get("settlement.amount"), v.Get("settlement.date")}
		for i := 0; i < 2; i++ {
			p := "receipts[" + strconv.Itoa(i) + "]."
			args = append(args, v.Get(p+"month"), v.Get(p+"amount"))
		}
		f.Add(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], v.Get("receipts[0].received") != "")
	}
	f.Fuzz(func(t *testing.T, district, cas, amount, date, m0, a0, m1, a1 string, received bool) {
		v := url.Values{"district": {district}, "case": {cas}, "settlement.amount": {amount}, "settlement.date": {date},
			"receipts[1].month": {m0}, "receipts[1].amount": {a0}, "receipts[3].month": {m1}, "receipts[3].amount": {a1}}
		if received {
			v.Set("receipts[1].received", "on")
		}
		sameDamage(t, v)
	})
}
