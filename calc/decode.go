package calc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Limits on input numbers (contract: "Numbers").
const (
	maxDecimals = 12
	maxExponent = 15 // |exponent| written in scientific notation
)

var maxValue = decimal.New(1, 15)

// ParseAmount reads one contract number: a plain non-negative decimal
// written as a JSON string or number. It returns a message suitable for a
// FieldError when the text is rejected.
func ParseAmount(text string) (decimal.Decimal, string) {
	if text == "" {
		return decimal.Decimal{}, "empty number"
	}
	mant, exp := text, ""
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		mant, exp = text[:i], text[i+1:]
		if exp == "" {
			return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal number", text)
		}
		e, err := strconv.Atoi(exp)
		if err != nil {
			return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal number", text)
		}
		if e > maxExponent || e < -maxExponent {
			return decimal.Decimal{}, fmt.Sprintf("exponent of %q is out of range (±%d)", text, maxExponent)
		}
	}
	neg := strings.HasPrefix(mant, "-")
	digits := strings.TrimPrefix(mant, "-")
	if digits == "" || digits == "." {
		return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal number", text)
	}
	dots := 0
	for _, c := range digits {
		switch {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal number", text)
		}
	}
	if dots > 1 {
		return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal number", text)
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal number", text)
	}
	if neg && !d.IsZero() {
		return decimal.Decimal{}, fmt.Sprintf("%s must not be negative", text)
	}
	if neg {
		d = decimal.Zero
	}
	if !d.Equal(d.Truncate(maxDecimals)) {
		return decimal.Decimal{}, fmt.Sprintf("%s has more than %d decimals", text, maxDecimals)
	}
	if d.GreaterThan(maxValue) {
		return decimal.Decimal{}, fmt.Sprintf("%s is above 1e15", text)
	}
	return d, ""
}

// binder collects every fault of a request before giving up, so a user
// sees all of them at once.
type binder struct {
	errs []FieldError
}

func (b *binder) fail(path, code, format string, args ...any) {
	b.errs = append(b.errs, FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return fieldPath("$", key)
	}
	return fieldPath(path, key)
}

// object checks n is an object whose keys are all allowed and returns a
// lookup of its fields.
func (b *binder) object(n *jnode, path string, allowed ...string) map[string]*jnode {
	if n.kind != jObject {
		b.fail(orRoot(path), "invalid_type", "want an object, got %s", n.kind)
		return nil
	}
	m := make(map[string]*jnode, len(n.fields))
	for _, f := range n.fields {
		ok := false
		for _, a := range allowed {
			if a == f.key {
				ok = true
				break
			}
		}
		if !ok {
			b.fail(join(path, f.key), "unknown_field", "unknown field %q", f.key)
			continue
		}
		m[f.key] = f.val
	}
	return m
}

func orRoot(path string) string {
	if path == "" {
		return "$"
	}
	return path
}

func (b *binder) str(m map[string]*jnode, path, key string) string {
	n, ok := m[key]
	if !ok || n.kind == jNull {
		return ""
	}
	if n.kind != jString {
		b.fail(join(path, key), "invalid_type", "want a string, got %s", n.kind)
		return ""
	}
	return n.str
}

func (b *binder) boolean(m map[string]*jnode, path, key string) bool {
	n, ok := m[key]
	if !ok || n.kind == jNull {
		return false
	}
	if n.kind != jBool {
		b.fail(join(path, key), "invalid_type", "want true or false, got %s", n.kind)
		return false
	}
	return n.b
}

func (b *binder) amount(m map[string]*jnode, path, key string) decimal.NullDecimal {
	n, ok := m[key]
	if !ok || n.kind == jNull {
		return decimal.NullDecimal{}
	}
	return b.amountNode(n, join(path, key))
}

func (b *binder) amountNode(n *jnode, path string) decimal.NullDecimal {
	if n.kind != jString && n.kind != jNumber {
		b.fail(path, "invalid_type", "want a decimal number as a string, got %s", n.kind)
		return decimal.NullDecimal{}
	}
	d, msg := ParseAmount(n.str)
	if msg != "" {
		b.fail(path, "invalid_number", "%s", msg)
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}
}

// whole reads a small whole number (days in a month).
func (b *binder) whole(m map[string]*jnode, path, key string, max int) (int, bool) {
	n, ok := m[key]
	if !ok || n.kind == jNull {
		return 0, false
	}
	p := join(path, key)
	if n.kind != jString && n.kind != jNumber {
		b.fail(p, "invalid_type", "want a whole number, got %s", n.kind)
		return 0, false
	}
	v, err := strconv.Atoi(n.str)
	if err != nil || v < 0 || v > max {
		b.fail(p, "invalid_number", "%q is not a whole number from 0 to %d", n.str, max)
		return 0, false
	}
	return v, true
}

