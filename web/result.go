package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/explain"
)

// Result is an assessment as the contract writes it (calc.Result's JSON),
// read back for display. The page shows exactly these strings, so it
// cannot disagree with POST /v1/tax/assessments.
type Result struct {
	Taxpayer *struct {
		CreditCode string `json:"credit_code"`
		Name       string `json:"name"`
	} `json:"taxpayer"`
	Region         string        `json:"region"`
	Period         string        `json:"period"`
	TotalTaxDue    string        `json:"total_tax_due"`
	TotalReduction string        `json:"total_reduction"`
	TotalTax       string        `json:"total_tax"`
	Rounding       string        `json:"rounding"`
	Lines          []ResultLine  `json:"lines"`
	Months         []ResultMonth `json:"months"`
	Parameters     []ResultParam `json:"parameters"`
	Warnings       []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Path    string `json:"path"`
	} `json:"warnings"`
	Trace []TraceStep `json:"trace"`
}

// ResultLine is one line of the result.
type ResultLine struct {
	Source          string   `json:"source"`
	Month           string   `json:"month"`
	Kind            string   `json:"kind"`
	Pollutant       string   `json:"pollutant"`
	Path            string   `json:"path"`
	Group           string   `json:"group"`
	Fugitive        bool     `json:"fugitive"`
	Quantity        string   `json:"quantity"`
	Unit            string   `json:"unit"`
	EquivalentValue string   `json:"equivalent_value"`
	Equivalents     string   `json:"equivalents"`
	Rank            int      `json:"rank"`
	Taxed           bool     `json:"taxed"`
	Reason          string   `json:"reason"`
	Rate            string   `json:"rate"`
	ExceedDB        string   `json:"exceed_db"`
	Halved          bool     `json:"halved"`
	Doubled         bool     `json:"doubled"`
	TaxDue          string   `json:"tax_due"`
	ReductionFactor string   `json:"reduction_factor"`
	Reduction       string   `json:"reduction"`
	Tax             string   `json:"tax"`
	Rules           []string `json:"rules"`
	Unverified      bool     `json:"unverified"`
}

// RateUnit is what a line's unit tax is per: a pollution equivalent for
// air and water pollutants (and livestock, sampling), a month for noise,
// a tonne for solid waste.
func (l ResultLine) RateUnit() string {
	switch l.Kind {
	case "noise":
		return "元/月"
	case "solid_waste":
		return "元/吨"
	}
	return "元/污染当量"
}

// ResultMonth is one month's totals.
type ResultMonth struct {
	Month     string `json:"month"`
	TaxDue    string `json:"tax_due"`
	Reduction string `json:"reduction"`
	Tax       string `json:"tax"`
}

// ResultParam is one parameter row the result relied on.
type ResultParam struct {
	Key           string `json:"key"`
	Region        string `json:"region"`
	Value         string `json:"value"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to"`
	Source        string `json:"source"`
	Verified      bool   `json:"verified"`
	Confidence    string `json:"confidence"`
	Where         string `json:"where"`
}

// TraceStep is one step of the explain trace.
type TraceStep struct {
	N         int    `json:"n"`
	Step      string `json:"step"`
	Source    string `json:"source"`
	Month     string `json:"month"`
	Pollutant string `json:"pollutant"`
	Rule      string `json:"rule"`
	Text      string `json:"text"`
}

// StepLabel names the trace's step kinds in Chinese.
var StepLabel = map[string]string{
	"quantity": "计税依据", "penalty_base": "以产生量计", "ph_band": "pH 分档", "noise_exceed": "超标分贝",
	"equivalents": "污染当量数", "rounding": "取整", "not_taxable": "不征税", "exempt": "免征",
	"below_threshold": "未达规模", "one_of": "择一征收", "ranking": "排序", "rate": "适用税额",
	"tax_due": "应纳税额", "noise_tax": "噪声税额", "solid_tax": "固体废物税额", "exceed_gate": "超标判断",
	"no_reduction": "不减征", "reduction": "减征", "month_total": "月合计", "total": "合计",
}

// Outlet groups the lines of one source in one month, as the return lays
// them out (申报计算及减免信息, one block per 税源 and month).
type Outlet struct {
	Month, Source, Kind string
	Fugitive            bool
	Lines               []ResultLine
	Trace               []TraceStep
	TaxDue, Reduction   string
	Tax                 string
	ID                  string // the section's anchor, for the summary's links
}

