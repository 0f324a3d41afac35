package web

import (
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// Request reads the form into the engine's request: every figure as the
// contract reads a number (calc.ParseAmount, after NormalizeNumber has
// taken out thousands separators and full-width digits), then the
// request's own rules (calc.Request.ValidateAfter). It returns the request
// or every fault, each at the form's name for the input, which is its
// contract path. The form is never written as JSON on the way: the JSON
// is only for the user to download (JSON).
func (f *Form) Request() (*calc.Request, []calc.FieldError) {
	r := formReader{}
	req := &calc.Request{
		Taxpayer: calc.Taxpayer{CreditCode: f.Top["taxpayer.credit_code"], Name: f.Top["taxpayer.name"]},
		Region:   f.Top["region"],
		Rounding: calc.PerLine2dp,
	}
	if p := f.Top["period"]; p != "" {
		per, msg := calc.ParsePeriod(p)
		if msg != "" {
			r.fail("period", "invalid_value", msg)
		}
		req.Period = per
	}
	if v := f.Top["rounding"]; v != "" {
		req.Rounding = calc.Rounding(v)
	}
	req.Sources = make([]calc.Source, len(f.Sources))
	for i, fs := range f.Sources {
		r.source(&req.Sources[i], fs, "sources["+strconv.Itoa(i)+"]")
	}
	if errs := req.ValidateAfter(r.errs); len(errs) > 0 {
		return nil, errs
	}
	return req, nil
}

// formReader collects the faults of reading the form's text.
type formReader struct {
	errs []calc.FieldError
}

func (r *formReader) fail(path, code, msg string) {
	r.errs = append(r.errs, calc.FieldError{Path: path, Code: code, Message: msg})
}

// number reads a figure; "" is no figure.
func (r *formReader) number(vals map[string]string, key, path string) decimal.NullDecimal {
	v := vals[key]
	if v == "" {
		return decimal.NullDecimal{}
	}
	d, msg := calc.ParseAmount(NormalizeNumber(v))
	if msg != "" {
		r.fail(path+"."+key, "invalid_number", msg)
		return decimal.NullDecimal{}
	}
	return decimal.NewNullDecimal(d)
}

// checked reads a checkbox: present as true or on.
func checked(vals map[string]string, key string) bool {
	v := vals[key]
	return v == "true" || v == "on"
}

func (r *formReader) source(s *calc.Source, fs *FormSource, path string) {
	F := fs.F
	s.Path = path
	s.Kind = F["kind"]
	if _, known := KindLabel[s.Kind]; !known {
		return // Validate names the kind; nothing else can be judged without it
	}
	has := func(key string) bool {
		d, ok := defByKey(SourceFields, key)
		return ok && d.forKind(s.Kind)
	}
	s.ID = F["id"]
	s.MonthRaw = F["month"]
	s.Month, _ = calc.ParseMonth(s.MonthRaw)
	s.Exemption = F["exemption"]
	if has("penalty") {
		s.Penalty = F["penalty"]
	}
	if has("facility") {
		s.Facility = F["facility"]
	}
	switch s.Kind {
	case calc.KindAir, calc.KindWater:
		s.Fugitive = has("fugitive") && checked(F, "fugitive")
		if has("wastewater_t") {
			s.WastewaterT = r.number(F, "wastewater_t", path)
		}
		s.Pollutants = make([]calc.PollutantInput, len(fs.Pollutants))
		for j, row := range fs.Pollutants {
			r.pollutant(&s.Pollutants[j], row, s.Kind, path+".pollutants["+strconv.Itoa(j)+"]")
		}
	case calc.KindNoise:
		s.Day = r.noise(F, "day", path)
		s.Night = r.noise(F, "night", path)
		s.BoundaryOver100mMultiplePoints = checked(F, "boundary_over_100m_multiple_points")
	case calc.KindSolidWaste:
		s.Waste = F["waste"]
		s.GeneratedT = r.number(F, "generated_t", path)
		s.StoredT = r.number(F, "stored_t", path)
		s.DisposedT = r.number(F, "disposed_t", path)
		s.UtilizedT = r.number(F, "utilized_t", path)
	case calc.KindLivestock:
		s.Species = F["species"]
		s.StockStart = r.number(F, "stock_start", path)
		s.StockEnd = r.number(F, "stock_end", path)
	case calc.KindSampling:
		s.Item = F["item"]
		s.Quantity = r.number(F, "quantity", path)
		s.Beds = r.number(F, "beds", path)
	}
}

// noise reads the day or night readings; nil when none was entered.
func (r *formReader) noise(F map[string]string, nest, srcPath string) *calc.NoisePeriod {
	vals := map[string]string{}
	for _, k := range []string{"limit_db", "measured_db", "exceed_days"} {
		if v := F[nest+"."+k]; v != "" {
			vals[k] = v
		}
	}
	if len(vals) == 0 {
		return nil
	}
	path := srcPath + "." + nest
	np := &calc.NoisePeriod{Path: path, LimitDB: r.number(vals, "limit_db", path), MeasuredDB: r.number(vals, "measured_db", path)}
	if v, ok := vals["exceed_days"]; ok {
		n, err := strconv.Atoi(NormalizeNumber(v))
		if err != nil || n < 0 || n > 31 {
			r.fail(path+".exceed_days", "invalid_number", strconv.Quote(NormalizeNumber(v))+" is not a whole number from 0 to 31")
		} else {
			np.ExceedDays, np.ExceedDaysGiven = n, true
		}
	}
	return np
}

func (r *formReader) pollutant(p *calc.PollutantInput, row map[string]string, kind, path string) {
	has := func(key string) bool {
		d, ok := defByKey(PollutantFields, key)
		return ok && d.forKind(kind)
	}
	p.Path = path
	p.Name = strings.TrimSpace(row["name"])
	p.EmissionKg = r.number(row, "emission_kg", path)
	p.GeneratedKg = r.number(row, "generated_kg", path)
	p.Method = row["method"]
	p.AvgConcentration = r.number(row, "avg_concentration", path)
	p.MaxConcentration = r.number(row, "max_concentration", path)
	p.StandardConcentration = r.number(row, "standard_concentration", path)
	p.ExceedsStandard = checked(row, "exceeds_standard")
	if has("value") {
		p.Value = r.number(row, "value", path)
		p.Measured = r.number(row, "measured", path)
		p.Standard = r.number(row, "standard", path)
	}
}

// FormFromRequest lays a request out as the form, so a person can go on
// editing it (the pre-check page fills its form from an uploaded
// workbook this way). It also names every value the form has no input
// for: those would be lost, and the caller must say so rather than drop
// them silently.
func FormFromRequest(req *calc.Request) (*Form, []string) {
	f := &Form{Top: map[string]string{}}
	var dropped []string
	put := func(m map[string]string, key, v string) {
		if v != "" {
			m[key] = v
		}
	}
	num := func(m map[string]string, key string, d decimal.NullDecimal) {
		if d.Valid {
			// As written, trailing zeros kept: 100.50 stays 100.50.
			m[key] = d.Decimal.StringFixed(max(0, -d.Decimal.Exponent()))
		}
	}
	flag := func(m map[string]string, key string, on bool) {
		if on {
			m[key] = "true"
		}
	}
	put(f.Top, "taxpayer.credit_code", req.Taxpayer.CreditCode)
	put(f.Top, "taxpayer.name", req.Taxpayer.Name)
	put(f.Top, "region", req.Region)
	put(f.Top, "period", req.Period.Text)
	put(f.Top, "rounding", string(req.Rounding))
	if req.Rates.Air.Valid || req.Rates.Water.Valid || len(req.PollutantRates) > 0 {
		dropped = append(dropped, "rates")
	}
	if req.Policy != (calc.Policy{}) {
		dropped = append(dropped, "policy")
	}
	for i := range req.Sources {
		s := &req.Sources[i]
		fs := &FormSource{F: map[string]string{}}
		F := fs.F
		put(F, "kind", s.Kind)
		put(F, "id", s.ID)
		put(F, "month", s.MonthRaw)
		put(F, "exemption", s.Exemption)
		put(F, "penalty", s.Penalty)
		put(F, "facility", s.Facility)
		flag(F, "fugitive", s.Fugitive)
		num(F, "wastewater_t", s.WastewaterT)
		for nest, np := range map[string]*calc.NoisePeriod{"day": s.Day, "night": s.Night} {
			if np == nil {
				continue
			}
			num(F, nest+".limit_db", np.LimitDB)
			num(F, nest+".measured_db", np.MeasuredDB)
			if np.ExceedDaysGiven {
				F[nest+".exceed_days"] = strconv.Itoa(np.ExceedDays)
			}
			if np.Burst != "" || np.PeakDB.Valid {
				dropped = append(dropped, s.Path+"."+nest+".burst")
			}
		}
		flag(F, "boundary_over_100m_multiple_points", s.BoundaryOver100mMultiplePoints)
		put(F, "waste", s.Waste)
		num(F, "generated_t", s.GeneratedT)
		num(F, "stored_t", s.StoredT)
		num(F, "disposed_t", s.DisposedT)
		num(F, "utilized_t", s.UtilizedT)
		put(F, "species", s.Species)
		num(F, "stock_start", s.StockStart)
		num(F, "stock_end", s.StockEnd)
		put(F, "item", s.Item)
		num(F, "quantity", s.Quantity)
		num(F, "beds", s.Beds)
		for key, set := range map[string]bool{
			"boundary": s.Boundary != "", "boundary_length_m": s.BoundaryLengthM.Valid, "hazardous_class": s.HazardousClass != "",
			"deductions_measured": s.DeductionsGiven, "has_outlet": s.OutletGiven,
		} {
			if set {
				dropped = append(dropped, s.Path+"."+key)
			}
		}
		for j := range s.Pollutants {
			p := &s.Pollutants[j]
			row := map[string]string{}
			put(row, "name", p.Name)
			num(row, "emission_kg", p.EmissionKg)
			num(row, "generated_kg", p.GeneratedKg)
			put(row, "method", p.Method)
			num(row, "avg_concentration", p.AvgConcentration)
			num(row, "max_concentration", p.MaxConcentration)
			num(row, "standard_concentration", p.StandardConcentration)
			flag(row, "exceeds_standard", p.ExceedsStandard)
			num(row, "value", p.Value)
			num(row, "measured", p.Measured)
			num(row, "standard", p.Standard)
			for key, set := range map[string]bool{
				"emission_t": p.EmissionT.Valid, "monitoring_month": p.MonitoringMonthRaw != "",
				"below_detection_limit": p.BelowDetectionLimit, "exceed_multiple": p.ExceedMultiple.Valid,
			} {
				if set {
					dropped = append(dropped, p.Path+"."+key)
				}
			}
			fs.Pollutants = append(fs.Pollutants, row)
		}
		f.Sources = append(f.Sources, fs)
	}
	sort.Strings(dropped)
	return f, dropped
}
