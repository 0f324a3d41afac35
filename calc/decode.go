package calc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
)

// Limits on input numbers (contract: "Numbers"): the policy every decoder
// shares (calc/jsonin/limits.go), checked here on a fast path because
// this runs for every number of every request.
const (
	maxDecimals = jsonin.MaxDecimals
	maxExponent = jsonin.MaxExponent // |exponent| written in scientific notation
)

var maxValue = jsonin.MaxMagnitude

// ParseAmount reads one contract number: a plain non-negative decimal
// written as a JSON string or number. It returns a message suitable for a
// FieldError when the text is rejected.
func ParseAmount(text string) (decimal.Decimal, string) {
	if d, ok := plainAmount(text); ok {
		return d, ""
	}
	if text == "" {
		return decimal.Decimal{}, "empty number"
	}
	if err := jsonin.TooLong(text); err != nil {
		return decimal.Decimal{}, err.Error()
	}
	mant, exp, e := text, "", 0
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		mant, exp = text[:i], text[i+1:]
		if exp == "" {
			return decimal.Decimal{}, fmt.Sprintf("%q is not a decimal number", text)
		}
		var err error
		e, err = strconv.Atoi(exp)
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
	// The two range checks compare decimals only when the digits say the
	// answer is not obvious: comparing across exponents costs a big.Int
	// power of ten, and this runs for every number of every request.
	if d.Exponent() < -maxDecimals && !d.Equal(d.Truncate(maxDecimals)) {
		return decimal.Decimal{}, fmt.Sprintf("%s has more than %d decimals", text, maxDecimals)
	}
	intDigits := strings.TrimLeft(digits, "0")
	if i := strings.IndexByte(intDigits, '.'); i >= 0 {
		intDigits = intDigits[:i]
	}
	if len(intDigits)+e > 15 && d.GreaterThan(maxValue) {
		return decimal.Decimal{}, fmt.Sprintf("%s is above 1e15", text)
	}
	return d, ""
}

// plainAmount reads the common number: digits with at most one inner
// dot, no sign, no exponent, at most 15 digits before the dot and
// maxDecimals after it (so in range, and at most 18 digits in all). It
// gives the coefficient and exponent decimal.NewFromString gives, without
// its big.Int parsing; anything else goes the long way.
func plainAmount(text string) (decimal.Decimal, bool) {
	c, exp, ok := plainCoefficient(text)
	if !ok {
		return decimal.Decimal{}, false
	}
	return decimal.New(c, exp), true
}

// plainCoefficient is plainAmount's coefficient and exponent.
func plainCoefficient(text string) (int64, int32, bool) {
	if len(text) == 0 || len(text) > 19 || text[0] == '.' || text[len(text)-1] == '.' {
		return 0, 0, false
	}
	var c int64
	dot, lead := -1, true
	intDigits := 0
	for i := 0; i < len(text); i++ {
		ch := text[i]
		switch {
		case ch >= '0' && ch <= '9':
			c = c*10 + int64(ch-'0')
			if dot < 0 {
				if lead && ch == '0' {
					continue
				}
				lead = false
				intDigits++
			}
		case ch == '.' && dot < 0:
			dot = i
		default:
			return 0, 0, false
		}
	}
	frac := 0
	if dot >= 0 {
		frac = len(text) - dot - 1
	}
	if intDigits > 15 || frac > maxDecimals || len(text)-min(dot+1, 1) > 18 {
		return 0, 0, false
	}
	return c, -int32(frac), true
}

// maxDepth bounds nesting; the contract needs 4 levels.
const maxDepth = 16

// amount is ParseAmount as a jsonin.NumberFunc.
func amount(text string) (decimal.Decimal, error) {
	d, msg := ParseAmount(text)
	if msg != "" {
		return decimal.Decimal{}, errors.New(msg)
	}
	return d, nil
}

// FieldErrors converts the faults found by calc/jsonin (which cannot
// import calc) into FieldErrors.
func FieldErrors(errs []jsonin.Error) []FieldError {
	out := make([]FieldError, len(errs))
	for i, e := range errs {
		out[i] = FieldError(e)
	}
	return out
}

