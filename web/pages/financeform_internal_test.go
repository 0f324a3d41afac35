package pages

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/web"
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

// oldEcoJSON is the page's former reading: it writes the form as the JSON DecodeEcoSettlement reads, the
// parties' codes gathered from beside their names. by collects what is
// wrong before decoding (numbers, a name given two codes).
func oldEcoJSON(vals url.Values, sc *ecoScheme) ([]byte, map[string][]string) {
	by := map[string][]string{}
	get := func(name string) string { return strings.TrimSpace(vals.Get(name)) }
	parties := map[string]string{}
	party := func(nameInput string) string {
		name, code := get(nameInput), get("code."+nameInput)
		switch {
		case name == "" && code != "":
			by[nameInput] = append(by[nameInput], "请填写名称（区县名称，或“市级财政”）。")
		case name == "":
		case code == "":
			// DecodeEcoSettlement says the party has no code.
		case parties[name] != "" && parties[name] != code:
			by["code."+nameInput] = append(by["code."+nameInput], fmt.Sprintf("“%s”在上面已填了区划代码 %s，同一名称只能对应一个区县。", name, parties[name]))
		default:
			parties[name] = code
		}
		return name
	}
	settlement := map[string]any{"scheme": get("settlement.scheme")}
	if y := formNumber(vals, by, "settlement.year"); y != nil {
		settlement["year"] = y
	}
	if sc != nil && sc.Quota() {
		trades := []any{}
		for i := 0; i < formCount(vals, "ntrade", ecoTradesDefault, ecoTradesMax); i++ {
			p := "settlement.trades[" + strconv.Itoa(i) + "]."
			if blank(vals, p) {
				continue
			}
			t := map[string]any{"buyer": party(p + "buyer"), "seller": party(p + "seller"), "date": get(p + "date")}
			if id := get(p + "id"); id != "" {
				t["id"] = id
			}
			if q := formNumber(vals, by, p+"quantity"); q != nil {
				t["quantity"] = q
			} else if len(by[p+"quantity"]) == 0 {
				t["quantity"] = ""
			}
			if pr := formNumber(vals, by, p+"price"); pr != nil {
				t["price"] = pr
			}
			trades = append(trades, t)
		}
		settlement["trades"] = trades
	} else {
		sections := []any{}
		for i := 0; i < formCount(vals, "nsec", ecoSectionsDefault, ecoSectionsMax); i++ {
			p := "settlement.sections[" + strconv.Itoa(i) + "]."
			if sectionBlank(vals, p) {
				continue
			}
			sec := map[string]any{"id": get(p + "id"), "upstream": party(p + "upstream"), "downstream": party(p + "downstream")}
			for _, k := range []string{"river", "target_class"} {
				if v := get(p + k); v != "" {
					sec[k] = v
				}
			}
			periods := []any{}
			for j := 0; j < 12; j++ {
				pp := p + "periods[" + strconv.Itoa(j) + "]."
				if resultBlank(vals, pp) {
					continue // a period without a result is not given (its month may be filled in advance)
				}
				o := map[string]any{"period": get(pp + "period")}
				for _, k := range []string{"class", "compare_class"} {
					if v := get(pp + k); v != "" {
						o[k] = v
					}
				}
				if n := formNumber(vals, by, pp+"index"); n != nil {
					o["index"] = n
				}
				switch get(pp + "meets_target") {
				case "yes":
					o["meets_target"] = true
				case "no":
					o["meets_target"] = false
				}
				periods = append(periods, o)
			}
			sec["periods"] = periods
			sections = append(sections, sec)
		}
		settlement["sections"] = sections
	}
	out, _ := json.Marshal(map[string]any{"settlement": settlement, "parties": parties})
	return out, by
}

func testEcoSchemes(t testing.TB) []ecoScheme {
	var out []ecoScheme
	for _, l := range financeCalculators(t).Ecocomp.Listing() {
		out = append(out, ecoScheme{ID: l.ID, Measure: l.Measure, Period: l.Period})
	}
	return out
}