func (b *binder) oneOf(m map[string]*jnode, path, key string, allowed ...string) string {
	s := b.str(m, path, key)
	if s == "" {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	b.fail(join(path, key), "invalid_value", "%q is not one of %s", s, strings.Join(allowed, ", "))
	return ""
}

// DecodeRequest reads a request in the contract's JSON shape. Every
// rejection is a *Error of KindInvalid naming the JSON path of each fault;
// nothing partial is returned.
func DecodeRequest(data []byte) (*Request, error) {
	root, ferr := parseTree(data)
	if ferr != nil {
		return nil, Invalid([]FieldError{*ferr})
	}
	b := &binder{}
	req := b.request(root)
	if len(b.errs) > 0 {
		return nil, Invalid(b.errs)
	}
	return req, nil
}

func (b *binder) request(root *jnode) *Request {
	m := b.object(root, "", "taxpayer", "region", "period", "rounding", "rates", "pollutant_rates", "policy", "sources")
	if m == nil {
		return nil
	}
	req := &Request{Rounding: PerLine2dp}
	if n, ok := m["taxpayer"]; ok && n.kind != jNull {
		tm := b.object(n, "taxpayer", "credit_code", "name")
		req.Taxpayer = Taxpayer{CreditCode: b.str(tm, "taxpayer", "credit_code"), Name: b.str(tm, "taxpayer", "name")}
	}
	req.Region = b.str(m, "", "region")
	if req.Region != "" && !isRegionCode(req.Region) {
		b.fail("region", "invalid_value", "%q is not a 6-digit GB/T 2260 code", req.Region)
	}
	if p := b.str(m, "", "period"); p != "" {
		per, msg := ParsePeriod(p)
		if msg != "" {
			b.fail("period", "invalid_value", "%s", msg)
		}
		req.Period = per
	}
	if r := b.oneOf(m, "", "rounding", string(PerLine2dp), string(Exact)); r != "" {
		req.Rounding = Rounding(r)
	}
	if n, ok := m["rates"]; ok && n.kind != jNull {
		rm := b.object(n, "rates", KindAir, KindWater)
		req.Rates.Air = b.amount(rm, "rates", KindAir)
		req.Rates.Water = b.amount(rm, "rates", KindWater)
	}
	if n, ok := m["pollutant_rates"]; ok && n.kind != jNull {
		if n.kind != jObject {
			b.fail("pollutant_rates", "invalid_type", "want an object of pollutant name → rate, got %s", n.kind)
		} else {
			for _, f := range n.fields {
				p := "pollutant_rates." + f.key
				v := b.amountNode(f.val, p)
				if v.Valid {
					req.PollutantRates = append(req.PollutantRates, RateOverride{Name: f.key, Value: v.Decimal, Path: p})
				}
			}
		}
	}
	if n, ok := m["policy"]; ok && n.kind != jNull {
		pm := b.object(n, "policy", "reduction_boundary", "exceed_scope")
		req.Policy.ReductionBoundary = b.oneOf(pm, "policy", "reduction_boundary", "strict", "inclusive")
		req.Policy.ExceedScope = b.oneOf(pm, "policy", "exceed_scope", "taxpayer", "outlet", "pollutant")
	}
	n, ok := m["sources"]
	switch {
	case !ok || n.kind == jNull:
		b.fail("sources", "required", "at least one source is required")
	case n.kind != jArray:
		b.fail("sources", "invalid_type", "want an array, got %s", n.kind)
	case len(n.items) == 0:
		b.fail("sources", "required", "at least one source is required")
	default:
		req.Sources = make([]Source, 0, len(n.items))
		for i, it := range n.items {
			req.Sources = append(req.Sources, b.source(it, "sources["+strconv.Itoa(i)+"]"))
		}
	}
	return req
}

// Fields each source kind may carry, besides the common ones.
var sourceFields = map[string][]string{
	KindAir:        {"fugitive", "pollutants", "penalty", "facility"},
	KindWater:      {"wastewater_t", "pollutants", "penalty", "facility"},
	KindNoise:      {"day", "night", "boundary_over_100m_multiple_points"},
	KindSolidWaste: {"waste", "generated_t", "stored_t", "disposed_t", "utilized_t", "penalty"},
	KindLivestock:  {"species", "stock_start", "stock_end"},
	KindSampling:   {"item", "quantity", "beds"},
}

var commonSourceFields = []string{"id", "kind", "month", "name", "exemption"}

func (b *binder) source(n *jnode, path string) Source {
	s := Source{Path: path}
	if n.kind != jObject {
		b.fail(path, "invalid_type", "want an object, got %s", n.kind)
		return s
	}
	// Read the kind first: it decides which other fields are allowed.
	for _, f := range n.fields {
		if f.key == "kind" && f.val.kind == jString {
			s.Kind = f.val.str
		}
	}
	extra, ok := sourceFields[s.Kind]
	if !ok {
		if s.Kind == "" {
			b.fail(join(path, "kind"), "required", "kind is required (air, water, noise, solid_waste, livestock, sampling)")
		} else {
			b.fail(join(path, "kind"), "invalid_value", "%q is not one of air, water, noise, solid_waste, livestock, sampling", s.Kind)
		}
		return s
	}
	m := b.object(n, path, append(append([]string{}, commonSourceFields...), extra...)...)
	s.ID = b.str(m, path, "id")
	if strings.TrimSpace(s.ID) == "" {
		b.fail(join(path, "id"), "required", "the outlet or source number (排放口编号/噪声源编号) is required")
	}
	s.MonthRaw = b.str(m, path, "month")
	if s.MonthRaw == "" {
		b.fail(join(path, "month"), "required", "month (YYYY-MM) is required")
	} else if mo, ok := parseMonth(s.MonthRaw); ok {
		s.Month = mo
	} else {
		b.fail(join(path, "month"), "invalid_value", "%q is not a month YYYY-MM", s.MonthRaw)
	}
	s.Exemption = b.str(m, path, "exemption")
	s.Penalty = b.str(m, path, "penalty")
	s.Facility = b.oneOf(m, path, "facility", "centralized_treatment")
	switch s.Kind {
	case KindAir, KindWater:
		s.Fugitive = b.boolean(m, path, "fugitive")
		s.WastewaterT = b.amount(m, path, "wastewater_t")
		pn, ok := m["pollutants"]
		switch {
		case !ok || pn.kind == jNull || (pn.kind == jArray && len(pn.items) == 0):
			b.fail(join(path, "pollutants"), "required", "at least one pollutant is required")
		case pn.kind != jArray:
			b.fail(join(path, "pollutants"), "invalid_type", "want an array, got %s", pn.kind)
		default:
			s.Pollutants = make([]PollutantInput, 0, len(pn.items))
			for i, it := range pn.items {
				s.Pollutants = append(s.Pollutants, b.pollutant(it, join(path, "pollutants")+"["+strconv.Itoa(i)+"]"))
			}
		}
	case KindNoise:
		s.Day = b.noisePeriod(m, path, "day")
		s.Night = b.noisePeriod(m, path, "night")
		_, hasDay := m["day"]
		_, hasNight := m["night"]
		if !hasDay && !hasNight {
			b.fail(join(path, "day"), "required", "a noise source needs day or night readings")
		}
		s.BoundaryOver100mMultiplePoints = b.boolean(m, path, "boundary_over_100m_multiple_points")
	case KindSolidWaste:
		s.Waste = b.str(m, path, "waste")
		if s.Waste == "" {
			b.fail(join(path, "waste"), "required", "waste (煤矸石, 尾矿, 危险废物, 冶炼渣, 粉煤灰, 炉渣, 其他固体废物) is required")
		}
		s.GeneratedT = b.amount(m, path, "generated_t")
		if !s.GeneratedT.Valid {
			b.requiredIfAbsent(m, path, "generated_t", "产生量 generated_t is required")
		}
		s.StoredT = b.amount(m, path, "stored_t")
		s.DisposedT = b.amount(m, path, "disposed_t")
		s.UtilizedT = b.amount(m, path, "utilized_t")
	case KindLivestock:
		s.Species = b.str(m, path, "species")
		if s.Species == "" {
			b.fail(join(path, "species"), "required", "species (牛, 猪, 鸡, 鸭, 家禽) is required")
		}
		s.StockStart = b.amount(m, path, "stock_start")
		s.StockEnd = b.amount(m, path, "stock_end")
		if !s.StockStart.Valid {
			b.requiredIfAbsent(m, path, "stock_start", "月初存栏 stock_start is required")
		}
		if !s.StockEnd.Valid {
			b.requiredIfAbsent(m, path, "stock_end", "月末存栏 stock_end is required")
		}
	case KindSampling:
		s.Item = b.str(m, path, "item")
		if s.Item == "" {
			b.fail(join(path, "item"), "required", "item (a row of table IV, e.g. 小型企业) is required")
		}
		s.Quantity = b.amount(m, path, "quantity")
		if !s.Quantity.Valid {
			b.requiredIfAbsent(m, path, "quantity", "quantity (特征指标数量) is required")
		}
		s.Beds = b.amount(m, path, "beds")
	}
	return s
}

// requiredIfAbsent reports a missing field, unless the field was present
// but malformed (already reported).
func (b *binder) requiredIfAbsent(m map[string]*jnode, path, key, msg string) {
	if n, ok := m[key]; ok && n.kind != jNull {
		return
	}
	b.fail(join(path, key), "required", "%s", msg)
}

func (b *binder) noisePeriod(m map[string]*jnode, path, key string) *NoisePeriod {
	n, ok := m[key]
	if !ok || n.kind == jNull {
		return nil
	}
	p := join(path, key)
	pm := b.object(n, p, "limit_db", "measured_db", "exceed_days")
	if pm == nil {
		return nil
	}
	np := &NoisePeriod{Path: p}
	lim := b.amount(pm, p, "limit_db")
	meas := b.amount(pm, p, "measured_db")
	if !lim.Valid {
		b.requiredIfAbsent(pm, p, "limit_db", "the standard limit in dB is required")
	}
	if !meas.Valid {
		b.requiredIfAbsent(pm, p, "measured_db", "the highest measured level in dB is required")
	}
	days, ok := b.whole(pm, p, "exceed_days", 31)
	if !ok {
		b.requiredIfAbsent(pm, p, "exceed_days", "exceed_days (days, or nights, exceeding in the month) is required: fewer than 15 halves the tax")
	}
	np.LimitDB, np.MeasuredDB, np.ExceedDays = lim.Decimal, meas.Decimal, days
	return np
}

func (b *binder) pollutant(n *jnode, path string) PollutantInput {
	p := PollutantInput{Path: path}
	m := b.object(n, path, "name", "emission_kg", "emission_t", "generated_kg", "method",
		"avg_concentration", "max_concentration", "standard_concentration", "exceeds_standard",
		"value", "measured", "standard", "exceed_multiple")
	if m == nil {
		return p
	}
	p.Name = strings.TrimSpace(b.str(m, path, "name"))
	if p.Name == "" {
		b.requiredIfAbsent(m, path, "name", "the pollutant name is required")
	}
	p.EmissionKg = b.amount(m, path, "emission_kg")
	p.EmissionT = b.amount(m, path, "emission_t")
	if p.EmissionKg.Valid && p.EmissionT.Valid {
		b.fail(join(path, "emission_t"), "invalid_value", "give emission_kg or emission_t, not both")
	}
	p.GeneratedKg = b.amount(m, path, "generated_kg")
	p.Method = b.oneOf(m, path, "method", "automatic", "monitoring", "self_monitoring", "factor", "material_balance", "sampling")
	p.AvgConcentration = b.amount(m, path, "avg_concentration")
	p.MaxConcentration = b.amount(m, path, "max_concentration")
	p.StandardConcentration = b.amount(m, path, "standard_concentration")
	if p.StandardConcentration.Valid && p.StandardConcentration.Decimal.IsZero() {
		b.fail(join(path, "standard_concentration"), "invalid_number", "the standard concentration must be above zero")
	}
	p.ExceedsStandard = b.boolean(m, path, "exceeds_standard")
	p.Value = b.amount(m, path, "value")
	p.Measured = b.amount(m, path, "measured")
	p.Standard = b.amount(m, path, "standard")
	p.ExceedMultiple = b.amount(m, path, "exceed_multiple")
	return p
}

func isRegionCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func parseMonth(s string) (Month, bool) {
	if len(s) != 7 || s[4] != '-' {
		return 0, false
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || y < 2018 || y > 2999 || m < 1 || m > 12 || s[5] == '+' || s[5] == '-' {
		return 0, false
	}
	return Month(y*100 + m), true
}

// ParsePeriod reads YYYY-MM, YYYY-Qn or YYYY-MM-DD.
func ParsePeriod(s string) (Period, string) {
	bad := fmt.Sprintf("%q is not a period: YYYY-MM, YYYY-Qn or YYYY-MM-DD", s)
	if len(s) < 7 || s[4] != '-' {
		return Period{}, bad
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil || y < 2018 || y > 2999 {
		return Period{}, bad + " (the tax exists from 2018)"
	}
	switch {
	case len(s) == 7 && s[5] == 'Q':
		q := int(s[6] - '0')
		if q < 1 || q > 4 {
			return Period{}, bad
		}
		return Period{Kind: PeriodQuarter, Text: s, Year: y, First: 3*q - 2, Last: 3 * q}, ""
	case len(s) == 7:
		m, ok := parseMonth(s)
		if !ok {
			return Period{}, bad
		}
		return Period{Kind: PeriodMonth, Text: s, Year: y, First: m.Num(), Last: m.Num()}, ""
	case len(s) == 10 && s[7] == '-':
		m, ok := parseMonth(s[:7])
		d, err := strconv.Atoi(s[8:])
		if !ok || err != nil || d < 1 || d > param.DaysIn(y, m.Num()) {
			return Period{}, bad
		}
		return Period{Kind: PeriodOnce, Text: s, Year: y, First: m.Num(), Last: m.Num(), Day: d}, ""
	}
	return Period{}, bad
}
