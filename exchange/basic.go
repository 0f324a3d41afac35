package exchange

// The rows of the basic records and detail datasets (issue 15): the
// per-source lines of a filed revision, the taxpayers with their tax
// sources, the tax violations a filing shows, the polluters with their
// outlets and devices, the monthly monitored figures and the error
// notices of a review. Pure: the application layer reads the records.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/filing"
)

// ReliefBasis names the rule behind a line's reduction factor (环境保护税法
// 第十三条), "" for none. ecotax knows the rule, not the tax authority's
// 减免性质代码, which is therefore sent empty (see Field.Absent).
func ReliefBasis(factor string) string {
	f, err := decimal.NewFromString(factor)
	if err != nil {
		return ""
	}
	switch {
	case f.Equal(decimal.RequireFromString("0.75")):
		return "环境保护税法第十三条第一项：浓度值低于标准30%，减按75%征收"
	case f.Equal(decimal.RequireFromString("0.5")):
		return "环境保护税法第十三条第二项：浓度值低于标准50%，减按50%征收"
	}
	return ""
}

type fullLine struct {
	assessedLine
	Kind            string      `json:"kind"`
	Fugitive        bool        `json:"fugitive"`
	Quantity        assessedNum `json:"quantity"`
	Unit            string      `json:"unit"`
	EquivalentValue assessedNum `json:"equivalent_value"`
	Equivalents     assessedNum `json:"equivalents"`
	Rate            assessedNum `json:"rate"`
}

// sourceOf finds the tax source behind an assessment line: the line's
// source is the outlet number, or "outlet#source-id" when two sources of
// one outlet share a month.
func sourceOf(l *fullLine, sources []*filing.Source) *filing.Source {
	outlet, idText, hasID := strings.Cut(l.Source, "#")
	if hasID {
		if id, err := strconv.ParseInt(idText, 10, 64); err == nil {
			for _, s := range sources {
				if s.ID == id {
					return s
				}
			}
		}
	}
	var hit *filing.Source
	for _, s := range sources {
		if s.OutletNo != outlet || s.Kind != l.Kind || s.Fugitive != l.Fugitive {
			continue
		}
		if s.Pollutant == l.Pollutant || s.Kind == filing.KindNoise {
			return s
		}
		if hit == nil {
			hit = s
		} else {
			hit = nil // ambiguous: leave the number out rather than guess
			break
		}
	}
	if hit != nil && hit.Pollutant != "" && hit.Pollutant != l.Pollutant {
		return nil
	}
	return hit
}

