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

// oldFeeJSON is the page's former reading: it writes the form as the JSON DecodeFeeBill reads.
func oldFeeJSON(vals url.Values, sc *feeSchedule) ([]byte, map[string][]string) {
	by := map[string][]string{}
	body := map[string]any{"district": strings.TrimSpace(vals.Get("district")), "payer": strings.TrimSpace(vals.Get("payer")),
		"schedule": strings.TrimSpace(vals.Get("schedule"))}
	if sc != nil {
		inputs := map[string]any{}
		for _, in := range sc.Inputs {
			name := "inputs." + in.Name
			if in.Choices != nil {
				if v := strings.TrimSpace(vals.Get(name)); v != "" {
					inputs[in.Name] = v
				}
			} else if n := formNumber(vals, by, name); n != nil {
				inputs[in.Name] = n
			}
		}
		body["inputs"] = inputs
	}
	months := []any{}
	for i := 0; i < feeMonths; i++ {
		p := "months[" + strconv.Itoa(i) + "]."
		m, q := strings.TrimSpace(vals.Get(p+"month")), formNumber(vals, by, p+"quantity")
		if m == "" && q == nil && len(by[p+"quantity"]) == 0 {
			continue
		}
		r := map[string]any{"month": m}
		if q != nil {
			r["quantity"] = q
		}
		months = append(months, r)
	}
	body["months"] = months
	out, _ := json.Marshal(body)
	return out, by
}

// testFeeSchedules are the schedules as the fee form offers them: what
// the form reads of them is each input's name and whether it has choices.
func testFeeSchedules(t testing.TB) []feeSchedule {
	var out []feeSchedule
	seen := map[string]bool{}
	for _, sc := range financeCalculators(t).Fees.Schedules() {
		if seen[sc.ID] {
			continue
		}
		seen[sc.ID] = true
		fs := feeSchedule{ID: sc.ID}
		for _, in := range sc.Inputs {
			fi := feeInput{Name: in.Name}
			for _, c := range in.Choices {
				fi.Choices = append(fi.Choices, feeChoice{Value: c})
			}
			fs.Inputs = append(fs.Inputs, fi)
		}
		out = append(out, fs)
	}
	return out
}

func sameFee(t testing.TB, vals url.Values, sc *feeSchedule) {
	t.Helper()
	if formRefused(vals) {
		return
	}
	c := financeCalculators(t)
	body, oldBy := oldFeeJSON(vals, sc)
	oldRec, oldErr := budget.DecodeFeeBill(body, c, financeLimits)
	in, newBy, read := feeBillInput(vals, sc)
	newRec, newErr := budget.CheckFeeBillAfter(in, read, c, financeLimits)
	sameOutcome(t, vals, body, oldBy, newBy, oldRec, newRec, oldErr, newErr)
}

// feeForms are the forms the page tests post, filled for a schedule.
func feeForms(sc feeSchedule) []url.Values {
	ok := url.Values{"schedule": {sc.ID}, "district": {"500103"}, "payer": {"某污水厂"},
		"months[0].month": {"2024-03"}, "months[0].quantity": {"1,234.5"}, "months[2].month": {"2024-04"}, "months[2].quantity": {"１０"}}
	for _, in := range sc.Inputs {
		if len(in.Choices) > 0 {
			ok.Set("inputs."+in.Name, in.Choices[0].Value)
		} else {
			ok.Set("inputs."+in.Name, "2,000")
		}
	}
	return []url.Values{
		ok,
		{"schedule": {sc.ID}, "district": {"500103"}, "months[0].month": {"2023-03"}, "months[0].quantity": {"-1"},
			"months[1].month": {"1999-01"}, "months[1].quantity": {"1"}},
		{"schedule": {sc.ID}, "district": {"abc"}, "payer": {" "}, "months[0].month": {"2024-01"}, "months[0].quantity": {"x"},
			"months[1].month": {"2024-01"}, "months[1].quantity": {"0.0000000000001"}, "inputs." + firstInput(sc): {"1e5"}},
		{"schedule": {sc.ID}},
	}
}

func firstInput(sc feeSchedule) string {
	if len(sc.Inputs) == 0 {
		return "none"
	}
	return sc.Inputs[0].Name
}

func TestFeeFormAsDecoder(t *testing.T) {
	for _, sc := range testFeeSchedules(t) {
		for _, v := range feeForms(sc) {
			sameFee(t, v, &sc)
		}
	}
	sameFee(t, url.Values{"schedule": {"nope"}, "district": {"500103"}, "payer": {"x"}, "months[0].month": {"2024-01"}, "months[0].quantity": {"1"}}, nil)
}

// FuzzFeeForm: whatever is typed into the fee bill form, the direct
// build and the decoder reading the old page's JSON agree.
func FuzzFeeForm(f *testing.F) {
	scs := testFeeSchedules(f)
	for i, sc := range scs {
		for _, v := range feeForms(sc) {
			var in0, in1 string
			if len(sc.Inputs) > 0 {
				in0 = v.Get("inputs." + sc.Inputs[0].Name)
			}
			if len(sc.Inputs) > 1 {
				in1 = v.Get("inputs." + sc.Inputs[1].Name)
			}
			f.Add(uint8(i), v.Get("district"), v.Get("payer"), in0, in1, v.Get("months[0].month"), v.Get("months[0].quantity"),
				v.Get("months[1].month"), v.Get("months[1].quantity"))
		}
	}
	f.Fuzz(func(t *testing.T, pick uint8, district, payer, in0, in1, m0, q0, m1, q1 string) {
		var sc *feeSchedule
		v := url.Values{"district": {district}, "payer": {payer}, "months[1].month": {m0}, "months[1].quantity": {q0},
			"months[5].month": {m1}, "months[5].quantity": {q1}}
		if int(pick) < len(scs) {
			sc = &scs[pick]
			v.Set("schedule", sc.ID)
			for i, s := range []string{in0, in1} {
				if i < len(sc.Inputs) {
					v.Set("inputs."+sc.Inputs[i].Name, s)
				}
			}
		}
		sameFee(t, v, sc)
	})
}
