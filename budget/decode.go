package budget

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/calc/jsonin"
)

// maxDepth bounds nesting: an input file holds tax requests four levels
// down, and they nest five more.
const maxDepth = 24

// ReportRequest asks for the budget of a region and year.
type ReportRequest struct {
	Region     string
	RegionName string
	Year       int
	Scenarios  []Scenario
}

// DecodeReport reads {"region", "year", "scenarios"}: the body of the
// budget route and the file of `ecotax budget report`. Every fault is
// reported with its JSON path; nothing partial is returned.
func DecodeReport(data []byte, c Calculators, lim Limits) (*ReportRequest, error) {
	var rr *ReportRequest
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		in := ReportRequest{Region: o.Str("region", true)}
		yv := o.Get("year")
		in.Year = readInt(o, "year", true)
		in.Scenarios = readScenarios(o)
		o.Finish()
		r := o.Reader()
		yearRead := yv != nil && yv.Kind == jsonin.KindNumber
		var checked []calc.FieldError
		rr, checked = checkReport(o.Path, in, yearRead, c, lim)
		read := calc.FieldErrors(r.Errs)
		for _, f := range calc.MergeChecked(read, checked)[len(read):] {
			r.Fail(f.Path, f.Code, "%s", f.Message)
		}
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return rr, nil
}

func readRegionYear(o *jsonin.Object, c Calculators, lim Limits) (string, string, int) {
	region := o.Str("region", true)
	var name string
	if region != "" {
		var msg string
		if name, msg = c.Engine.CheckRegion(region); msg != "" {
			o.Fail("region", "unknown_region", "%s", msg)
		}
	}
	year := readInt(o, "year", true)
	if v := o.Get("year"); v != nil && v.Kind == jsonin.KindNumber {
		if msg := CheckYear(year, lim); msg != "" {
			o.Fail("year", "year_out_of_range", "%s", msg)
		}
	}
	return region, name, year
}

// readInt reads a whole number written as a JSON number.
func readInt(o *jsonin.Object, key string, required bool) int {
	v := o.Get(key)
	if v == nil {
		if required {
			o.Fail(key, "required", "required")
		}
		return 0
	}
	if v.Kind != jsonin.KindNumber {
		o.Fail(key, "invalid_type", "want a whole number, got %s", v.Kind)
		return 0
	}
	n, msg := WholeNumber(v.Text)
	if msg != "" {
		o.Fail(key, "invalid_number", "%s", msg)
	}
	return n
}

// WholeNumber reads a year or a count written as a JSON number: a whole
// number from 0 to 9999 in plain digits; msg says why not (and n is 0).
func WholeNumber(text string) (n int, msg string) {
	if _, err := fmt.Sscanf(text, "%d", &n); err != nil || fmt.Sprint(n) != text || n < 0 || n > 9999 {
		return 0, text + " is not a whole number from 0 to 9999"
	}
	return n, ""
}