func sameEco(t testing.TB, vals url.Values, sc *ecoScheme) {
	t.Helper()
	if formRefused(vals) {
		return
	}
	c := financeCalculators(t)
	body, oldBy := oldEcoJSON(vals, sc)
	oldRec, oldErr := budget.DecodeEcoSettlement(body, c, financeLimits)
	in, newBy, read := ecoInput(vals, sc)
	newRec, newErr := budget.CheckEcoSettlementAfter(in, read, c, financeLimits)
	if oldErr == nil && newErr == nil {
		// The request is stored as sent (the old page's JSON) or as
		// written by AppendJSON: the same request either way.
		oldReq, err1 := ecocomp.DecodeRequest(oldRec.RequestJSON)
		newReq, err2 := ecocomp.DecodeRequest(newRec.RequestJSON)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(oldReq, newReq) {
			t.Fatalf("%v\nstored request %s (%v)\nbefore %s (%v)", vals, newRec.RequestJSON, err2, oldRec.RequestJSON, err1)
		}
		o, n := *oldRec, *newRec
		o.RequestJSON, n.RequestJSON = nil, nil
		oldRec, newRec = &o, &n
	}
	sameOutcome(t, vals, body, oldBy, newBy, oldRec, newRec, oldErr, newErr)
}

// ecoForms are the settlement forms the page tests post, and a few more.
func ecoForms() []url.Values {
	const s0, s1 = "settlement.sections[0].", "settlement.sections[1]."
	two := url.Values{"settlement.scheme": {"cq_basin_2018"}, "settlement.year": {"２０２４"}, "nsec": {"2"},
		s0 + "id": {"渝中—大渡口界"}, s0 + "upstream": {"渝中区"}, "code." + s0 + "upstream": {"500103"},
		s0 + "downstream": {"大渡口区"}, "code." + s0 + "downstream": {"500104"}, s0 + "target_class": {"III"},
		s1 + "id": {"大渡口—九龙坡界"}, s1 + "upstream": {"大渡口区"}, "code." + s1 + "upstream": {"500107"},
		s1 + "downstream": {"九龙坡区"}, "code." + s1 + "downstream": {"500107"}, s1 + "target_class": {"III"}}
	for m := 1; m <= 12; m++ {
		for _, sec := range []string{s0, s1} {
			p := fmt.Sprintf(sec+"periods[%d].", m-1)
			two.Set(p+"period", fmt.Sprintf("2024-%02d", m))
			two.Set(p+"class", "II")
			two.Set(p+"compare_class", "III")
		}
	}
	fixed := url.Values{}
	for k, v := range two {
		fixed[k] = v
	}
	fixed.Set("code."+s1+"upstream", "500104")
	const t0, t1 = "settlement.trades[0].", "settlement.trades[2]."
	return []url.Values{
		two, fixed,
		{"settlement.scheme": {"cq_basin_2018"}},
		{"settlement.scheme": {"cq_basin_2018"}, "settlement.year": {"2023"}, s0 + "id": {"甲断面"}, s0 + "upstream": {"甲区"},
			"code." + s0 + "upstream": {"500103"}, s0 + "downstream": {"乙区"}, s0 + "periods[0].period": {"2023-01"}, s0 + "periods[0].class": {"VI"},
			s0 + "periods[1].period": {"2023-02"}, s0 + "periods[1].index": {"x"}, s0 + "periods[2].meets_target": {"yes"}},
		{"settlement.scheme": {"beijing_water_2015"}, "settlement.year": {"2023.5"}, s0 + "id": {"断面"}, s0 + "upstream": {"甲区"},
			"code." + s0 + "upstream": {"990101"}, s0 + "periods[0].period": {"2023-01"}, s0 + "periods[0].index": {"0.0000000000001"}},
		{"settlement.scheme": {"xinan_river_2012"}, "settlement.year": {"2024"}, s0 + "id": {"街口"}, s0 + "upstream": {"黄山市"},
			"code." + s0 + "upstream": {"341000"}, s0 + "downstream": {"杭州市"}, "code." + s0 + "downstream": {"330100"},
			s0 + "periods[0].period": {"2024"}, s0 + "periods[0].index": {"0.85"}, s0 + "periods[0].meets_target": {"no"}},
		{"settlement.scheme": {"cq_forest_quota_2018"}, "settlement.year": {"2024"}, t0 + "buyer": {"甲区"}, "code." + t0 + "buyer": {"500103"},
			t0 + "seller": {"乙区"}, "code." + t0 + "seller": {"500104"}, t0 + "date": {"2024-03-01"}, t0 + "quantity": {"1,000"},
			t1 + "buyer": {"甲区"}, "code." + t1 + "buyer": {"500105"}, t1 + "date": {"2024-02-30"}, t1 + "price": {"x"}, t1 + "id": {"T2"}},
		{"settlement.scheme": {"cq_forest_quota_2018"}, "settlement.year": {"2016"}, t0 + "seller": {"乙区"}, "code." + t0 + "buyer": {"500103"},
			t0 + "quantity": {"1e3"}},
	}
}

