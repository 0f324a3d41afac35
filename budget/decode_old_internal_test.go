package budget

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/fixtures"
)

// The decoders became reading plus the checks on domain values. These
// differential tests keep the one-pass decoders they replaced and require
// the same record, or the same faults as a set, for any document.

func sortedFaults(err error) []string {
	if err == nil {
		return nil
	}
	ce := err.(*calc.Error)
	var out []string
	for _, e := range ce.Errors {
		out = append(out, e.Path+" "+e.Code+" "+e.Message)
	}
	sort.Strings(out)
	return out
}

func internalCalculators(t testing.TB) Calculators {
	t.Helper()
	var c Calculators
	tables, err := fixtures.Load()
	if err == nil {
		c.Engine, err = calc.NewEngine(tables)
	}
	if err == nil {
		c.Fees, err = fixtures.LoadFees()
	}
	if err == nil {
		c.Ecocomp, err = fixtures.LoadEcocomp()
	}
	if err == nil {
		c.Damage, err = fixtures.LoadDamage()
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var recordSeeds = [][]byte{
	[]byte(`{"district":"500103","case":"x","claim":{"date":"2020-01-01","parameter_set":"recommended_2014","virtual_cost":[{"category":"interim_loss","medium":"surface_water","function_class":"III","discharge":"1","unit_cost":"1","multiplier":"5"}]},"receipts":[{"month":"2024-01","amount":"5"}]}`),
	[]byte(`{"district":"500103","case":"x","claim":{"date":"2020-01-01","parameter_set":"recommended_2014","virtual_cost":[{"category":"interim_loss","medium":"surface_water","function_class":"III","discharge":"1","unit_cost":"1","multiplier":"50"}]},"receipts":[{"month":"2024-01","amount":"5"}]}`),
	[]byte(`{"district":" ","case":5,"settlement":7,"receipts":[1,{"month":3,"amount":"x","received":1},{"amount":"0"}],"extra":1}`),
	[]byte(`{"district":"990101","settlement":{"date":"2024-13-01","x":1},"receipts":{}}`),
	[]byte(`{"district":"500103","case":"x","settlement":{"amount":"10.001","date":"2024-02-29"},"receipts":[{"month":"2017-01","amount":"11"}]}`),
	[]byte(`{"district":"500103","case":"x","claim":{"date":5},"receipts":[]}`),
	[]byte(`{"claim":null,"settlement":null,"receipts":null}`),
	[]byte(`{"settlement":{"scheme":"cq_basin_2018","year":2024,"sections":[{"id":"s","upstream":"a","downstream":"b","target_class":"III","periods":[{"period":"2024-01","class":"II","compare_class":"III"}]}]},"parties":{"a":"500103","b":"500104"}}`),
	[]byte(`{"district":"500103","payer":"p","schedule":"cn-sewage-min-city","inputs":{"category":"residential"},"months":[{"month":"2024-01","quantity":"10"}]}`),
	[]byte(`[]`),
}

// FuzzDamageDecoderUnchanged: DecodeDamageCase reads as the one-pass
// decoder did.
func FuzzDamageDecoderUnchanged(f *testing.F) {
	for _, s := range recordSeeds {
		f.Add(s)
	}
	c := internalCalculators(f)
	lim := Limits{MaxYear: 2030}
	f.Fuzz(func(t *testing.T, data []byte) {
		old, oerr := oldDecodeDamageCase(data, c, lim)
		rec, err := DecodeDamageCase(data, c, lim)
		if o, n := sortedFaults(oerr), sortedFaults(err); !reflect.DeepEqual(o, n) {
			t.Fatalf("%s\nfaults %q\nbefore %q", data, n, o)
		}
		if err == nil && !reflect.DeepEqual(old, rec) {
			t.Fatalf("%s\nrecord %+v\nbefore %+v", data, rec, old)
		}
	})
}

// --- the one-pass decoder as it was ---

func oldDecodeDamageCase(data []byte, c Calculators, lim Limits) (*DamageRecord, error) {
	var rec DamageRecord
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		rec.Case, rec.Claim = oldReadDamageCase(o, c, lim)
		if v := o.Get("claim"); v != nil {
			rec.ClaimJSON = encode(v)
		}
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return &rec, nil
}

func oldReadDamageCase(o *jsonin.Object, c Calculators, lim Limits) (DamageCase, *damage.Result) {
	dc := DamageCase{District: o.Str("district", true), Case: o.Str("case", true)}
	checkDistrict(o, c, dc.District)
	var claim *damage.Result
	if v := o.Get("claim"); v != nil {
		req, err := damage.DecodeRequest(encode(v))
		if err == nil {
			claim, err = damage.Calc(c.Damage, req)
		}
		if err != nil {
			failNested(o.Reader(), o.At("claim"), err)
		} else {
			dc.ClaimTotal = decimal.NullDecimal{Decimal: claim.Total.Decimal, Valid: true}
			dc.ClaimUnverified = claim.Unverified
		}
	}
	if so := o.Object("settlement"); so != nil {
		dc.Settled = so.Decimal("amount", true)
		checkMoney(so, "amount", dc.Settled)
		d := jsonin.Parsed(so, "date", false, param.ParseDate)
		if !d.IsZero() {
			dc.SettledOn = d.String()
		}
		so.Finish()
	}
	if !dc.ClaimTotal.Valid && !dc.Settled.Valid && o.Get("claim") == nil && o.Get("settlement") == nil {
		o.Fail("claim", "required", "a case needs a claim (to be quantified) or a settlement (the agreed amount), or both")
	}
	sum := decimal.Zero
	for ro := range o.Objects("receipts") {
		rc := Receipt{Path: ro.Path, Month: ro.Str("month", true)}
		checkMonth(ro, "month", rc.Month, lim)
		a := ro.Decimal("amount", true)
		checkMoney(ro, "amount", a)
		if a.Valid && a.Decimal.IsZero() {
			ro.Fail("amount", "invalid_number", "a receipt is more than 0")
		}
		rc.Amount = a.Decimal
		rc.Received, _ = ro.Bool("received")
		ro.Finish()
		sum = sum.Add(rc.Amount)
		dc.Receipts = append(dc.Receipts, rc)
	}
	if len(dc.Receipts) == 0 && o.Get("receipts") == nil {
		o.Fail("receipts", "required", "at least one receipt (expected or received) is needed for the budget")
	}
	cap, what := dc.Settled, "the settled amount"
	if !cap.Valid {
		cap, what = dc.ClaimTotal, "the claim total"
	}
	if cap.Valid && sum.GreaterThan(cap.Decimal) {
		o.Fail("receipts", "receipts_exceed_amount", "the receipts add up to %s, more than %s %s", money(sum), what, money(cap.Decimal))
	}
	o.Finish()
	return dc, claim
}

// TestCheckDamageCaseWithClaim: a case built in code with a claim is
// recorded as the decoder records the same case sent as JSON, its claim
// written for storage so that it reads back as the claim built.
func TestCheckDamageCaseWithClaim(t *testing.T) {
	c := internalCalculators(t)
	lim := Limits{MaxYear: 2030}
	claim := &damage.Request{Case: "渗漏", Date: param.NewDate(2020, 1, 1), ParamSet: "recommended_2014",
		VirtualCost: []damage.VirtualCostLine{{Path: "virtual_cost[0]", Category: damage.InterimLoss, Medium: "surface_water", FunctionClass: "III",
			Discharge: decimal.NewNullDecimal(decimal.RequireFromString("1.50")), UnitCost: decimal.NewNullDecimal(decimal.RequireFromString("2")),
			Multiplier: decimal.NewNullDecimal(decimal.RequireFromString("5"))}}}
	in := DamageInput{District: "500103", Case: "x", Claim: claim, Receipts: []ReceiptInput{{Month: "2024-01", Amount: decimal.NewNullDecimal(decimal.RequireFromString("5"))}}}
	rec, err := CheckDamageCase(in, c, lim)
	if err != nil {
		t.Fatal(err)
	}
	back, err := damage.DecodeRequest(rec.ClaimJSON)
	if err != nil || !reflect.DeepEqual(back, claim) {
		t.Fatalf("claim stored as %s reads back %+v (%v), want %+v", rec.ClaimJSON, back, err, claim)
	}
	body := []byte(`{"district":"500103","case":"x","claim":` + string(rec.ClaimJSON) + `,"receipts":[{"month":"2024-01","amount":"5"}]}`)
	dec, err := DecodeDamageCase(body, c, lim)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dec, rec) {
		t.Fatalf("built %+v\ndecoded %+v", rec, dec)
	}
	// A claim its reader found a fault in is not quantified: the fault is
	// the only one, not also a claim of 0 below the receipts.
	in.Claim.VirtualCost[0].Multiplier = decimal.NullDecimal{}
	read := []calc.FieldError{{Path: "claim.virtual_cost[0].multiplier", Code: "invalid_number", Message: "x"}}
	if _, err := CheckDamageCaseAfter(in, read, c, lim); !reflect.DeepEqual(sortedFaults(err), []string{"claim.virtual_cost[0].multiplier invalid_number x"}) {
		t.Fatalf("unread claim: %q", sortedFaults(err))
	}
	in.Claim = &damage.Request{Items: []damage.Item{{Amount: decimal.New(1, 0)}}}
	_, err = CheckDamageCase(in, c, lim)
	want := []string{"claim.date required required", "claim.items[0].category required must not be empty", "claim.parameter_set required must not be empty"}
	if got := sortedFaults(err); !reflect.DeepEqual(got, want) {
		t.Fatalf("faults %q, want %q", got, want)
	}
}

// FuzzFeeDecoderUnchanged: DecodeFeeBill reads as the one-pass decoder did.
func FuzzFeeDecoderUnchanged(f *testing.F) {
	for _, s := range recordSeeds {
		f.Add(s)
	}
	for _, s := range feeSeeds {
		f.Add(s)
	}
	c := internalCalculators(f)
	lim := Limits{MaxYear: 2030}
	f.Fuzz(func(t *testing.T, data []byte) {
		old, oerr := oldDecodeFeeBill(data, c, lim)
		rec, err := DecodeFeeBill(data, c, lim)
		if o, n := sortedFaults(oerr), sortedFaults(err); !reflect.DeepEqual(o, n) {
			t.Fatalf("%s\nfaults %q\nbefore %q", data, n, o)
		}
		if err == nil && !reflect.DeepEqual(old, rec) {
			t.Fatalf("%s\nrecord %+v\nbefore %+v", data, rec, old)
		}
	})
}

var feeSeeds = [][]byte{
	[]byte(`{"district":"500103","payer":"x","schedule":"cq-emission-permit-base","inputs":{"pollutant":"cod"},"months":[{"month":"2024-01","quantity":"1"},{"month":"2024-02","quantity":"2","date":"2024-02-30"}]}`),
	[]byte(`{"district":"500103","payer":"x","schedule":"cq-emission-permit-base","inputs":{"pollutant":"cod"},"months":[{"month":"2017-12","quantity":"-1"},{"month":"2017-12","date":"2017-11-01"},{},{}]}`),
	[]byte(`{"district":" ","payer":1,"schedule":"nope","inputs":{"a":true,"b":1.5},"partial_step":"up","months":[1,{"month":5,"quantity":"x","extra":1}]}`),
	[]byte(`{"district":"500103","payer":"p","schedule":"cn-sewage-min-city","partial_step":"floor","inputs":{"category":"residential"},"months":[{"month":"2024-01","quantity":"10"}]}`),
	[]byte(`{"district":"500103","payer":"p","schedule":"cn-sewage-min-city","inputs":{"category":"nope"},"months":[{"month":"2024-01","quantity":"10"}],"extra":1}`),
	[]byte(`{"district":"500103","payer":"p","schedule":"cn-sewage-min-city","inputs":7,"months":{}}`),
}

func oldDecodeFeeBill(data []byte, c Calculators, lim Limits) (*FeeRecord, error) {
	var rec FeeRecord
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		rec.Bill, rec.Results = oldReadFeeBill(o, c, lim)
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return &rec, nil
}

func oldReadFeeBill(o *jsonin.Object, c Calculators, lim Limits) (FeeBill, []*fees.Result) {
	fb := FeeBill{District: o.Str("district", true), Payer: o.Str("payer", true), Schedule: o.Str("schedule", true)}
	checkDistrict(o, c, fb.District)
	if fb.Schedule != "" && !feeScheduleKnown(c.Fees, fb.Schedule) {
		o.Fail("schedule", "unknown_schedule", "no built-in fee schedule %q (ecotax fees list)", fb.Schedule)
	}
	fb.Inputs = map[string]string{}
	if io := o.Object("inputs"); io != nil {
		for _, f := range fields(o, "inputs") {
			v, _ := io.Lookup(f.Key)
			switch v.Kind {
			case jsonin.KindString, jsonin.KindNumber:
				fb.Inputs[f.Key] = v.Text
			default:
				io.Fail(f.Key, "invalid_type", "want a number or a word, got %s", v.Kind)
			}
		}
	}
	fb.PartialStep = o.OneOf("partial_step", fees.Ceil, fees.Floor)
	var results []*fees.Result
	seen := map[string]string{}
	for mo := range o.Objects("months") {
		fm := FeeMonth{Path: mo.Path, Month: mo.Str("month", true), Date: mo.Str("date", false)}
		checkMonth(mo, "month", fm.Month, lim)
		if prev, dup := seen[fm.Month]; dup {
			mo.Fail("month", "duplicate_month", "%s is already given at %s", fm.Month, prev)
		}
		seen[fm.Month] = mo.Path
		q := mo.Decimal("quantity", true)
		if q.Valid && q.Decimal.Sign() < 0 {
			mo.Fail("quantity", "invalid_number", "a quantity is not negative")
		}
		fm.Quantity = q.Decimal
		day := fm.Month + "-01"
		if fm.Date != "" {
			day = fm.Date
			if len(fm.Date) != 10 || fm.Date[:7] != fm.Month {
				mo.Fail("date", "invalid_value", "%q is not a day YYYY-MM-DD of %s", fm.Date, fm.Month)
			}
		}
		mo.Finish()
		fb.Months = append(fb.Months, fm)
		d, err := param.ParseDate(day)
		if err != nil || !q.Valid || q.Decimal.Sign() < 0 || fb.Schedule == "" || !feeScheduleKnown(c.Fees, fb.Schedule) {
			if err != nil && fm.Date != "" {
				mo.Reader().Fail(mo.At("date"), "invalid_value", "%q is not a calendar day", fm.Date)
			}
			continue
		}
		s, err := c.Fees.Find(fb.Schedule, d)
		if err != nil {
			mo.Reader().Fail(mo.At("month"), "schedule_not_in_force", "%v", err)
			continue
		}
		res, err := fees.Calculate(s, fees.Request{Date: d, Quantity: fm.Quantity, Inputs: fb.Inputs, PartialStep: fb.PartialStep})
		if err != nil {
			// Input faults concern the whole bill, quantity faults the month.
			failNestedMap(mo.Reader(), err, func(p string) string {
				if p == "quantity" || p == "$" || p == "" {
					return mo.At("quantity")
				}
				if strings.HasPrefix(p, "inputs") || strings.HasPrefix(p, "partial_step") {
					return joinPath(o.Path, p)
				}
				return joinPath(mo.Path, p)
			})
			continue
		}
		results = append(results, res)
	}
	if len(fb.Months) == 0 && o.Get("months") == nil {
		o.Fail("months", "required", "at least one month")
	}
	o.Finish()
	return fb, results
}

// FuzzEcoDecoderUnchanged: DecodeEcoSettlement reads as the one-pass
// decoder did.
func FuzzEcoDecoderUnchanged(f *testing.F) {
	for _, s := range recordSeeds {
		f.Add(s)
	}
	for _, s := range ecoSeeds {
		f.Add(s)
	}
	c := internalCalculators(f)
	lim := Limits{MaxYear: 2030}
	f.Fuzz(func(t *testing.T, data []byte) {
		old, oerr := oldDecodeEcoSettlement(data, c, lim)
		rec, err := DecodeEcoSettlement(data, c, lim)
		if o, n := sortedFaults(oerr), sortedFaults(err); !reflect.DeepEqual(o, n) {
			t.Fatalf("%s\nfaults %q\nbefore %q", data, n, o)
		}
		if err == nil && !reflect.DeepEqual(old, rec) {
			t.Fatalf("%s\nrecord %+v\nbefore %+v", data, rec, old)
		}
	})
}

var ecoSeeds = [][]byte{
	[]byte(`{"settlement":{"scheme":"cq_basin_2018","year":2024,"sections":[{"id":"s","upstream":"a","downstream":"b","target_class":"III","periods":[{"period":"2024-01","class":"VI","compare_class":"III"}]}]},"parties":{"a":"500103","c":" ","d":"x"}}`),
	[]byte(`{"settlement":{"scheme":"cq_basin_2018","year":2017,"sections":[{"id":"s","upstream":"a","downstream":"b","target_class":"III","periods":[{"period":"2017-01","class":"II","compare_class":"III"}]}]},"parties":{"a":"500103","b":"500104"}}`),
	[]byte(`{"settlement":{"scheme":"cq_forest_quota_2018","year":2024,"trades":[{"buyer":"a","seller":"b","date":"2024-03-01","quantity":"10"}]},"parties":{"a":"500103"}}`),
	[]byte(`{"settlement":{"scheme":"","year":1.5,"trades":[{"buyer":1,"date":"x","quantity":""}]},"parties":7}`),
	[]byte(`{"settlement":[],"parties":{"a":null,"b":""}}`),
	[]byte(`{"extra":1}`),
}

func oldDecodeEcoSettlement(data []byte, c Calculators, lim Limits) (*EcoRecord, error) {
	var rec EcoRecord
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		rec.Settlement, rec.RequestJSON, rec.Result = oldReadEcoSettlement(o, c, lim)
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return &rec, nil
}

func oldReadEcoSettlement(o *jsonin.Object, c Calculators, lim Limits) (EcoSettlement, []byte, *ecocomp.Result) {
	var es EcoSettlement
	var raw []byte
	var res *ecocomp.Result
	v := o.Get("settlement")
	if v == nil {
		o.Fail("settlement", "required", "required: a settlement request (docs/ecocomp.md)")
	} else {
		raw = encode(v)
		req, err := ecocomp.DecodeRequest(raw)
		if err == nil {
			if msg := CheckYear(req.Year, lim); msg != "" {
				o.Reader().Fail(joinPath(o.At("settlement"), "year"), "year_out_of_range", "%s", msg)
			}
			res, err = ecocomp.Settle(c.Ecocomp, req)
		}
		if err != nil {
			failNested(o.Reader(), o.At("settlement"), err)
		} else {
			es.Request = req
		}
	}
	es.Parties = stringMap(o, "parties")
	if o.Get("parties") == nil {
		o.Fail("parties", "required", "required: the GB/T 2260 code of every party, e.g. {\"甲区\": \"500103\"}")
	}
	for _, p := range sortedKeys(es.Parties) {
		if _, msg := c.Engine.CheckRegion(es.Parties[p]); msg != "" {
			o.Reader().Fail(joinPath(o.At("parties"), jsonin.Key("", p)), "unknown_region", "%s", msg)
		}
	}
	if es.Request != nil {
		named := map[string]bool{}
		for _, s := range es.Request.Sections {
			named[s.Upstream], named[s.Downstream] = true, true
		}
		for _, t := range es.Request.Trades {
			named[t.Buyer], named[t.Seller] = true, true
		}
		for p := range named {
			if _, ok := es.Parties[p]; !ok && o.Get("parties") != nil {
				o.Fail("parties", "missing_party", "party %q of the settlement has no region code", p)
			}
		}
		for _, p := range sortedKeys(es.Parties) {
			if !named[p] {
				o.Reader().Fail(joinPath(o.At("parties"), jsonin.Key("", p)), "unknown_party", "%q is not a party of the settlement", p)
			}
		}
	}
	o.Finish()
	return es, raw, res
}

// FuzzReportDecoderUnchanged: DecodeReport reads as the one-pass decoder
// did, except that a rate whose class is "" is refused (it was read as
// no class at all and silently accepted).
func FuzzReportDecoderUnchanged(f *testing.F) {
	f.Add([]byte(`{"region":"500000","year":2024,"scenarios":[{"id":"s","rates":[{"class":"air","value":"2.4","from":"2024-07"}],"trends":{"fees":"10"},"schemes":{"cq_basin_2018":"beijing_water_2015"}}]}`))
	f.Add([]byte(`{"region":"990000","year":2017}`))
	f.Add([]byte(`{"region":" ","year":"2024","scenarios":[{"rates":[{"class":"soil","value":"-1"},{"class":1},{}],"trends":{"air":"x","noise":"1"},"schedules":{"a":""}},5]}`))
	f.Add([]byte(`{"year":99999,"scenarios":{}}`))
	f.Add([]byte(`{"region":"500103","year":-5}`))
	c := internalCalculators(f)
	lim := Limits{MaxYear: 2030}
	f.Fuzz(func(t *testing.T, data []byte) {
		old, oerr := oldDecodeReport(data, c, lim)
		rr, err := DecodeReport(data, c, lim)
		o, n := sortedFaults(oerr), sortedFaults(err)
		// The defect fixed: the only faults allowed beyond the old ones
		// are a rate's class "" refused as missing.
		had := map[string]bool{}
		for _, x := range o {
			had[x] = true
		}
		var kept []string
		for _, x := range n {
			if had[x] || !strings.HasSuffix(x, ".class required required: air or water") {
				kept = append(kept, x)
			}
		}
		if len(kept) < len(n) && len(o) == 0 {
			return
		}
		if !reflect.DeepEqual(o, kept) {
			t.Fatalf("%s\nfaults %q\nbefore %q", data, n, o)
		}
		if err == nil && !reflect.DeepEqual(old, rr) {
			t.Fatalf("%s\nrequest %+v\nbefore %+v", data, rr, old)
		}
	})
}

func oldDecodeReport(data []byte, c Calculators, lim Limits) (*ReportRequest, error) {
	rr := &ReportRequest{}
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		rr.Region, rr.RegionName, rr.Year = readRegionYear(o, c, lim)
		rr.Scenarios = oldReadScenarios(o)
		o.Finish()
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return rr, nil
}

func oldReadScenarios(o *jsonin.Object) []Scenario {
	var out []Scenario
	for so := range o.Objects("scenarios") {
		sc := Scenario{Path: so.Path, Trends: map[string]decimal.Decimal{}, Schemes: map[string]string{}, Schedules: map[string]string{}}
		sc.ID = so.Str("id", true)
		sc.Title = so.Str("title", false)
		for ro := range so.Objects("rates") {
			rc := RateChange{Path: ro.Path}
			rc.Class = ro.OneOf("class", "air", "water")
			if rc.Class == "" && ro.Get("class") == nil {
				ro.Fail("class", "required", "required: air or water")
			}
			v := ro.Decimal("value", true)
			if v.Valid && v.Decimal.Sign() < 0 {
				ro.Fail("value", "invalid_number", "a rate is not negative")
			}
			rc.Value = v.Decimal
			rc.From = ro.Str("from", false)
			rc.To = ro.Str("to", false)
			ro.Finish()
			sc.Rates = append(sc.Rates, rc)
		}
		if to := so.Object("trends"); to != nil {
			for _, f := range fields(so, "trends") {
				switch f.Key {
				case TrendAir, TrendWater, TrendSolidWaste, TrendFees:
					if d := to.Decimal(f.Key, false); d.Valid {
						sc.Trends[f.Key] = d.Decimal
					}
				}
			}
			to.Finish()
		}
		sc.Schemes = stringMap(so, "schemes")
		sc.Schedules = stringMap(so, "schedules")
		so.Finish()
		out = append(out, sc)
	}
	return out
}
