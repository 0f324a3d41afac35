package calc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
)

// The rules a request must meet live on the request itself, so every
// builder is held to them in one place: DecodeRequest reads the contract's
// JSON (shape, types, number syntax) and then calls Validate; filing and
// the pre-check page build a Request directly and call Validate too. A
// fault of a direct build is therefore worded exactly as the decoder words
// it, without writing the request as JSON to find out.

// Validate reports every fault of the request's values, each with its
// path, all at once (nil when there is none). It checks what a request
// needs besides the shape of its JSON: required values per source kind,
// the closed lists (kinds, methods, rounding, policy readings), months and
// regions, noise readings that belong together, and every amount against
// the contract's number policy (non-negative, at most 12 decimals, at most
// 1e15). Paths are the sources' and pollutants' Path fields, or their
// position where a builder left them empty. An empty Rounding reads as
// per_line_2dp.
func (r *Request) Validate() []FieldError {
	v := validator{amounts: true}
	v.request(r)
	return v.errs
}

// ValidateAfter is Validate for a builder that has read its values from
// text and found faults doing so (read, at their paths): it returns those
// faults with every fault Validate finds away from them, so a malformed
// value is reported once and not also as missing. The pre-check form is
// such a builder; DecodeRequest is another.
func (r *Request) ValidateAfter(read []FieldError) []FieldError {
	v := validator{amounts: true}
	v.request(r)
	return mergeFaults(read, v.errs)
}

// validator collects faults. amounts is off after DecodeRequest, whose
// number reader has already applied the number policy to every amount.
type validator struct {
	errs    []FieldError
	amounts bool
}

func (v *validator) fail(path, key, code, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Path: jsonin.Key(path, key), Code: code, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) request(r *Request) {
	if r.Region != "" && !ValidRegion(r.Region) {
		v.fail("", "region", "invalid_value", "%q is not a 6-digit GB/T 2260 code", r.Region)
	}
	switch {
	case r.Period.Kind == PeriodNone && r.Period.Text != "":
		// A period kept as text because it did not parse.
		if _, msg := ParsePeriod(r.Period.Text); msg != "" {
			v.fail("", "period", "invalid_value", "%s", msg)
		}
	case r.Period.Kind != PeriodNone && !r.Period.valid():
		v.fail("", "period", "invalid_value", "%q is not a period: YYYY-MM, YYYY-Qn or YYYY-MM-DD", r.Period.Text)
	}
	if r.Rounding != "" && r.Rounding != PerLine2dp && r.Rounding != Exact {
		v.fail("", "rounding", "invalid_value", "%q is not one of %s, %s", r.Rounding, PerLine2dp, Exact)
	}
	v.amount("rates", KindAir, r.Rates.Air)
	v.amount("rates", KindWater, r.Rates.Water)
	for _, o := range r.PollutantRates {
		if v.amounts {
			if msg := amountFault(o.Value); msg != "" {
				path := o.Path
				if path == "" {
					path = jsonin.Key("pollutant_rates", o.Name)
				}
				v.errs = append(v.errs, FieldError{Path: path, Code: "invalid_number", Message: msg})
			}
		}
	}
	v.oneOf("policy", "reduction_boundary", r.Policy.ReductionBoundary, "strict", "inclusive")
	v.oneOf("policy", "exceed_scope", r.Policy.ExceedScope, "taxpayer", "outlet", "pollutant")
	if len(r.Sources) == 0 {
		v.fail("", "sources", "required", "at least one source is required")
	}
	for i := range r.Sources {
		v.source(&r.Sources[i], i)
	}
}

// valid reports whether a period built in code is one ParsePeriod could
// have read.
func (p Period) valid() bool {
	if p.Year < 2018 || p.Year > 2999 || p.First < 1 || p.Last > 12 || p.First > p.Last {
		return false
	}
	switch p.Kind {
	case PeriodMonth:
		return p.First == p.Last
	case PeriodQuarter:
		return p.First%3 == 1 && p.Last == p.First+2
	case PeriodOnce:
		return p.First == p.Last && p.Day >= 1 && p.Day <= param.DaysIn(p.Year, p.First)
	}
	return false
}

func (v *validator) oneOf(path, key, val string, allowed ...string) {
	if val == "" {
		return
	}
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.fail(path, key, "invalid_value", "%q is not one of %s", val, strings.Join(allowed, ", "))
}

// methods are the ways of working out an emission the contract knows.
var methods = []string{"automatic", "monitoring", "self_monitoring", "factor", "material_balance", "sampling"}