func ecoSchemeOf(t testing.TB, vals url.Values) *ecoScheme {
	for _, sc := range testEcoSchemes(t) {
		if sc.ID == vals.Get("settlement.scheme") {
			return &sc
		}
	}
	return nil
}

func TestEcoFormAsDecoder(t *testing.T) {
	for _, v := range ecoForms() {
		sameEco(t, v, ecoSchemeOf(t, v))
	}
}

// FuzzEcoForm: whatever is typed into the settlement form (one section
// with two periods, or two trades), the direct build and the decoder
// reading the old page's JSON agree.
func FuzzEcoForm(f *testing.F) {
	scs := testEcoSchemes(f)
	f.Add(uint8(0), "2024", "甲", "甲区", "500103", "乙区", "500104", "2024-01", "II", "III", "", "2024-02-01", "1,000")
	f.Add(uint8(3), "2024", "", "甲区", "500103", "乙区", "500104", "2024", "", "", "0.9", "2024-02-01", "x")
	f.Fuzz(func(t *testing.T, pick uint8, year, id, up, upCode, down, downCode, period, class, compare, index, date, qty string) {
		var sc *ecoScheme
		v := url.Values{"settlement.year": {year}}
		if int(pick) < len(scs) {
			sc = &scs[pick]
			v.Set("settlement.scheme", sc.ID)
		}
		const s0, t0, t1 = "settlement.sections[1].", "settlement.trades[0].", "settlement.trades[1]."
		if sc != nil && sc.Quota() {
			for k, x := range map[string]string{t1 + "id": id, t0 + "buyer": up, "code." + t0 + "buyer": upCode, t0 + "seller": down,
				"code." + t0 + "seller": downCode, t0 + "date": date, t0 + "quantity": qty, t0 + "price": index,
				t1 + "buyer": down, "code." + t1 + "buyer": upCode, t1 + "seller": class, t1 + "date": period, t1 + "quantity": compare} {
				v.Set(k, x)
			}
		} else {
			for k, x := range map[string]string{s0 + "id": id, s0 + "upstream": up, "code." + s0 + "upstream": upCode, s0 + "downstream": down,
				"code." + s0 + "downstream": downCode, s0 + "periods[0].period": period, s0 + "periods[0].class": class,
				s0 + "periods[0].compare_class": compare, s0 + "periods[3].index": index, s0 + "periods[3].period": date,
				s0 + "periods[3].meets_target": qty} {
				v.Set(k, x)
			}
		}
		sameEco(t, v, sc)
	})
}

// oldRequest is the page's former reading: it writes the form as the budget route's body. The year goes as a
// JSON number when it is one, as text otherwise (the route then says
// why); every amount and percentage as text.
func (f *budgetForm) oldRequest() (map[string]any, []int) {
	body := map[string]any{"region": f.Region}
	// Figures are read as people type them: full-width digits, thousands
	// separators (web.NormalizeNumber); the form shows them as typed.
	num := func(v string) string {
		if v == "" {
			return ""
		}
		return web.NormalizeNumber(v)
	}
	if y := num(f.Year); y != "" {
		if n, err := strconv.Atoi(y); err == nil && strconv.Itoa(n) == y {
			body["year"] = json.Number(y)
		} else {
			body["year"] = f.Year
		}
	} else {
		body["year"] = f.Year
	}
	scs := []any{}
	var index []int // request index → scenario number
	for _, sf := range f.Scenarios {
		if sf.empty() {
			continue
		}
		sc := map[string]any{"id": "s" + strconv.Itoa(sf.N)}
		if sf.Title != "" {
			sc["title"] = sf.Title
		}
		var rates []any
		for _, r := range []struct{ class, v string }{{"air", num(sf.Air)}, {"water", num(sf.Water)}} {
			if r.v == "" {
				continue
			}
			rc := map[string]any{"class": r.class, "value": r.v}
			if sf.From != "" {
				rc["from"] = sf.From
			}
			if sf.To != "" {
				rc["to"] = sf.To
			}
			rates = append(rates, rc)
		}
		if rates != nil {
			sc["rates"] = rates
		}
		trends := map[string]any{}
		for k, v := range map[string]string{budget.TrendAir: num(sf.TrendAir), budget.TrendWater: num(sf.TrendWater), budget.TrendSolidWaste: num(sf.TrendSolid), budget.TrendFees: num(sf.TrendFees)} {
			if v != "" {
				trends[k] = v
			}
		}
		if len(trends) > 0 {
			sc["trends"] = trends
		}
		scs = append(scs, sc)
		index = append(index, sf.N)
	}
	body["scenarios"] = scs
	return body, index
}