// DecodeRequest reads a request in the contract's JSON shape: the JSON's
// shape, types and numbers here, then the request's own rules
// (Request.Validate). Every rejection is a *Error of KindInvalid naming
// the JSON path of each fault, all of them at once; nothing partial is
// returned.
func DecodeRequest(data []byte) (*Request, error) {
	if req, ok := fastRequest(data); ok {
		// What the fast path reads passes Validate: it steps aside at
		// every value Validate would fault (each of validate.go's checks
		// is made where the value is read). The tests hold it to that
		// (sameDecoding over the shipped requests and their variants,
		// FuzzFastDecode); validating again was a quarter of decoding.
		return req, nil
	}
	return decodeStrict(data)
}

// decodeStrict is DecodeRequest without the fast path (fastdecode.go):
// the reference the fast path is tested against.
func decodeStrict(data []byte) (*Request, error) {
	return DecodeFrom(jsonin.Bytes(data, maxDepth))
}

// DecodeFrom is DecodeRequest of a request from src: a document's bytes,
// or a request already parsed inside another document (the budget's
// monthly requests).
func DecodeFrom(src jsonin.Source) (*Request, error) {
	var req *Request
	errs := src(amount, func(o *jsonin.Object) { req = readRequest(o) })
	faults := FieldErrors(errs)
	if req != nil {
		// The number reader has applied the number policy to every amount.
		v := validator{}
		v.request(req)
		faults = mergeFaults(faults, v.errs)
	}
	if len(faults) > 0 {
		return nil, Invalid(faults)
	}
	return req, nil
}

// readRequest reads the request's fields as they are written; what they
// must be is Validate's.
func readRequest(o *jsonin.Object) *Request {
	o.Only("taxpayer", "region", "period", "rounding", "rates", "pollutant_rates", "policy", "sources")
	req := &Request{Rounding: PerLine2dp}
	if t := o.Object("taxpayer").Only("credit_code", "name"); t != nil {
		req.Taxpayer = Taxpayer{CreditCode: t.Str("credit_code", false), Name: t.Str("name", false)}
	}
	req.Region = o.Str("region", false)
	if p := o.Str("period", false); p != "" {
		per, msg := ParsePeriod(p)
		if msg != "" {
			o.Fail("period", "invalid_value", "%s", msg)
		}
		req.Period = per
	}
	if r := o.Str("rounding", false); r != "" {
		req.Rounding = Rounding(r)
	}
	rates := o.Object("rates").Only(KindAir, KindWater)
	req.Rates.Air = rates.Decimal(KindAir, false)
	req.Rates.Water = rates.Decimal(KindWater, false)
	if v := o.Get("pollutant_rates"); v != nil {
		if v.Kind != jsonin.KindObject {
			o.Fail("pollutant_rates", "invalid_type", "want an object of pollutant name → rate, got %s", v.Kind)
		} else {
			for _, f := range v.Fields {
				p := jsonin.Key(o.At("pollutant_rates"), f.Key)
				if d := o.Reader().Decimal(f.Value, p); d.Valid {
					req.PollutantRates = append(req.PollutantRates, RateOverride{Name: f.Key, Value: d.Decimal, Path: p})
				}
			}
		}
	}
	policy := o.Object("policy").Only("reduction_boundary", "exceed_scope")
	req.Policy.ReductionBoundary = policy.Str("reduction_boundary", false)
	req.Policy.ExceedScope = policy.Str("exceed_scope", false)
	req.Sources = list(o, "sources", readSource)
	return req
}

// list reads an array of objects with read.
func list[T any](o *jsonin.Object, key string, read func(*jsonin.Object) T) []T {
	var out []T
	if v := o.Get(key); v != nil && v.Kind == jsonin.KindArray {
		out = make([]T, 0, len(v.Items))
	}
	for item := range o.Objects(key) {
		out = append(out, read(item))
	}
	return out
}

// Fields each source kind may carry, besides the common ones.
var sourceFields = map[string][]string{
	KindAir:        {"fugitive", "pollutants", "penalty", "facility"},
	KindWater:      {"wastewater_t", "pollutants", "penalty", "facility"},
	KindNoise:      {"day", "night", "boundary_over_100m_multiple_points", "boundary", "boundary_length_m"},
	KindSolidWaste: {"waste", "generated_t", "stored_t", "disposed_t", "utilized_t", "penalty", "deductions_measured", "hazardous_class"},
	KindLivestock:  {"species", "stock_start", "stock_end", "has_outlet"},
	KindSampling:   {"item", "quantity", "beds"},
}