func (v *validator) source(s *Source, i int) {
	path := s.Path
	if path == "" {
		path = jsonin.Index("sources", i)
	}
	if _, known := sourceFields[s.Kind]; !known {
		if s.Kind == "" {
			v.fail(path, "kind", "required", "kind is required (air, water, noise, solid_waste, livestock, sampling)")
		} else {
			v.fail(path, "kind", "invalid_value", "%q is not one of air, water, noise, solid_waste, livestock, sampling", s.Kind)
		}
		return // the kind decides what else the source must carry
	}
	v.misplaced(s, path)
	if strings.TrimSpace(s.ID) == "" {
		v.fail(path, "id", "required", "the outlet or source number (排放口编号/噪声源编号) is required")
	}
	switch {
	case s.MonthRaw == "" && s.Month == 0:
		v.fail(path, "month", "required", "month (YYYY-MM) is required")
	case !s.Month.valid():
		v.fail(path, "month", "invalid_value", "%q is not a month YYYY-MM", s.MonthRaw)
	}
	v.oneOf(path, "facility", s.Facility, "centralized_treatment")
	switch s.Kind {
	case KindAir, KindWater:
		v.amount(path, "wastewater_t", s.WastewaterT)
		if len(s.Pollutants) == 0 {
			v.fail(path, "pollutants", "required", "at least one pollutant is required")
		}
		for j := range s.Pollutants {
			v.pollutant(&s.Pollutants[j], path, j)
		}
	case KindNoise:
		if s.Day == nil && s.Night == nil {
			v.fail(path, "day", "required", "a noise source needs day or night readings")
		}
		v.noise(s.Day, path, "day")
		v.noise(s.Night, path, "night")
		v.amount(path, "boundary_length_m", s.BoundaryLengthM)
	case KindSolidWaste:
		v.requiredStr(path, "waste", s.Waste, "waste (煤矸石, 尾矿, 危险废物, 冶炼渣, 粉煤灰, 炉渣, 其他固体废物) is required")
		v.requiredAmount(path, "generated_t", s.GeneratedT, "产生量 generated_t is required")
		v.amount(path, "stored_t", s.StoredT)
		v.amount(path, "disposed_t", s.DisposedT)
		v.amount(path, "utilized_t", s.UtilizedT)
	case KindLivestock:
		v.requiredStr(path, "species", s.Species, "species (牛, 猪, 鸡, 鸭, 家禽) is required")
		v.requiredAmount(path, "stock_start", s.StockStart, "月初存栏 stock_start is required")
		v.requiredAmount(path, "stock_end", s.StockEnd, "月末存栏 stock_end is required")
	case KindSampling:
		v.requiredStr(path, "item", s.Item, "item (a row of table IV, e.g. 小型企业) is required")
		v.requiredAmount(path, "quantity", s.Quantity, "quantity (特征指标数量) is required")
		v.amount(path, "beds", s.Beds)
	}
}

// misplaced reports values a source of its kind cannot carry (the decoder
// reports the same fields as unknown when they come as JSON).
func (v *validator) misplaced(s *Source, path string) {
	set := [...]struct {
		key string
		on  bool
	}{
		{"fugitive", s.Fugitive},
		{"pollutants", len(s.Pollutants) > 0},
		{"penalty", s.Penalty != ""},
		{"facility", s.Facility != ""},
		{"wastewater_t", s.WastewaterT.Valid},
		{"day", s.Day != nil},
		{"night", s.Night != nil},
		{"boundary_over_100m_multiple_points", s.BoundaryOver100mMultiplePoints},
		{"boundary", s.Boundary != ""},
		{"boundary_length_m", s.BoundaryLengthM.Valid},
		{"waste", s.Waste != ""},
		{"hazardous_class", s.HazardousClass != ""},
		{"generated_t", s.GeneratedT.Valid},
		{"stored_t", s.StoredT.Valid},
		{"disposed_t", s.DisposedT.Valid},
		{"utilized_t", s.UtilizedT.Valid},
		{"deductions_measured", s.DeductionsGiven},
		{"species", s.Species != ""},
		{"stock_start", s.StockStart.Valid},
		{"stock_end", s.StockEnd.Valid},
		{"has_outlet", s.OutletGiven},
		{"item", s.Item != ""},
		{"quantity", s.Quantity.Valid},
		{"beds", s.Beds.Valid},
	}
	allowed := sourceFields[s.Kind]
	for _, f := range set {
		if !f.on {
			continue
		}
		ok := false
		for _, a := range allowed {
			if a == f.key {
				ok = true
				break
			}
		}
		if !ok {
			v.fail(path, f.key, "unknown_field", "unknown field %q", f.key)
		}
	}
}

func (v *validator) requiredStr(path, key, val, msg string) {
	if val == "" {
		v.fail(path, key, "required", "%s", msg)
	}
}

func (v *validator) requiredAmount(path, key string, d decimal.NullDecimal, msg string) {
	if !d.Valid {
		v.fail(path, key, "required", "%s", msg)
		return
	}
	v.amount(path, key, d)
}

