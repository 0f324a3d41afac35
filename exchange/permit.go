package exchange

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// Permit is a 排污许可证 as the environment bureau registers it (法 第十五条
// 第二款): its HJ 608 number, validity and what it allows per outlet and
// pollutant. The exchange sends it in `permits` and beside each outlet in
// `polluters`.
type Permit struct {
	CreditCode string       `json:"credit_code" db:"credit_code"`
	PermitNo   string       `json:"permit_no" db:"permit_no"`
	ValidFrom  filing.Date  `json:"valid_from" db:"valid_from"`
	ValidTo    filing.Date  `json:"valid_to" db:"valid_to"`
	Lines      []PermitLine `json:"lines"`
	CreatedBy  string       `json:"created_by" db:"created_by"`
	CreatedAt  time.Time    `json:"created_at" db:"created_at"`
}

// PermitLine is what a permit allows at one outlet for one pollutant.
type PermitLine struct {
	OutletNo           string              `json:"outlet_no" db:"outlet_no"`
	Pollutant          string              `json:"pollutant" db:"pollutant"`
	Standard           string              `json:"standard" db:"standard"`                       // 执行标准
	ConcentrationLimit decimal.NullDecimal `json:"concentration_limit" db:"concentration_limit"` // 许可排放浓度, mg/m³ or mg/L
	AnnualLimitKg      decimal.NullDecimal `json:"annual_limit_kg" db:"annual_limit_kg"`         // 许可年排放量, kg
}

// Validate names every bad field of a permit to register.
func (p *Permit) Validate() []calc.FieldError {
	var errs []calc.FieldError
	add := func(path, code, msg string) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: msg})
	}
	if msg := CheckPermitNo(p.PermitNo, p.CreditCode); msg != "" {
		add("permit_no", "invalid_value", msg)
	}
	if p.ValidFrom == "" {
		add("valid_from", "required", "the first valid day is required")
	}
	if p.ValidTo != "" && p.ValidFrom != "" && p.ValidTo < p.ValidFrom {
		add("valid_to", "invalid_value", "the last valid day is before the first")
	}
	if len(p.Lines) == 0 {
		add("lines", "required", "at least one outlet and pollutant is required")
	}
	for i, l := range p.Lines {
		at := "lines[" + strconv.Itoa(i) + "]."
		if l.OutletNo == "" {
			add(at+"outlet_no", "required", "the outlet number (排放口编号) is required")
		}
		if l.Pollutant == "" {
			add(at+"pollutant", "required", "the pollutant is required")
		}
		for name, d := range map[string]decimal.NullDecimal{"concentration_limit": l.ConcentrationLimit, "annual_limit_kg": l.AnnualLimitKg} {
			if d.Valid && d.Decimal.Sign() < 0 {
				add(at+name, "invalid_number", "a limit is not negative")
			}
		}
	}
	return errs
}

// Covers reports whether the permit is valid on some day of [from, to].
func (p *Permit) Covers(from, to filing.Date) bool {
	return p.ValidFrom <= to && (p.ValidTo == "" || p.ValidTo >= from)
}