var commonSourceFields = []string{"id", "kind", "month", "name", "exemption"}

// allowedSourceFields is sourceFields with the common ones, built once.
var allowedSourceFields = func() map[string][]string {
	m := make(map[string][]string, len(sourceFields))
	for k, extra := range sourceFields {
		m[k] = append(append([]string{}, commonSourceFields...), extra...)
	}
	return m
}()

func readSource(o *jsonin.Object) Source {
	s := Source{Path: o.Path}
	// Read the kind first: it decides which other fields are allowed.
	if v := o.Get("kind"); v != nil && v.Kind == jsonin.KindString {
		s.Kind = v.Text
	}
	allowed, ok := allowedSourceFields[s.Kind]
	if !ok {
		return s // Validate names the kind; the rest cannot be judged without it
	}
	o.Only(allowed...)
	s.ID = o.Str("id", false)
	s.MonthRaw = o.Str("month", false)
	s.Month, _ = parseMonth(s.MonthRaw)
	s.Exemption = o.Str("exemption", false)
	s.Penalty = o.Str("penalty", false)
	s.Facility = o.Str("facility", false)
	switch s.Kind {
	case KindAir, KindWater:
		s.Fugitive, _ = o.Bool("fugitive")
		s.WastewaterT = o.Decimal("wastewater_t", false)
		s.Pollutants = list(o, "pollutants", readPollutant)
	case KindNoise:
		s.Day = readNoisePeriod(o, "day")
		s.Night = readNoisePeriod(o, "night")
		s.BoundaryOver100mMultiplePoints, _ = o.Bool("boundary_over_100m_multiple_points")
		s.Boundary = strings.TrimSpace(o.Str("boundary", false))
		s.BoundaryLengthM = o.Decimal("boundary_length_m", false)
	case KindSolidWaste:
		s.Waste = o.Str("waste", false)
		s.GeneratedT = o.Decimal("generated_t", false)
		s.HazardousClass = strings.TrimSpace(o.Str("hazardous_class", false))
		s.StoredT = o.Decimal("stored_t", false)
		s.DisposedT = o.Decimal("disposed_t", false)
		s.UtilizedT = o.Decimal("utilized_t", false)
		var measured bool
		measured, s.DeductionsGiven = o.Bool("deductions_measured")
		s.DeductionsNotMeasured = s.DeductionsGiven && !measured
	case KindLivestock:
		s.Species = o.Str("species", false)
		s.StockStart = o.Decimal("stock_start", false)
		s.StockEnd = o.Decimal("stock_end", false)
		var outlet bool
		outlet, s.OutletGiven = o.Bool("has_outlet")
		s.NoOutlet = s.OutletGiven && !outlet
	case KindSampling:
		s.Item = o.Str("item", false)
		s.Quantity = o.Decimal("quantity", false)
		s.Beds = o.Decimal("beds", false)
	}
	return s
}

// whole reads a small whole number (days in a month).
func whole(o *jsonin.Object, key string, max int) (int, bool) {
	v := o.Get(key)
	if v == nil {
		return 0, false
	}
	if v.Kind != jsonin.KindString && v.Kind != jsonin.KindNumber {
		o.Fail(key, "invalid_type", "want a whole number, got %s", v.Kind)
		return 0, false
	}
	n, err := strconv.Atoi(v.Text)
	if err != nil || n < 0 || n > max {
		o.Fail(key, "invalid_number", "%q is not a whole number from 0 to %d", v.Text, max)
		return 0, false
	}
	return n, true
}

func readNoisePeriod(o *jsonin.Object, key string) *NoisePeriod {
	po := o.Object(key).Only("limit_db", "measured_db", "exceed_days", "peak_db", "burst")
	if po == nil {
		return nil
	}
	np := &NoisePeriod{Path: po.Path}
	np.LimitDB = po.Decimal("limit_db", false)
	np.MeasuredDB = po.Decimal("measured_db", false)
	np.ExceedDays, np.ExceedDaysGiven = whole(po, "exceed_days", 31)
	np.Burst = po.Str("burst", false)
	np.PeakDB = po.Decimal("peak_db", false)
	return np
}