// ParseResult reads an assessment's JSON.
func ParseResult(data []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Outlets groups the lines by month and source, in the result's order,
// with each group's sums and its steps of the trace.
func (r *Result) Outlets() []Outlet {
	var out []Outlet
	at := map[string]int{}
	sums := map[string][3]decimal.Decimal{}
	for _, l := range r.Lines {
		k := l.Month + "\x00" + l.Source + "\x00" + l.Kind
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Outlet{Month: l.Month, Source: l.Source, Kind: l.Kind, Fugitive: l.Fugitive})
		}
		out[i].Lines = append(out[i].Lines, l)
		s := sums[k]
		s[0] = s[0].Add(dec(l.TaxDue))
		s[1] = s[1].Add(dec(l.Reduction))
		s[2] = s[2].Add(dec(l.Tax))
		sums[k] = s
	}
	for i := range out {
		k := out[i].Month + "\x00" + out[i].Source + "\x00" + out[i].Kind
		s := sums[k]
		out[i].TaxDue, out[i].Reduction, out[i].Tax = s[0].StringFixed(2), s[1].StringFixed(2), s[2].StringFixed(2)
	}
	byKey := map[string][]int{}
	for i, o := range out {
		byKey[o.Month+"\x00"+o.Source] = append(byKey[o.Month+"\x00"+o.Source], i)
	}
	for _, st := range r.Trace {
		if st.Source == "" {
			continue
		}
		idx := byKey[st.Month+"\x00"+st.Source]
		if len(idx) == 0 {
			continue
		}
		// A source id is unique within a month; the kind split only
		// matters when an id was reused across kinds: match by pollutant.
		j := idx[0]
		for _, i := range idx {
			for _, l := range out[i].Lines {
				if l.Pollutant == st.Pollutant {
					j = i
				}
			}
		}
		out[j].Trace = append(out[j].Trace, st)
	}
	for i := range out {
		out[i].ID = fmt.Sprintf("outlet-%d", i+1)
	}
	return out
}

// OutletSum is one source's line of the summary at the top of a result:
// its sums over the period and a link to each of its monthly sections.
type OutletSum struct {
	Source, Kind      string
	Fugitive          bool
	TaxDue, Reduction string
	Tax               string
	Sections          []Option // Value: the section's anchor, Label: its month
}

// Summary sums each source (and kind) over the months, in the order the
// sources first appear, so a long result (fifty outlets, a quarter) is
// read from a table of one row per outlet with links down to its months.
func (r *Result) Summary() []OutletSum {
	var out []OutletSum
	at := map[string]int{}
	sums := map[int][3]decimal.Decimal{}
	for _, o := range r.Outlets() {
		k := o.Source + "\x00" + o.Kind
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, OutletSum{Source: o.Source, Kind: o.Kind, Fugitive: o.Fugitive})
		}
		out[i].Sections = append(out[i].Sections, Option{Value: o.ID, Label: o.Month})
		s := sums[i]
		s[0], s[1], s[2] = s[0].Add(dec(o.TaxDue)), s[1].Add(dec(o.Reduction)), s[2].Add(dec(o.Tax))
		sums[i] = s
	}
	for i := range out {
		s := sums[i]
		out[i].TaxDue, out[i].Reduction, out[i].Tax = s[0].StringFixed(2), s[1].StringFixed(2), s[2].StringFixed(2)
	}
	return out
}

// GeneralTrace is the steps that belong to no single source: month
// totals and the total.
func (r *Result) GeneralTrace() []TraceStep {
	var out []TraceStep
	for _, st := range r.Trace {
		if st.Source == "" {
			out = append(out, st)
		}
	}
	return out
}

// HasUnverified reports whether any parameter used is not verified.
func (r *Result) HasUnverified() bool {
	for _, p := range r.Parameters {
		if !p.Verified {
			return true
		}
	}
	return false
}

func dec(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

// RoundingLabel names the rounding rules in Chinese.
var RoundingLabel = map[string]string{"per_line_2dp": "污染当量数保留两位小数", "exact": "精确计算，仅金额取整"}

// RoundingText is the rounding rule's Chinese name, or its code when it
// has none.
func RoundingText(code string) string { return orDefault(RoundingLabel[code], code) }

// PlainWarnings are the result's warnings as a person reads them: the
// unverified parameters as one sentence, the others in Chinese; codes,
// paths and parameter files stay in 依据详情 (Detail).
func (r *Result) PlainWarnings() []Explained {
	var out []Explained
	var unverified []string
	for _, w := range r.Warnings {
		if w.Code == "unverified_parameter" {
			unverified = append(unverified, w.Message)
			continue
		}
		x := Explained{Text: w.Message, Code: w.Code, Path: w.Path, Detail: w.Message}
		if hasLatin(w.Message) {
			x.Text = "计算中有一项需要核对的提示（见依据详情）。"
		}
		out = append(out, x)
	}
	if len(unverified) > 0 {
		out = append([]Explained{{Text: fmt.Sprintf("本次计算用到 %d 个尚未与官方文本核实的参数（税额、当量值或规则），结果仅供参考，请与主管税务机关确认。", len(unverified)),
			Code: "unverified_parameter", Detail: strings.Join(unverified, "；")}}, out...)
	}
	return out
}

// PlainWarningsOf is PlainWarnings for the warnings of deadlines and
// surcharges.
func PlainWarningsOf(v any) []Explained {
	ws, _ := v.([]explain.Warning) // filing's and exchange's warnings are the one warning type

	r := &Result{}
	for _, w := range ws {
		r.Warnings = append(r.Warnings, struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Path    string `json:"path"`
		}{w.Code, w.Message, ""})
	}
	return r.PlainWarnings()
}

// Percent writes a share (0.5) as a percentage (50%).
func Percent(s string) string {
	if s == "" {
		return ""
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return d.Mul(decimal.NewFromInt(100)).Round(2).String() + "%"
}