// PermitRows are the `permits` records of a taxpayer's permits valid in
// the period, one per line.
func PermitRows(tp *filing.Taxpayer, permits []Permit, from, to filing.Date) []Record {
	d, _ := Lookup("permits")
	var out []Record
	for i := range permits {
		p := &permits[i]
		if !p.Covers(from, to) {
			continue
		}
		for _, l := range p.Lines {
			r := make(Record, len(d.Fields))
			for k, f := range d.Fields {
				switch f.Name {
				case "permit_no":
					r[k] = p.PermitNo
				case "credit_code":
					r[k] = tp.CreditCode
				case "region":
					r[k] = tp.Region
				case "outlet_no":
					r[k] = l.OutletNo
				case "pollutant":
					r[k] = l.Pollutant
				case "standard":
					r[k] = l.Standard
				case "concentration_limit":
					r[k] = nullText(l.ConcentrationLimit)
				case "annual_limit_kg":
					r[k] = nullText(l.AnnualLimitKg)
				case "valid_from":
					r[k] = string(p.ValidFrom)
				case "valid_to":
					r[k] = string(p.ValidTo)
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// PermitOf is the number of the permit that covers an outlet in the
// period, "" when none does.
func PermitOf(permits []Permit, outletNo string, from, to filing.Date) string {
	for i := range permits {
		if !permits[i].Covers(from, to) {
			continue
		}
		for _, l := range permits[i].Lines {
			if l.OutletNo == outletNo {
				return permits[i].PermitNo
			}
		}
	}
	return ""
}

// FillPermitNo writes, in `polluters` records, the number of the permit
// that covers each outlet in the period (left empty where none does).
func FillPermitNo(rows []Record, permits []Permit, from, to filing.Date) {
	d, _ := Lookup("polluters")
	pi, oi := -1, -1
	for i, f := range d.Fields {
		switch f.Name {
		case "permit_no":
			pi = i
		case "outlet_no":
			oi = i
		}
	}
	if pi < 0 || oi < 0 {
		return
	}
	for _, r := range rows {
		r[pi] = PermitOf(permits, r[oi], from, to)
	}
}

// Sample is one supervisory measurement (监督性监测) of an outlet's
// pollutant by a monitoring agency, as the environment bureau records it
// (实施条例 第十五条第二项).
type Sample struct {
	CreditCode    string              `json:"credit_code" db:"credit_code"`
	OutletNo      string              `json:"outlet_no" db:"outlet_no"`
	Pollutant     string              `json:"pollutant" db:"pollutant"`
	SampledOn     filing.Date         `json:"sampled_on" db:"sampled_on"`
	ReportNo      string              `json:"report_no" db:"report_no"`           // 监测报告编号
	Agency        string              `json:"agency" db:"agency"`                 // 监测机构
	Concentration decimal.NullDecimal `json:"concentration" db:"concentration"`   // mg/m³ or mg/L
	Flow          decimal.NullDecimal `json:"flow" db:"flow"`                     // 废气(废水)流量
	FlowUnit      string              `json:"flow_unit" db:"flow_unit"`           // e.g. m³/h, t/d
	CreatedBy     string              `json:"created_by" db:"created_by"`
	CreatedAt     time.Time           `json:"created_at" db:"created_at"`
}

// Validate names every bad field of a measurement to record.
func (m *Sample) Validate() []calc.FieldError {
	var errs []calc.FieldError
	add := func(path, code, msg string) { errs = append(errs, calc.FieldError{Path: path, Code: code, Message: msg}) }
	if m.OutletNo == "" {
		add("outlet_no", "required", "the outlet number (排放口编号) is required")
	}
	if m.Pollutant == "" {
		add("pollutant", "required", "the pollutant is required")
	}
	if m.SampledOn == "" {
		add("sampled_on", "required", "the sampling day is required")
	}
	if m.ReportNo == "" {
		add("report_no", "required", "the monitoring report number (监测报告编号) is required")
	}
	if !m.Concentration.Valid {
		add("concentration", "required", "the measured concentration is required")
	}
	for name, d := range map[string]decimal.NullDecimal{"concentration": m.Concentration, "flow": m.Flow} {
		if d.Valid && d.Decimal.Sign() < 0 {
			add(name, "invalid_number", "a measurement is not negative")
		}
	}
	if m.Flow.Valid && m.FlowUnit == "" {
		add("flow_unit", "required", "a flow needs its unit")
	}
	return errs
}

// SampleRows are the `supervisory_samples` records of a taxpayer's
// measurements taken in [from, to].
func SampleRows(tp *filing.Taxpayer, samples []Sample, from, to filing.Date) []Record {
	d, _ := Lookup("supervisory_samples")
	var out []Record
	for _, m := range samples {
		if m.SampledOn < from || m.SampledOn > to {
			continue
		}
		r := make(Record, len(d.Fields))
		for k, f := range d.Fields {
			switch f.Name {
			case "credit_code":
				r[k] = tp.CreditCode
			case "region":
				r[k] = tp.Region
			case "outlet_no":
				r[k] = m.OutletNo
			case "pollutant":
				r[k] = m.Pollutant
			case "sampled_on":
				r[k] = string(m.SampledOn)
			case "concentration":
				r[k] = nullText(m.Concentration)
			case "flow":
				r[k] = nullText(m.Flow)
			case "flow_unit":
				r[k] = m.FlowUnit
			case "agency":
				r[k] = m.Agency
			case "report_no":
				r[k] = m.ReportNo
			}
		}
		out = append(out, r)
	}
	return out
}