func readPollutant(o *jsonin.Object) PollutantInput {
	p := PollutantInput{Path: o.Path}
	o.Only("name", "emission_kg", "emission_t", "generated_kg", "method",
		"avg_concentration", "max_concentration", "standard_concentration", "exceeds_standard",
		"monitoring_month", "below_detection_limit",
		"value", "measured", "standard", "exceed_multiple")
	p.Name = strings.TrimSpace(o.Str("name", false))
	p.EmissionKg = o.Decimal("emission_kg", false)
	p.EmissionT = o.Decimal("emission_t", false)
	p.GeneratedKg = o.Decimal("generated_kg", false)
	p.Method = o.Str("method", false)
	p.AvgConcentration = o.Decimal("avg_concentration", false)
	p.MaxConcentration = o.Decimal("max_concentration", false)
	p.StandardConcentration = o.Decimal("standard_concentration", false)
	p.ExceedsStandard, _ = o.Bool("exceeds_standard")
	if m := o.Str("monitoring_month", false); m != "" {
		p.MonitoringMonthRaw = m
		p.MonitoringMonth, _ = parseMonth(m)
	}
	p.BelowDetectionLimit, _ = o.Bool("below_detection_limit")
	p.Value = o.Decimal("value", false)
	p.Measured = o.Decimal("measured", false)
	p.Standard = o.Decimal("standard", false)
	p.ExceedMultiple = o.Decimal("exceed_multiple", false)
	return p
}

// ParseMonth reads a tax month YYYY-MM (from 2018).
func ParseMonth(s string) (Month, bool) { return parseMonth(s) }

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
	p, ok := parsePeriod(s)
	if ok {
		return p, ""
	}
	bad := fmt.Sprintf("%q is not a period: YYYY-MM, YYYY-Qn or YYYY-MM-DD", s)
	if y, err := strconv.Atoi(s[:min(4, len(s))]); err == nil && len(s) >= 7 && s[4] == '-' && (y < 2018 || y > 2999) {
		bad += " (the tax exists from 2018)"
	}
	return Period{}, bad
}

// parsePeriod reads a period without building a message, so the common,
// valid case allocates nothing.
func parsePeriod(s string) (Period, bool) {
	if len(s) < 7 || s[4] != '-' {
		return Period{}, false
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil || y < 2018 || y > 2999 {
		return Period{}, false
	}
	switch {
	case len(s) == 7 && s[5] == 'Q':
		q := int(s[6] - '0')
		if q < 1 || q > 4 {
			return Period{}, false
		}
		return Period{Kind: PeriodQuarter, Text: s, Year: y, First: 3*q - 2, Last: 3 * q}, true
	case len(s) == 7:
		m, ok := parseMonth(s)
		if !ok {
			return Period{}, false
		}
		return Period{Kind: PeriodMonth, Text: s, Year: y, First: m.Num(), Last: m.Num()}, true
	case len(s) == 10 && s[7] == '-':
		m, ok := parseMonth(s[:7])
		d, err := strconv.Atoi(s[8:])
		if !ok || err != nil || d < 1 || d > param.DaysIn(y, m.Num()) {
			return Period{}, false
		}
		return Period{Kind: PeriodOnce, Text: s, Year: y, First: m.Num(), Last: m.Num(), Day: d}, true
	}
	return Period{}, false
}

// trimSpace is strings.TrimSpace, answering without decoding runes when
// the text plainly neither starts nor ends with white space: its first
// byte is printable ASCII or leads a 3-byte character from U+4000 up
// (E4–EF), and so does its last character. Every white space character
// unicode.IsSpace knows is ASCII or starts with C2, E1, E2 or E3.
func trimSpace(s string) string {
	n := len(s)
	if n == 0 {
		return s
	}
	first := s[0] > ' ' && s[0] < utf8.RuneSelf || s[0] >= 0xE4 && s[0] <= 0xEF
	last := s[n-1] > ' ' && s[n-1] < utf8.RuneSelf ||
		n >= 3 && s[n-3] >= 0xE4 && s[n-3] <= 0xEF && s[n-2]&0xC0 == 0x80 && s[n-1]&0xC0 == 0x80
	if first && last {
		return s
	}
	return strings.TrimSpace(s)
}