// LineRows are the declaration_lines of a filed revision (纳税申报信息, 法
// 第十五条第三款、实施条例 第十六条第二项; the 申报计算及减免信息 of the
// 税源明细表): every line of its
// assessment with the tax source, method and concentrations it was
// declared with.
func LineRows(x Filed, sources []*filing.Source, figs []filing.Figure) ([]Record, error) {
	d := x.Declaration
	if len(d.Assessment) == 0 {
		return nil, nil
	}
	var res struct {
		Lines []fullLine `json:"lines"`
	}
	if err := json.NewDecoder(bytes.NewReader(d.Assessment)).Decode(&res); err != nil {
		return nil, fmt.Errorf("declaration %d: %w", d.ID, err)
	}
	fig := map[filing.FigureKey]*filing.Figure{}
	for i := range figs {
		fig[filing.FigureKey{SourceID: figs[i].SourceID, Month: figs[i].Month}] = &figs[i]
	}
	ds := dataset("declaration_lines")
	var out []Record
	seen := map[string]bool{}
	for i := range res.Lines {
		l := &res.Lines[i]
		outlet, _, _ := strings.Cut(l.Source, "#")
		row := map[string]string{"credit_code": d.CreditCode, "region": x.Region, "period": d.Period,
			"revision": strconv.Itoa(d.Revision), "month": l.Month, "outlet_no": outlet, "kind": l.Kind, "pollutant": l.Pollutant,
			"quantity": string(l.Quantity), "unit": l.Unit, "equivalent_value": string(l.EquivalentValue),
			"equivalents": string(l.Equivalents), "rate": string(l.Rate), "tax_due": string(l.TaxDue),
			"relief_basis": ReliefBasis(string(l.ReductionFactor)), "reduction": string(l.Reduction), "tax": string(l.Tax)}
		if s := sourceOf(l, sources); s != nil {
			row["tax_source_no"], row["method"] = strconv.FormatInt(s.ID, 10), s.Method
			row["standard_concentration"] = nullText(s.StandardConcentration)
			if f := fig[filing.FigureKey{SourceID: s.ID, Month: l.Month}]; f != nil {
				row["avg_concentration"], row["max_concentration"] = nullText(f.AvgConcentration), nullText(f.MaxConcentration)
			}
		}
		if l.Pollutant == "" {
			row["pollutant"] = filing.KindLabel[l.Kind]
		}
		r := ds.New(row)
		if seen[ds.KeyOf(r)] { // two lines of one outlet whose source is not known: keep the engine's line address
			r[ds.Index("outlet_no")] = l.Source
		}
		for n := 2; seen[ds.KeyOf(r)]; n++ {
			r[ds.Index("outlet_no")] = fmt.Sprintf("%s (%d)", l.Source, n)
		}
		seen[ds.KeyOf(r)] = true
		out = append(out, r)
	}
	return out, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// TaxpayerRows are the taxpayers rows of a taxpayer (纳税人基本信息, 实施条例
// 第十六条第一项; 税源 of the 税源明细表): one per tax source, or one
// without a source when none is registered.
func TaxpayerRows(t *filing.Taxpayer, sources []*filing.Source) []Record {
	ds := dataset("taxpayers")
	base := map[string]string{"credit_code": t.CreditCode, "name": t.Name, "region": t.Region, "industry": t.Industry}
	if len(sources) == 0 {
		return []Record{ds.New(base)}
	}
	out := make([]Record, 0, len(sources))
	for _, s := range sources {
		row := copyMap(base)
		row["tax_source_no"], row["outlet_no"], row["outlet_name"] = strconv.FormatInt(s.ID, 10), s.OutletNo, s.OutletName
		row["kind"], row["fugitive"], row["pollutant"], row["method"] = s.Kind, yesNo(s.Fugitive), s.Pollutant, s.Method
		row["standard"], row["standard_concentration"] = s.Standard, nullText(s.StandardConcentration)
		row["valid_from"], row["valid_to"] = string(s.ValidFrom), string(s.ValidTo)
		out = append(out, ds.New(row))
	}
	return out
}

// ViolationRows are the tax_violations of a filed revision: a first
// declaration submitted after its deadline — 未按照规定期限办理纳税申报,
// which 实施条例 第十六条第五项 has the tax side send (税收征收管理法
// 第二十五条、第六十二条). The row states the fact; no decision is
// recorded here.
func ViolationRows(x Filed) []Record {
	d := x.Declaration
	if d.ReplacesID != nil || d.SubmittedAt == nil || d.Deadline == "" {
		return nil
	}
	on := filing.Today(*d.SubmittedAt)
	if on <= d.Deadline {
		return nil
	}
	days := on.Day().Ordinal() - d.Deadline.Day().Ordinal()
	return []Record{dataset("tax_violations").New(map[string]string{"credit_code": d.CreditCode, "region": x.Region,
		"period": d.Period, "revision": strconv.Itoa(d.Revision), "violation": "late_filing 逾期申报",
		"basis": "实施条例第十六条第五项；税收征收管理法第二十五条、第六十二条", "deadline": string(d.Deadline), "done_on": string(on),
		"days_late": strconv.Itoa(days)})}
}

// Monitored is what a polluter row knows of an outlet's monitoring.
type Monitored struct {
	OutletNo string
	MN       string
}

// PolluterRows are the polluters rows of a taxpayer (排污单位基本信息:
// 名称、统一社会信用代码、排放口、排放污染物种类, 实施条例 第十五条第一项): one per tax source and device mapped to its outlet,
// and one per device whose outlet has no source.
func PolluterRows(t *filing.Taxpayer, sources []*filing.Source, devices []Monitored) []Record {
	ds := dataset("polluters")
	base := map[string]string{"credit_code": t.CreditCode, "name": t.Name, "region": t.Region}
	mns := map[string][]string{}
	for _, d := range devices {
		mns[d.OutletNo] = append(mns[d.OutletNo], d.MN)
	}
	var out []Record
	seen := map[string]bool{}
	add := func(row map[string]string) {
		r := ds.New(row)
		if k := ds.KeyOf(r); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	hasSource := map[string]bool{}
	for _, s := range sources {
		hasSource[s.OutletNo] = true
		row := copyMap(base)
		row["outlet_no"], row["outlet_name"], row["outlet_kind"], row["fugitive"] = s.OutletNo, s.OutletName, s.Kind, yesNo(s.Fugitive)
		row["pollutant"], row["standard"], row["standard_concentration"] = s.Pollutant, s.Standard, nullText(s.StandardConcentration)
		switch {
		case len(mns[s.OutletNo]) > 0:
			row["monitoring"] = "automatic"
		case s.Method == "monitoring":
			row["monitoring"] = "agency"
		default:
			row["monitoring"] = "none"
		}
		if len(mns[s.OutletNo]) == 0 {
			add(row)
		}
		for _, mn := range mns[s.OutletNo] {
			row = copyMap(row)
			row["mn"] = mn
			add(row)
		}
	}
	for _, d := range devices {
		if !hasSource[d.OutletNo] {
			row := copyMap(base)
			row["outlet_no"], row["monitoring"], row["mn"] = d.OutletNo, "automatic", d.MN
			add(row)
		}
	}
	if len(out) == 0 {
		out = append(out, ds.New(base))
	}
	return out
}

// Monthly is an outlet's monitored month of one pollutant, as the
// application layer adds it up from the stored device figures.
type Monthly struct {
	CreditCode, Region, OutletNo, Month, Pollutant string
	MNs, Codes                                     []string
	Kind                                           string // air or water
	EmissionKg, Avg, Max                           decimal.NullDecimal
	FlowM3                                         decimal.NullDecimal // Σ -Cou of the outlet's flow factor (a00000 / w00000), m³
	Basis                                          string              // "hour" or "day" (monitor.Basis)
	Valid, Units                                   int
	Completeness                                   decimal.Decimal
	Excluded, Lenient                              int
	Notes                                          []string
}

// MonthlyRow is the monitoring_monthly row of a monitored month (污染物
// 排放数据: 排放量 and 浓度值, 法 第十五条第二款、实施条例 第十五条第二项;
// the concentration per 实施条例 第十条). The flow goes in 万标立方米
// for air and in t for water (1 m³ of wastewater counted as 1 t), the
// units of the 税源明细表.
func MonthlyRow(m *Monthly) Record {
	row := map[string]string{"credit_code": m.CreditCode, "region": m.Region, "outlet_no": m.OutletNo,
		"mn": strings.Join(m.MNs, ","), "month": m.Month, "pollutant": m.Pollutant, "codes": strings.Join(m.Codes, ","),
		"avg_concentration": nullText(m.Avg), "max_concentration": nullText(m.Max),
		"valid_units": strconv.Itoa(m.Valid), "units": strconv.Itoa(m.Units), "completeness": m.Completeness.String()}
	if m.EmissionKg.Valid {
		row["quantity"], row["unit"] = m.EmissionKg.Decimal.String(), "kg"
	}
	if m.FlowM3.Valid {
		if m.Kind == "air" {
			row["flow"], row["flow_unit"] = m.FlowM3.Decimal.Div(decimal.NewFromInt(10000)).String(), "万标立方米"
		} else {
			row["flow"], row["flow_unit"] = m.FlowM3.Decimal.String(), "t"
		}
	}
	switch m.Basis {
	case "hour":
		row["concentration_basis"] = "hourly"
	case "day":
		row["concentration_basis"] = "daily"
	default:
		row["concentration_basis"] = m.Basis
	}
	marks := []string{}
	if m.Excluded > 0 {
		marks = append(marks, fmt.Sprintf("excluded %d records (flags)", m.Excluded))
	}
	if m.Lenient > 0 {
		marks = append(marks, fmt.Sprintf("%d records only in leniently accepted packets", m.Lenient))
	}
	marks = append(marks, m.Notes...)
	row["marks"] = clipText(strings.Join(marks, "; "), maxText)
	return dataset("monitoring_monthly").New(row)
}

func clipText(s string, max int) string {
	r := []rune(s)
	if len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// NoticeRows are the error_notices of a review answered with corrected
// figures (实施条例 第二十条: 申报的应税污染物排放信息…有误的，应当通知税务机关
// 处理; 法 第二十条): each corrected item, the reason being the opinion's
// note.
func NoticeRows(r *Review, region string) []Record {
	if r.Opinion == nil || *r.Opinion != OpinionCorrected {
		return nil
	}
	var out []Record
	for _, k := range r.Corrections {
		out = append(out, dataset("error_notices").New(map[string]string{"review_ref": r.Ref, "credit_code": r.CreditCode,
			"region": region, "period": r.Period, "outlet_no": k.OutletNo, "pollutant": k.Pollutant, "month": k.Month,
			"reason": r.OpinionNote, "emission_kg": nullText(k.EmissionKg), "wastewater_t": nullText(k.WastewaterT),
			"avg_concentration": nullText(k.AvgConcentration), "max_concentration": nullText(k.MaxConcentration),
			"noticed_on": string(r.AnsweredOn)}))
	}
	return out
}