func sameReport(t testing.TB, f *budgetForm) {
	t.Helper()
	vals := url.Values{"region": {f.Region}, "year": {f.Year}}
	for _, sf := range f.Scenarios {
		for k, v := range map[string]string{"title": sf.Title, "air": sf.Air, "water": sf.Water, "from": sf.From, "to": sf.To,
			"trend_air": sf.TrendAir, "trend_water": sf.TrendWater, "trend_solid": sf.TrendSolid, "trend_fees": sf.TrendFees} {
			vals.Set("s"+strconv.Itoa(sf.N)+"."+k, v)
		}
	}
	if formRefused(vals) {
		return
	}
	c := financeCalculators(t)
	b, oldIndex := f.oldRequest()
	body, err := json.Marshal(b)
	if err != nil {
		body = nil
	}
	oldRR, oldErr := budget.DecodeReport(body, c, financeLimits)
	in, read, index := f.report()
	newRR, newErr := budget.CheckReportAfter(in, read, c, financeLimits)
	if !reflect.DeepEqual(oldIndex, index) {
		t.Fatalf("%+v: scenarios %v, before %v", f, index, oldIndex)
	}
	sameOutcome(t, vals, body, nil, nil, oldRR, newRR, oldErr, newErr)
}

// budgetForms are the budget forms the page tests ask for, and a few more.
func budgetForms() []*budgetForm {
	sc := func(n int, s scenarioForm) scenarioForm { s.N = n; return s }
	return []*budgetForm{
		{Region: "500000", Year: "2023", Scenarios: []scenarioForm{sc(1, scenarioForm{Title: "减排", TrendAir: "-10"}), sc(2, scenarioForm{Air: "4.8", Water: "5.6", From: "2023-07", TrendFees: "５"})}},
		{Region: "999999", Year: "2023"}, {Region: "500000", Year: "1999"}, {Region: "500000", Year: "abc"}, {Region: "", Year: ""},
		{Region: "500000", Year: "2023", Scenarios: []scenarioForm{sc(1, scenarioForm{TrendAir: "abc", Air: "-1", From: "07"}), sc(2, scenarioForm{Water: "x"})}},
		{Region: "500103", Year: "２,０２４", Scenarios: []scenarioForm{sc(1, scenarioForm{}), sc(2, scenarioForm{Air: "1,000.5", TrendSolid: "-150", TrendWater: "0.0000000000001"})}},
		{Region: " ", Year: "99999"}, {Region: "500000", Year: "-0"}, {Region: "500000", Year: "2023.0"},
	}
}

func TestBudgetFormAsDecoder(t *testing.T) {
	for _, f := range budgetForms() {
		sameReport(t, f)
	}
}

// FuzzBudgetForm: whatever is typed into the budget form, the direct
// build and the decoder reading the old page's JSON agree.
func FuzzBudgetForm(f *testing.F) {
	for _, bf := range budgetForms() {
		var s [2]scenarioForm
		copy(s[:], bf.Scenarios)
		f.Add(bf.Region, bf.Year, s[0].Title, s[0].Air, s[0].TrendAir, s[1].Water, s[1].From, s[1].To, s[1].TrendFees, s[1].TrendSolid)
	}
	f.Fuzz(func(t *testing.T, region, year, title, air, trendAir, water, from, to, trendFees, trendSolid string) {
		sameReport(t, &budgetForm{Region: region, Year: year, Scenarios: []scenarioForm{
			{N: 1, Title: title, Air: air, TrendAir: trendAir},
			{N: 2, Water: water, From: from, To: to, TrendFees: trendFees, TrendSolid: trendSolid, TrendWater: trendAir},
		}})
	})
}

// formNumber is the old pages' number reader: it reads a number input as people type it (separators,
// full-width digits) into a plain JSON number, or records why not.
func formNumber(vals url.Values, by map[string][]string, name string) any {
	v := strings.TrimSpace(vals.Get(name))
	if v == "" {
		return nil
	}
	n := web.NormalizeNumber(v)
	if _, msg := web.ParseNumber(v); msg != "" {
		by[name] = append(by[name], msg)
		return nil
	}
	return json.Number(n)
}