func (v *validator) noise(np *NoisePeriod, srcPath, key string) {
	if np == nil {
		return
	}
	path := np.Path
	if path == "" {
		path = jsonin.Key(srcPath, key)
	}
	v.requiredAmount(path, "limit_db", np.LimitDB, "the standard limit in dB is required")
	v.requiredAmount(path, "measured_db", np.MeasuredDB, "the highest measured level in dB is required")
	switch {
	case !np.ExceedDaysGiven:
		v.fail(path, "exceed_days", "required", "exceed_days (days, or nights, exceeding in the month) is required: fewer than 15 halves the tax")
	case np.ExceedDays < 0 || np.ExceedDays > 31:
		v.fail(path, "exceed_days", "invalid_number", "%q is not a whole number from 0 to %d", strconv.Itoa(np.ExceedDays), 31)
	}
	v.oneOf(path, "burst", np.Burst, "frequent", "occasional")
	v.amount(path, "peak_db", np.PeakDB)
	switch {
	case key != "night" && (np.Burst != "" || np.PeakDB.Valid):
		field := "burst"
		if np.PeakDB.Valid {
			field = "peak_db"
		}
		v.fail(path, field, "invalid_value", "bursts and peak levels are a night-time rule (附表一 噪声 注5: 夜间频繁突发和夜间偶然突发)")
	case np.Burst != "" && !np.PeakDB.Valid:
		v.fail(path, "peak_db", "required", "a night burst needs the month's highest peak level peak_db (最大声级)")
	case np.PeakDB.Valid && np.Burst == "":
		v.fail(path, "burst", "required", "peak_db needs burst: frequent (频发) or occasional (偶发)")
	}
}

func (v *validator) pollutant(p *PollutantInput, srcPath string, j int) {
	path := p.Path
	if path == "" {
		path = jsonin.Index(jsonin.Key(srcPath, "pollutants"), j)
	}
	if trimSpace(p.Name) == "" {
		v.fail(path, "name", "required", "the pollutant name is required")
	}
	if p.EmissionKg.Valid && p.EmissionT.Valid {
		v.fail(path, "emission_t", "invalid_value", "give emission_kg or emission_t, not both")
	}
	v.oneOf(path, "method", p.Method, methods...)
	if p.StandardConcentration.Valid && p.StandardConcentration.Decimal.IsZero() {
		v.fail(path, "standard_concentration", "invalid_number", "the standard concentration must be above zero")
	}
	if (p.MonitoringMonthRaw != "" || p.MonitoringMonth != 0) && !p.MonitoringMonth.valid() {
		v.fail(path, "monitoring_month", "invalid_value", "%q is not a month YYYY-MM (the month whose monitoring data the figures come from)", p.MonitoringMonthRaw)
	}
	if !v.amounts {
		return // the decoder's number reader has applied the policy (and listing them cost more than the rest)
	}
	for _, a := range [...]struct {
		key string
		d   decimal.NullDecimal
	}{
		{"emission_kg", p.EmissionKg}, {"emission_t", p.EmissionT}, {"generated_kg", p.GeneratedKg},
		{"avg_concentration", p.AvgConcentration}, {"max_concentration", p.MaxConcentration},
		{"standard_concentration", p.StandardConcentration},
		{"value", p.Value}, {"measured", p.Measured}, {"standard", p.Standard}, {"exceed_multiple", p.ExceedMultiple},
	} {
		v.amount(path, a.key, a.d)
	}
}

// amount applies the contract's number policy to a value built in code.
func (v *validator) amount(path, key string, d decimal.NullDecimal) {
	if !v.amounts || !d.Valid {
		return
	}
	if msg := amountFault(d.Decimal); msg != "" {
		v.fail(path, key, "invalid_number", "%s", msg)
	}
}

// amountFault is ParseAmount's verdict on a decimal, worded as ParseAmount
// words it for the decimal's text.
func amountFault(d decimal.Decimal) string {
	switch {
	case d.Sign() < 0:
		return fmt.Sprintf("%s must not be negative", d)
	case d.Exponent() < -maxDecimals && !d.Equal(d.Truncate(maxDecimals)):
		return fmt.Sprintf("%s has more than %d decimals", d, maxDecimals)
	case d.Exponent() <= 0 && param.Digits(d)+int(d.Exponent()) <= 15:
		// Fewer than 16 digits before the point: below 1e15 without comparing.
	case d.GreaterThan(maxValue):
		return fmt.Sprintf("%s is above 1e15", d)
	}
	return ""
}

// valid reports whether m is a tax month ParseMonth could have read.
func (m Month) valid() bool {
	return m.Year() >= 2018 && m.Year() <= 2999 && m.Num() >= 1 && m.Num() <= 12
}

// mergeFaults adds to the decoder's faults the validator's, except those
// at or around a path the decoder already reported (a malformed value is
// also a missing one; saying both is noise). The budget's decoders use
// the narrower MergeChecked (only a "required" at the same path is
// dropped), which keeps their faults exactly as they were when they read
// and checked in one pass.
func mergeFaults(decoded, validated []FieldError) []FieldError {
	for _, f := range validated {
		if !related(decoded, f.Path) {
			decoded = append(decoded, f)
		}
	}
	return decoded
}

func related(errs []FieldError, path string) bool {
	for _, e := range errs {
		if nested(e.Path, path) || nested(path, e.Path) {
			return true
		}
	}
	return false
}

// nested reports whether path is prefix or lies under it.
func nested(prefix, path string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	return len(path) == len(prefix) || path[len(prefix)] == '.' || path[len(prefix)] == '['
}
