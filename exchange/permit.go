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
	d := dataset("permits")
	var out []Record
	for i := range permits {
		p := &permits[i]
		if !p.Covers(from, to) {
			continue
		}
		for _, l := range p.Lines {
			out = append(out, d.New(map[string]string{"permit_no": p.PermitNo, "credit_code": tp.CreditCode, "region": tp.Region,
				"outlet_no": l.OutletNo, "pollutant": l.Pollutant, "standard": l.Standard,
				"concentration_limit": nullText(l.ConcentrationLimit), "annual_limit_kg": nullText(l.AnnualLimitKg),
				"valid_from": string(p.ValidFrom), "valid_to": string(p.ValidTo)}))
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
	d := dataset("polluters")
	pi, oi := d.Index("permit_no"), d.Index("outlet_no")
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
	ReportNo      string              `json:"report_no" db:"report_no"`         // 监测报告编号
	Agency        string              `json:"agency" db:"agency"`               // 监测机构
	Concentration decimal.NullDecimal `json:"concentration" db:"concentration"` // mg/m³ or mg/L
	Flow          decimal.NullDecimal `json:"flow" db:"flow"`                   // 废气(废水)流量
	FlowUnit      string              `json:"flow_unit" db:"flow_unit"`         // e.g. m³/h, t/d
	CreatedBy     string              `json:"created_by" db:"created_by"`
	CreatedAt     time.Time           `json:"created_at" db:"created_at"`
}

// Validate names every bad field of a measurement to record.
func (m *Sample) Validate() []calc.FieldError {
	var errs []calc.FieldError
	add := func(path, code, msg string) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: msg})
	}
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
	d := dataset("supervisory_samples")
	var out []Record
	for _, m := range samples {
		if m.SampledOn < from || m.SampledOn > to {
			continue
		}
		out = append(out, d.New(map[string]string{"credit_code": tp.CreditCode, "region": tp.Region, "outlet_no": m.OutletNo,
			"pollutant": m.Pollutant, "sampled_on": string(m.SampledOn), "concentration": nullText(m.Concentration),
			"flow": nullText(m.Flow), "flow_unit": m.FlowUnit, "agency": m.Agency, "report_no": m.ReportNo}))
	}
	return out
}