func readScenarios(o *jsonin.Object) []Scenario {
	var out []Scenario
	for so := range o.Objects("scenarios") {
		sc := Scenario{Path: so.Path, Trends: map[string]decimal.Decimal{}, Schemes: map[string]string{}, Schedules: map[string]string{}}
		sc.ID = so.Str("id", true)
		sc.Title = so.Str("title", false)
		for ro := range so.Objects("rates") {
			// The class and the value's sign are checked by scenarioFaults.
			rc := RateChange{Path: ro.Path}
			rc.Class = ro.Str("class", false)
			rc.Value = ro.Decimal("value", true).Decimal
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

// fields lists the members of an object-valued key (already checked to
// be an object).
func fields(o *jsonin.Object, key string) []jsonin.Field {
	v, _ := o.Lookup(key)
	if v == nil || v.Kind != jsonin.KindObject {
		return nil
	}
	return v.Fields
}

// stringMap reads an object whose values are non-empty strings.
func stringMap(o *jsonin.Object, key string) map[string]string {
	out := map[string]string{}
	mo := o.Object(key)
	if mo == nil {
		return out
	}
	for _, f := range fields(o, key) {
		if s := mo.Str(f.Key, true); s != "" {
			out[f.Key] = s
		}
	}
	return out
}

// --- the input file of `ecotax budget compute` ---

// DecodeInput reads a complete budget input: the tax months of each
// taxpayer with their basis and figures, the damage cases, settlements and
// fee bills, and the scenarios. It is the offline form of what the service
// gathers from its tables (docs/budget.md).
func DecodeInput(data []byte, c Calculators, lim Limits) (*Input, []Scenario, error) {
	in := &Input{}
	var scs []Scenario
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		in.Region, in.RegionName, in.Year = readRegionYear(o, c, lim)
		if n := o.Str("region_name", false); n != "" {
			in.RegionName = n
		}
		seen := map[string]string{}
		for to := range o.Objects("taxpayers") {
			tp := readTaxpayer(to, c, in.Year)
			if prev, dup := seen[tp.CreditCode]; dup && tp.CreditCode != "" {
				to.Fail("credit_code", "duplicate_taxpayer", "taxpayer %s is already given at %s", tp.CreditCode, prev)
			}
			seen[tp.CreditCode] = to.Path
			if tp.District != "" && in.Region != "" && !(len(tp.District) == 6 && calc.Within(tp.District, in.Region)) {
				to.Fail("district", "outside_region", "%s is not inside the budget's region %s", tp.District, in.Region)
			}
			in.Taxpayers = append(in.Taxpayers, tp)
		}
		ids := map[string]string{}
		uniqueID := func(ro *jsonin.Object) string {
			id := ro.Str("id", true)
			if prev, dup := ids[id]; dup && id != "" {
				ro.Fail("id", "duplicate_id", "id %q is already used at %s", id, prev)
			}
			ids[id] = ro.Path
			return id
		}
		for do := range o.Objects("damage_cases") {
			id := uniqueID(do)
			dc := readDamageCase(do, c, lim).Case
			dc.ID = id
			in.Damage = append(in.Damage, dc)
		}
		for eo := range o.Objects("ecocomp_settlements") {
			id := uniqueID(eo)
			es, _, _ := readEcoSettlement(eo, c, lim)
			es.ID = id
			in.Ecocomp = append(in.Ecocomp, es)
		}
		for fo := range o.Objects("fee_bills") {
			id := uniqueID(fo)
			fb, _ := readFeeBill(fo, c, lim)
			fb.ID = id
			in.Fees = append(in.Fees, fb)
		}
		scs = readScenarios(o)
		o.Finish()
		start := len(o.Reader().Errs)
		read := calc.FieldErrors(o.Reader().Errs)
		for _, f := range calc.MergeChecked(read, scenarioFaults(o.Path, scs))[start:] {
			o.Reader().Fail(f.Path, f.Code, "%s", f.Message)
		}
	})
	if len(errs) > 0 {
		return nil, nil, invalid(calc.FieldErrors(errs))
	}
	return in, scs, nil
}

func readTaxpayer(o *jsonin.Object, c Calculators, year int) Taxpayer {
	tp := Taxpayer{CreditCode: o.Str("credit_code", true), Name: o.Str("name", true), District: o.Str("district", true)}
	if tp.District != "" {
		if _, msg := c.Engine.CheckRegion(tp.District); msg != "" {
			o.Fail("district", "unknown_region", "%s", msg)
		}
	}
	months := map[string]string{}
	for mo := range o.Objects("months") {
		tm := TaxMonth{Path: mo.Path}
		tm.Month = mo.Str("month", true)
		if tm.Month != "" && (!validMonth(tm.Month) || !inYear(tm.Month, year)) {
			mo.Fail("month", "invalid_value", "%q is not a month YYYY-MM of %d", tm.Month, year)
		} else if prev, dup := months[tm.Month]; dup {
			mo.Fail("month", "duplicate_month", "%s is already given at %s", tm.Month, prev)
		}
		months[tm.Month] = mo.Path
		tm.Basis = mo.OneOf("basis", BasisDeclaration, BasisMonitoring, BasisNone)
		if mo.Get("basis") == nil {
			mo.Fail("basis", "required", "required: declaration, monitoring or none")
		}
		tm.Declared = mo.Decimal("declared_tax", tm.Basis == BasisDeclaration)
		checkMoney(mo, "declared_tax", tm.Declared)
		if tm.Declared.Valid && tm.Basis != BasisDeclaration {
			mo.Fail("declared_tax", "not_applicable", "only a declaration basis has a declared tax")
		}
		tm.Refs = strList(mo, "refs")
		tm.Uncovered = strList(mo, "uncovered")
		if u, ok := mo.Bool("unverified"); ok {
			tm.Unverified = u
		}
		tm.Monitoring = mo.Str("monitoring", tm.Basis == BasisNone)
		tm.Note = mo.Str("note", false)
		rv := mo.Get("requests")
		switch {
		case rv == nil && tm.Basis != BasisNone && tm.Basis != "":
			mo.Fail("requests", "required", "a %s basis needs the month's figures as tax requests", tm.Basis)
		case rv != nil && tm.Basis == BasisNone:
			mo.Fail("requests", "not_applicable", "a month without a basis has no figures")
		case rv != nil && rv.Kind != jsonin.KindArray:
			mo.Fail("requests", "invalid_type", "want an array, got %s", rv.Kind)
		case rv != nil:
			for i, item := range rv.Items {
				path := jsonin.Index(mo.At("requests"), i)
				req, err := calc.DecodeFrom(jsonin.FromValue(item))
				if err != nil {
					failNested(mo.Reader(), path, err)
					continue
				}
				for _, s := range req.Sources {
					if s.MonthRaw != tm.Month {
						mo.Reader().Fail(joinPath(path, s.Path+".month"), "invalid_value", "%s is not the month %s", s.MonthRaw, tm.Month)
					}
				}
				tm.Requests = append(tm.Requests, req)
			}
		}
		mo.Finish()
		tp.Months = append(tp.Months, tm)
	}
	sort.SliceStable(tp.Months, func(i, j int) bool { return tp.Months[i].Month < tp.Months[j].Month })
	o.Finish()
	return tp
}

func strList(o *jsonin.Object, key string) []string {
	v := o.Get(key)
	if v == nil {
		return nil
	}
	if v.Kind != jsonin.KindArray {
		o.Fail(key, "invalid_type", "want an array of strings, got %s", v.Kind)
		return nil
	}
	var out []string
	for i, it := range v.Items {
		if it.Kind != jsonin.KindString {
			o.Reader().Fail(jsonin.Index(o.At(key), i), "invalid_type", "want a string, got %s", it.Kind)
			continue
		}
		out = append(out, it.Text)
	}
	return out
}

// --- recorded inputs (also the bodies of the service's routes) ---

// DamageRecord is a damage case as recorded: the case, the claim as sent
// and the claim's computed result.
type DamageRecord struct {
	Case      DamageCase
	ClaimJSON []byte         // nil without a claim
	Claim     *damage.Result // nil without a claim
}

// DecodeDamageCase reads and checks a damage case: {"district", "case",
// "claim" (a calc/damage request), "settlement": {"amount", "date"},
// "receipts": [{"month", "amount", "received"}]}. A claim is quantified
// by calc/damage; a multiplier out of range or an unknown class is an
// error at claim.… and nothing is recorded.
func DecodeDamageCase(data []byte, c Calculators, lim Limits) (*DamageRecord, error) {
	var rec *DamageRecord
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		rec = readDamageCase(o, c, lim)
		if v := o.Get("claim"); v != nil {
			rec.ClaimJSON = encode(v)
		}
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return rec, nil
}

// readDamageCase reads a case into a DamageInput and checks it with
// checkDamage, the checks of CheckDamageCase; a "required" the reader has
// already said at a path is not said again.
func readDamageCase(o *jsonin.Object, c Calculators, lim Limits) *DamageRecord {
	r := o.Reader()
	start := len(r.Errs)
	in := DamageInput{District: o.Str("district", true), Case: o.Str("case", true)}
	var given sent
	if v := o.Get("claim"); v != nil {
		given.claim = true
		// The claim is read by its own decoder (reading plus
		// damage.Request.Validate); Calc is one of the case's checks.
		req, err := damage.DecodeFrom(jsonin.FromValue(v))
		if err != nil {
			failNested(r, o.At("claim"), err)
		} else {
			in.Claim = req
		}
	}
	given.settle = o.Get("settlement") != nil
	if so := o.Object("settlement"); so != nil {
		in.Settle = &SettlementInput{Amount: so.Decimal("amount", true), Date: so.Str("date", false)}
		so.Finish()
	}
	if v := o.Get("receipts"); v != nil {
		in.Receipts = []ReceiptInput{}
	}
	for ro := range o.Objects("receipts") {
		rc := ReceiptInput{Path: ro.Path, Month: ro.Str("month", true), Amount: ro.Decimal("amount", true)}
		rc.Received, _ = ro.Bool("received")
		ro.Finish()
		in.Receipts = append(in.Receipts, rc)
	}
	o.Finish()
	rec, checked := checkDamage(o.Path, in, given, c, lim)
	read := calc.FieldErrors(r.Errs[start:])
	for _, f := range calc.MergeChecked(read, checked)[len(read):] {
		r.Fail(f.Path, f.Code, "%s", f.Message)
	}
	return rec
}

// EcoRecord is an eco-compensation settlement as recorded.
type EcoRecord struct {
	Settlement  EcoSettlement
	RequestJSON []byte
	Result      *ecocomp.Result
}

// DecodeEcoSettlement reads and checks {"settlement": (a calc/ecocomp
// request), "parties": {"甲区": "500103", …}}: the settlement must settle
// (an unknown water class is an error at settlement.…), its year must be a
// budget year, and every party it names needs a region code.
func DecodeEcoSettlement(data []byte, c Calculators, lim Limits) (*EcoRecord, error) {
	var rec EcoRecord
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		rec.Settlement, rec.RequestJSON, rec.Result = readEcoSettlement(o, c, lim)
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return &rec, nil
}

// readEcoSettlement reads a settlement into an EcoInput and checks it
// with checkEco, the checks of CheckEcoSettlement; raw is the settlement
// request as sent.
func readEcoSettlement(o *jsonin.Object, c Calculators, lim Limits) (EcoSettlement, []byte, *ecocomp.Result) {
	r := o.Reader()
	start := len(r.Errs)
	var in EcoInput
	var raw []byte
	given := ecoSent{parties: o.Get("parties") != nil}
	if v := o.Get("settlement"); v != nil {
		given.settlement = true
		// The request is read by its own decoder (reading plus
		// ecocomp.Request.Validate); Settle is one of the checks.
		raw = encode(v) // stored with the settlement, as sent
		req, err := ecocomp.DecodeFrom(jsonin.FromValue(v))
		if err != nil {
			failNested(r, o.At("settlement"), err)
		} else {
			in.Settlement = req
		}
	}
	if given.parties {
		in.Parties = stringMap(o, "parties")
	}
	o.Finish()
	rec, checked := checkEco(o.Path, in, given, c, lim)
	read := calc.FieldErrors(r.Errs[start:])
	for _, f := range calc.MergeChecked(read, checked)[len(read):] {
		r.Fail(f.Path, f.Code, "%s", f.Message)
	}
	return rec.Settlement, raw, rec.Result
}

// FeeRecord is a fee bill as recorded, with each month's fee.
type FeeRecord struct {
	Bill    FeeBill
	Results []*fees.Result // one per month, in order
}

// DecodeFeeBill reads and checks {"district", "payer", "schedule",
// "inputs": {…}, "partial_step", "months": [{"month", "quantity", "date"}]}:
// every month must compute under the schedule in force on its day.
func DecodeFeeBill(data []byte, c Calculators, lim Limits) (*FeeRecord, error) {
	var rec FeeRecord
	errs := jsonin.Read(data, maxDepth, jsonin.PlainDecimal, func(o *jsonin.Object) {
		rec.Bill, rec.Results = readFeeBill(o, c, lim)
	})
	if len(errs) > 0 {
		return nil, invalid(calc.FieldErrors(errs))
	}
	return &rec, nil
}

// readFeeBill reads a bill into a FeeInput and checks it with checkFee,
// the checks of CheckFeeBill.
func readFeeBill(o *jsonin.Object, c Calculators, lim Limits) (FeeBill, []*fees.Result) {
	r := o.Reader()
	start := len(r.Errs)
	in := FeeInput{District: o.Str("district", true), Payer: o.Str("payer", true), Schedule: o.Str("schedule", true), Inputs: map[string]string{}}
	if io := o.Object("inputs"); io != nil {
		for _, f := range fields(o, "inputs") {
			v, _ := io.Lookup(f.Key)
			switch v.Kind {
			case jsonin.KindString, jsonin.KindNumber:
				in.Inputs[f.Key] = v.Text
			default:
				io.Fail(f.Key, "invalid_type", "want a number or a word, got %s", v.Kind)
			}
		}
	}
	in.PartialStep = o.Str("partial_step", false)
	if o.Get("months") != nil {
		in.Months = []FeeMonthInput{}
	}
	for mo := range o.Objects("months") {
		in.Months = append(in.Months, FeeMonthInput{Path: mo.Path, Month: mo.Str("month", true), Date: mo.Str("date", false),
			Quantity: mo.Decimal("quantity", true)})
		mo.Finish()
	}
	o.Finish()
	rec, checked := checkFee(o.Path, in, c, lim)
	read := calc.FieldErrors(r.Errs[start:])
	for _, f := range calc.MergeChecked(read, checked)[len(read):] {
		r.Fail(f.Path, f.Code, "%s", f.Message)
	}
	return rec.Bill, rec.Results
}

// --- helpers ---

func checkDistrict(o *jsonin.Object, c Calculators, code string) {
	if code == "" {
		return
	}
	if _, msg := c.Engine.CheckRegion(code); msg != "" {
		o.Fail("district", "unknown_region", "%s", msg)
	}
}

func checkMonth(o *jsonin.Object, key, m string, lim Limits) {
	for _, f := range monthFaults(o.At(key), m, lim) {
		o.Reader().Fail(f.Path, f.Code, "%s", f.Message)
	}
}

// monthFaults checks a month YYYY-MM of a budget year ("" is not checked).
func monthFaults(path, m string, lim Limits) []calc.FieldError {
	if m == "" {
		return nil
	}
	if !validMonth(m) {
		return []calc.FieldError{fault(path, "invalid_value", "%q is not a month YYYY-MM", m)}
	}
	y := 0
	fmt.Sscanf(m[:4], "%d", &y)
	if msg := CheckYear(y, lim); msg != "" {
		return []calc.FieldError{fault(path, "year_out_of_range", "%s", msg)}
	}
	return nil
}

// checkMoney requires an amount in 元 with at most two decimals, not negative.
func checkMoney(o *jsonin.Object, key string, d decimal.NullDecimal) {
	for _, f := range moneyFaults(o.At(key), d) {
		o.Reader().Fail(f.Path, f.Code, "%s", f.Message)
	}
}

// moneyFaults checks an amount in 元 ("not Valid" is not checked).
func moneyFaults(path string, d decimal.NullDecimal) []calc.FieldError {
	switch {
	case !d.Valid:
	case d.Decimal.Sign() < 0:
		return []calc.FieldError{fault(path, "invalid_number", "an amount is not negative")}
	case !d.Decimal.Equal(d.Decimal.Truncate(2)):
		return []calc.FieldError{fault(path, "invalid_number", "%s has more than two decimals (元 to 分)", d.Decimal)}
	}
	return nil
}

// failNested records the faults of a nested calculator under prefix.
func failNested(r *jsonin.Reader, prefix string, err error) {
	failNestedMap(r, err, func(p string) string { return joinPath(prefix, p) })
}

func failNestedMap(r *jsonin.Reader, err error, at func(string) string) {
	ce, ok := err.(*calc.Error)
	if !ok {
		r.Fail(at("$"), "invalid_value", "%v", err)
		return
	}
	if len(ce.Errors) == 0 {
		r.Fail(at("$"), ce.Code, "%s", ce.Detail)
		return
	}
	for _, fe := range ce.Errors {
		r.Fail(at(fe.Path), fe.Code, "%s", fe.Message)
	}
}

// joinPath puts a nested path (relative to its own root "$") under prefix.
func joinPath(prefix, p string) string {
	switch {
	case p == "" || p == jsonin.Root:
		return prefix
	case prefix == "" || prefix == jsonin.Root:
		return p
	case strings.HasPrefix(p, "["):
		return prefix + p
	}
	return prefix + "." + p
}

// encode writes a parsed value back as JSON, numbers as written.
func encode(v *jsonin.Value) []byte { return v.AppendJSON(nil) }

// titles are the Chinese titles of the codes this package adds.
var titles = map[string]string{
	"unknown_region":         "未知的行政区划",
	"year_out_of_range":      "年度超出范围",
	"duplicate_scenario":     "情景重复",
	"overlapping_rates":      "税额调整期间重叠",
	"out_of_range":           "数值超出范围",
	"unknown_scheme":         "未知的生态补偿方案",
	"incompatible_scheme":    "生态补偿方案不可替换",
	"unknown_schedule":       "未知的收费标准",
	"too_many_scenarios":     "情景过多",
	"input_not_computable":   "输入无法计算",
	"receipts_exceed_amount": "收款超过赔偿金额",
	"missing_party":          "当事方缺少区划代码",
	"unknown_party":          "不是结算的当事方",
	"outside_region":         "不在预算区域内",
	"duplicate_id":           "编号重复",
	"duplicate_month":        "月份重复",
	"duplicate_taxpayer":     "纳税人重复",
	"schedule_not_in_force":  "收费标准未生效",
}

// invalid wraps calc.Invalid with this package's Chinese titles.
func invalid(errs []calc.FieldError) *calc.Error {
	e := calc.Invalid(errs)
	if t, ok := titles[e.Code]; ok {
		e.Title = t
	}
	return e
}
