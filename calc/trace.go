package calc

import (
	"math/bits"
	"slices"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Step kinds of the explain trace, in the order they usually appear.
const (
	StepTonnes         = "quantity"        // t → kg
	StepPenaltyBase    = "penalty_base"    // 产生量 as the base
	StepSolidBase      = "quantity"        // 产生量 − 贮存量 − 处置量 − 综合利用量
	StepStock          = "quantity"        // 月均存栏
	StepColourMultiple = "quantity"        // 色度超标倍数
	StepPHBand         = "ph_band"         // which pH band
	StepNoiseExceed    = "noise_exceed"    // dB over the standard, rounded
	StepNoisePeak      = "noise_peak"      // night burst: peak level over limit + allowance
	StepEquivalents    = "equivalents"     // 排放量 ÷ 污染当量值
	StepRounding       = "rounding"        // every rounding, with before and after
	StepNotTaxable     = "not_taxable"     // below the standard, pH 6–9, …
	StepExempt         = "exempt"          // 法 第十二条 / 第四条
	StepBelowThreshold = "below_threshold" // 表四 scale thresholds
	StepOneOf          = "one_of"          // COD/BOD5/TOC, coliform/chlorine
	StepRanking        = "ranking"         // ranking and top-N cut
	StepTie            = "ranking_tie"     // tie across the top-N cut with different rates
	StepRate           = "rate"            // the applicable amount used
	StepTaxDue         = "tax_due"         // 当量数 × 税额
	StepNoiseTax       = "noise_tax"       // band amount, half, double
	StepSolidTax       = "solid_tax"       // t × 元/t
	StepMonitoring     = "monitoring"      // what the monitoring data are (month, detection limit, assumptions)
	StepGate           = "exceed_gate"     // 财税〔2018〕117号
	StepNoReduction    = "no_reduction"    // why a line keeps its full tax
	StepReduction      = "reduction"       // 减按75% / 50%
	StepMonthTotal     = "month_total"
	StepTotal          = "total"
)

// Step is one line of the explain trace. It holds the figures of the step;
// its Chinese text is rendered on output (Result.Explain), so computing a
// result never pays for formatting it.
type Step struct {
	Kind string
	L    int    // index of the line the step is about
	Rule string // the article or circular behind the step
	Note string
	N    int
	rate *RateRule
	data *stepData // figures the line does not hold; nil for most steps
}

// stepData holds the inputs of the few steps whose text needs more than
// their line (tonnes, solid-waste deductions, noise readings, totals).
type stepData struct {
	vals [4]decimal.Decimal
}

// ranked appends to out the ranked lines of the group of line li, by
// rank. A source's lines are contiguous, so the search stays near li.
// The caller passes a small array of its own: growing a slice for each
// ranking step was a third of a summary trace's allocations.
func (r *Result) ranked(out []*Line, li int, group string) []*Line {
	l := &r.Lines[li]
	same := func(o *Line) bool { return o.Source == l.Source && o.Month == l.Month && o.Kind == l.Kind }
	lo, hi := li, li
	for lo > 0 && same(&r.Lines[lo-1]) {
		lo--
	}
	for hi+1 < len(r.Lines) && same(&r.Lines[hi+1]) {
		hi++
	}
	for i := lo; i <= hi; i++ {
		if r.Lines[i].Group == group && r.Lines[i].Rank > 0 {
			out = append(out, &r.Lines[i])
		}
	}
	slices.SortFunc(out, func(x, y *Line) int { return x.Rank - y.Rank })
	return out
}

// about reports whether a step concerns one line.
func (s *Step) about() bool {
	return s.Kind != StepMonthTotal && s.Kind != StepTotal
}

// approx shows num ÷ den with up to 8 decimals, marking a cut-off with "…".
func approx(num, den decimal.Decimal) string {
	var buf [40]byte
	return string(appendApprox(buf[:0], num, den))
}

// appendApprox appends approx(num, den): in 64-bit integers when both
// are small (figOf), with decimal's DivRound otherwise.
func appendApprox(b []byte, num, den decimal.Decimal) []byte {
	if n, ok := figOf(num); ok {
		if d, ok := figOf(den); ok {
			if out, ok := appendApproxFig(b, n, d); ok {
				return out
			}
		}
	}
	if den.IsZero() {
		return append(b, '0')
	}
	q := num.DivRound(den, 8)
	b = param.AppendDecimal(b, q, -1)
	if !q.Mul(den).Equal(num) {
		b = append(b, "…"...)
	}
	return b
}

// fig is the decimal c × 10^exp with |c| < 10^15, read without
// allocating: the trace's few derived figures (a solid waste's base, a
// colour's multiple) cost a dozen allocations each through decimal's
// Sub and DivRound, more than the rest of a summary answer together.
type fig struct {
	c   int64
	exp int32
}

// figOf reads d as a fig, ok false when its coefficient is 10^15
// or more (or decimal's layout is not read in place).
func figOf(d decimal.Decimal) (fig, bool) {
	v, ok := param.InPlace(d)
	if !ok {
		return fig{}, false
	}
	if v == nil {
		return fig{0, d.Exponent()}, true
	}
	if !v.IsInt64() {
		return fig{}, false
	}
	c := v.Int64()
	return fig{c, d.Exponent()}, c > -1e15 && c < 1e15
}

// subFig is a − b with decimal's exponent (the smaller one), ok false
// when aligning them would take more than three powers of ten (the
// difference then stays below 10^18 in magnitude).
func subFig(a, b fig) (fig, bool) {
	e := min(a.exp, b.exp)
	if a.exp-e > 3 || b.exp-e > 3 {
		return fig{}, false
	}
	d := a.c*pow10u[a.exp-e] - b.c*pow10u[b.exp-e]
	return fig{d, e}, d > -1e15 && d < 1e15
}

// pow10u holds 10^0 … 10^19.
var pow10u = func() (t [20]int64) {
	p := uint64(1)
	for i := range t {
		t[i] = int64(p)
		p *= 10
	}
	return t
}()

// appendFig prints x as param.AppendDecimal prints the decimal
// x.c × 10^x.exp at places −1.
func appendFig(b []byte, x fig) []byte {
	return param.AppendCoefficient(b, x.c, x.exp, -1)
}

// appendApproxFig is appendApprox for small figures: the quotient in
// units of 10^-8 from a 128-bit division, rounded half away from zero
// as DivRound rounds, "…" when the division left a remainder (exactly
// when q × den ≠ num). ok false when a figure would not fit 64 bits.
func appendApproxFig(b []byte, num, den fig) ([]byte, bool) {
	if den.c == 0 {
		return append(b, '0'), true
	}
	n, d := uint64(num.c), uint64(den.c)
	if num.c < 0 {
		n = -n
	}
	if den.c < 0 {
		d = -d
	}
	var hi, lo uint64
	switch k := num.exp - den.exp + 8; {
	case k >= 0 && k < 20:
		hi, lo = bits.Mul64(n, uint64(pow10u[k]))
	case k < 0 && k > -20:
		var over uint64
		over, d = bits.Mul64(d, uint64(pow10u[-k]))
		if over != 0 {
			return b, false
		}
		lo = n
	default:
		return b, false
	}
	if hi >= d {
		return b, false
	}
	q, r := bits.Div64(hi, lo, d)
	if r >= d-r { // 2r ≥ d without overflow
		q++
	}
	if q >= 1e18 {
		return b, false
	}
	c := int64(q)
	if (num.c < 0) != (den.c < 0) {
		c = -c
	}
	b = param.AppendCoefficient(b, c, -8, -1)
	if r != 0 {
		b = append(b, "…"...)
	}
	return b, true
}

func pct(share decimal.Decimal) string {
	return param.FormatDecimal(share.Mul(decimal.NewFromInt(100)), -1) + "%"
}

// TraceStep is one rendered line of the explain trace: what was done, to
// which item, under which article, in Chinese words with the figures.
type TraceStep struct {
	N         int    `json:"n"`
	Step      string `json:"step"`
	Source    string `json:"source,omitempty"`
	Month     string `json:"month,omitempty"`
	Pollutant string `json:"pollutant,omitempty"`
	Rule      string `json:"rule"`
	Text      string `json:"text"`
}

// Steps renders the trace. A computed step may read as several lines: the
// 当量数 and its rounding; the rate, the tax due and its rounding; the
// reduction and its rounding.
func (r *Result) Steps() []TraceStep { return r.StepsAt(TraceFull) }

// arithmetic reports how many rendered steps a computed step makes when
// it is only the arithmetic its line shows (当量数 and its rounding; rate,
// tax due and rounding; reduction and rounding), and 0 for the others.
func (s *Step) arithmetic() int {
	switch s.Kind {
	case StepEquivalents, StepReduction:
		return 2
	case StepTaxDue:
		return 3
	}
	return 0
}

// StepsAt renders the trace at a level: TraceFull every step;
// TraceSummary leaves out the arithmetic each line already shows in its
// own figures (quantity ÷ equivalent_value = equivalents, × rate =
// tax_due, × (1 − reduction_factor) = reduction, with the parameters
// each line names) and keeps every decision: what was not taxed and
// why, one-of rules, ranking, exemptions, monitoring, gates, reductions
// refused, totals. Steps keep their numbers from the full trace, so a
// summary step can be found in the full one. TraceNone renders nothing.
func (r *Result) StepsAt(level TraceLevel) []TraceStep {
	if level == TraceNone || r.untraced {
		return []TraceStep{}
	}
	size := 2 * len(r.trace)
	if level == TraceSummary {
		size = len(r.trace) / 2
	}
	out := make([]TraceStep, 0, size)
	decisions := 0 // the steps whose text goes into texts: about 100 bytes each
	for i := range r.trace {
		if r.trace[i].arithmetic() == 0 {
			decisions++
		}
	}
	texts := make([]byte, 0, 100*decisions)
	spans := make([]textSpan, 0, decisions)
	n := 0
	for i := range r.trace {
		s := &r.trace[i]
		if k := s.arithmetic(); k > 0 {
			if level == TraceSummary {
				n += k
				continue
			}
		}
		base, l := r.stepHead(s)
		if s.arithmetic() > 0 {
			r.arithmeticSteps(s, l, func(kind, rule, text string) {
				t := base
				n++
				t.N, t.Step, t.Rule, t.Text = n, kind, rule, text
				out = append(out, t)
			})
			continue
		}
		n++
		base.N, base.Step, base.Rule = n, s.Kind, s.Rule
		var isNote bool
		start := len(texts)
		if texts, base.Text, isNote = r.appendText(texts, s, l, false); !isNote {
			spans = append(spans, textSpan{len(out), start, len(texts)})
		}
		out = append(out, base)
	}
	// The texts written into one buffer become strings at once, without
	// a copy: nothing writes to the buffer any more.
	all := unsafe.String(unsafe.SliceData(texts), len(texts))
	for _, sp := range spans {
		out[sp.step].Text = all[sp.start:sp.end]
	}
	return out
}

// stepHead is what a rendered step shows whatever its kind: the source,
// month and pollutant of the line it is about (that line, nil for the
// totals), or a month total's month. StepsAt and the result writer
// both start a step with it.
func (r *Result) stepHead(s *Step) (base TraceStep, l *Line) {
	if s.about() && s.L >= 0 && s.L < len(r.Lines) {
		l = &r.Lines[s.L]
		base.Source, base.Month = l.Source, l.Month
		if s.Kind != StepRanking {
			base.Pollutant = l.Pollutant
		}
	} else if s.Kind == StepMonthTotal {
		base.Month = s.Note
	}
	return base, l
}

// arithmeticSteps renders a computed step (one whose arithmetic() is not
// 0) as the steps it reads as, each through add. Only the full trace
// has them.
func (r *Result) arithmeticSteps(s *Step, l *Line, add func(kind, rule, text string)) {
	switch s.Kind {
	case StepEquivalents:
		exact := approx(l.num, l.den)
		add(StepEquivalents, s.Rule, equivalentsText(l, exact))
		if r.Rounding == Exact {
			add(StepRounding, "取整口径 exact（污染当量数仅为展示保留四位小数，计算与排序用精确值）",
				"污染当量数精确值 "+exact+"，仅展示保留四位 "+param.FormatDecimal(l.Equivalents.Decimal, 4)+"，排序和计税用精确值")
		} else {
			add(StepRounding, "取整口径 per_line_2dp（污染当量数四舍五入保留两位小数，按其排序）",
				"污染当量数 "+exact+" 四舍五入保留两位小数 → "+param.FormatDecimal(l.Equivalents.Decimal, 2)+"，按此值排序并计税")
		}
	case StepTaxDue:
		add(StepRate, "环境保护税法 第六条", rateText(s.rate, l.Rate.Decimal))
		var product string
		if r.Rounding == Exact {
			product = approx(l.num.Mul(l.Rate.Decimal), l.den)
			add(StepTaxDue, s.Rule, "应纳税额 = "+param.FormatDecimal(l.num, -1)+" ÷ "+param.FormatDecimal(l.den, -1)+" × "+param.FormatDecimal(l.Rate.Decimal, -1)+" = "+product)
		} else {
			product = param.FormatDecimal(l.Equivalents.Decimal.Mul(l.Rate.Decimal), -1)
			add(StepTaxDue, s.Rule, "应纳税额 = 污染当量数 "+param.FormatDecimal(l.Equivalents.Decimal, -1)+" × 适用税额 "+param.FormatDecimal(l.Rate.Decimal, -1)+" = "+product)
		}
		add(StepRounding, "应纳税额四舍五入至分（元列至角分）", "应纳税额 "+product+" 四舍五入至分 → "+param.FormatDecimal(l.TaxDue, 2))
	case StepReduction:
		share := l.ReductionFactor.Decimal
		off := one.Sub(share)
		t := "月均浓度 " + param.FormatDecimal(l.in.AvgConcentration.Decimal, -1) + " " + s.Note + " 标准 " + param.FormatDecimal(l.in.StandardConcentration.Decimal, -1) + " 的 " + ratioFor(share) +
			"，最高浓度 " + param.FormatDecimal(l.in.MaxConcentration.Decimal, -1) + " 未超过标准：减按 " + pct(share) + " 征收；减免税额 = "
		before := param.FormatDecimal(l.TaxDue.Mul(off), -1)
		t += param.FormatDecimal(l.TaxDue, 2) + " × (1 − " + param.FormatDecimal(share, -1) + ") = " + before
		add(StepReduction, s.Rule, t)
		add(StepRounding, "减免税额四舍五入至分", "减免税额 "+before+" 四舍五入至分 → "+param.FormatDecimal(l.Reduction, 2)+
			"；应缴税额 = "+param.FormatDecimal(l.TaxDue, 2)+" − "+param.FormatDecimal(l.Reduction, 2)+" = "+param.FormatDecimal(l.Tax, 2))
	}
}

// textSpan is where the text of out[step] lies in StepsAt's buffer.
type textSpan struct{ step, start, end int }

func rateText(rr *RateRule, v decimal.Decimal) string {
	if rr == nil {
		return "适用税额 " + param.FormatDecimal(v, -1) + " 元/污染当量（请求中的测算税额，what-if）"
	}
	return "适用税额 " + param.FormatDecimal(v, -1) + " 元/污染当量（" + rr.ProvinceName + " " + rr.Scope + "，" + rr.Range.String() + "；" + rr.Source + "）"
}

// appendText renders the steps that read as one line, appended to b;
// a step whose text is its note comes back as note, b unchanged (isNote).
// StepsAt writes all the texts of a trace into one buffer: building each
// by concatenation was half of writing a summary answer; the result
// writer writes them straight into the answer (esc).
//
// With esc the text is appended as the inside of a JSON string. Its
// wording (the constants below) and its figures (decimals, counts) are
// known to need no escaping and are copied as they are; every other
// piece — a source's ID, a pollutant's name, a step's note, a month, the
// reason a line exceeded — may hold what a request typed and goes
// through appendEscaped (u). Each such piece sits between constants that
// start and end with whole characters (or at an end of the text), so
// escaping the pieces one by one gives what escaping the whole text
// would (an invalid byte stays invalid whatever follows it).
func (r *Result) appendText(b []byte, s *Step, l *Line, esc bool) (out []byte, note string, isNote bool) {
	var v [4]decimal.Decimal
	if s.data != nil {
		v = s.data.vals
	}
	d := func(b []byte, x decimal.Decimal) []byte { return param.AppendDecimal(b, x, -1) }
	u := func(b []byte, x string) []byte {
		if esc {
			return appendEscaped(b, x)
		}
		return append(b, x...)
	}
	switch s.Kind {
	case StepTonnes:
		switch {
		case l != nil && l.Kind == KindSolidWaste:
			b = d(append(b, "排放量 = 产生量 "...), v[0])
			b = d(append(b, " − 贮存量 "...), v[1])
			b = d(append(b, " − 处置量 "...), v[2])
			b = d(append(b, " − 综合利用量 "...), v[3])
			b = append(b, " = "...)
			if base, ok := solidBase(v); ok {
				b = appendFig(b, base)
			} else {
				b = d(b, v[0].Sub(v[1]).Sub(v[2]).Sub(v[3]))
			}
			return append(b, " 吨"...), "", false
		case l != nil && l.Kind == KindLivestock:
			b = d(append(b, "月均存栏量 = (月初 "...), v[0])
			b = d(append(b, " + 月末 "...), v[1])
			b = d(append(b, ") ÷ 2 = "...), v[2])
			return b, "", false
		case l != nil && l.pol != nil && l.pol.Special == SpecialColour:
			b = d(append(b, "色度超标倍数 = (实测 "...), v[0])
			b = d(append(b, " − 标准 "...), v[1])
			b = d(append(b, ") ÷ 标准 "...), v[1])
			b = append(b, " = "...)
			m, ok := figOf(v[0])
			s1, ok1 := figOf(v[1])
			if ok && ok1 {
				m, ok = subFig(m, s1)
			}
			if ok && ok1 {
				if out, fits := appendApproxFig(b, m, s1); fits {
					return out, "", false
				}
			}
			b = appendApprox(b, v[0].Sub(v[1]), v[1])
			return b, "", false
		}
		b = d(append(b, "排放量 "...), v[0])
		b = d(append(b, " 吨 = "...), v[1])
		return append(b, " 千克"...), "", false
	case StepPenaltyBase:
		b = u(b, s.Note)
		b = d(append(b, "：以产生量 "...), v[0])
		return append(b, " 作为计税依据"...), "", false
	case StepPHBand:
		b = d(append(b, "pH值 "...), v[0])
		b = append(u(append(b, " 落在 "...), s.Note), " 档，污染当量值 "...)
		b = d(b, v[1])
		return append(b, " 吨污水"...), "", false
	case StepNoiseExceed:
		b = d(append(b, "超标分贝数 = "...), v[0])
		b = d(append(b, " − "...), v[1])
		b = d(append(b, " = "...), v[2])
		b = d(append(b, "，四舍五入取整为 "...), v[3])
		return append(b, " 分贝"...), "", false
	case StepNoReduction:
		if s.data != nil {
			b = d(append(b, "月均浓度 "...), v[0])
			b = d(append(b, " 不低于 标准 "...), v[1])
			b = d(append(b, " × "...), v[2])
			b = d(append(b, " = "...), v[1].Mul(v[2]))
			return append(b, "：不予减征"...), "", false
		}
		return b, s.Note, true
	case StepOneOf:
		kept := &r.Lines[s.N]
		b = append(u(b, kept.Pollutant), ' ')
		b = d(b, kept.Equivalents.Decimal)
		b = append(u(append(b, " ≥ "...), l.Pollutant), ' ')
		b = d(b, l.Equivalents.Decimal)
		b = u(append(b, "：只征收 "...), kept.Pollutant)
		b = u(append(b, "，"...), l.Pollutant)
		return append(b, " 不征收"...), "", false
	case StepRanking:
		switch s.Note {
		case "air":
			b = append(b, "大气污染物"...)
		case "water1":
			b = append(b, "第一类水污染物"...)
		default:
			b = append(b, "其他类水污染物"...)
		}
		b = append(b, "按污染当量数从大到小排序："...)
		var buf [8]*Line
		for k, rl := range r.ranked(buf[:0], s.L, s.Note) {
			if k > 0 {
				b = append(b, " > "...)
			}
			b = append(u(b, rl.Pollutant), ' ')
			b = d(b, rl.Equivalents.Decimal)
		}
		b = append(append(append(b, "；对前"...), topZh(s.N)...), "项征收"...)
		return b, "", false
	case StepNoisePeak:
		b = append(u(append(b, "夜间"...), s.Note), "突发噪声：峰值超标 = 最大声级 "...)
		b = d(b, v[0])
		b = d(append(b, " − (限值 "...), v[1])
		b = d(append(b, " + "...), v[2])
		b = d(append(b, ") = "...), v[3])
		return append(b, " 分贝；与等效声级超标分贝值比较，取高者（附表一 噪声 注5）"...), "", false
	case StepNoiseTax:
		b = d(append(b, "超标 "...), l.Quantity)
		b = d(append(b, " 分贝，每月 "...), v[0])
		b = append(b, " 元"...)
		b = d(append(b, "；超标天数 "...), v[1])
		if l.Halved {
			b = append(append(append(b, " 不足 "...), itoa(s.N)...), " 天，减半"...)
		} else {
			b = append(append(append(b, " 不少于 "...), itoa(s.N)...), " 天，不减半"...)
		}
		if l.Doubled {
			if l.noise != nil && l.noise.count >= 2 {
				b = append(append(append(b, "；单位边界长度超过100米且有 "...), itoa(l.noise.count)...), " 处超标，按两个单位计算"...)
			} else {
				b = append(b, "；边界长度超过100米且有两处以上超标，按两个单位计算"...)
			}
		}
		b = d(append(b, "：应纳税额 "...), v[2])
		return append(b, " 元"...), "", false
	case StepSolidTax:
		b = d(append(b, "应纳税额 = 排放量 "...), v[0])
		b = d(append(b, " 吨 × "...), v[1])
		b = d(append(b, " 元/吨 = "...), v[2])
		return b, "", false
	case StepGate:
		scope := "该纳税人当月所有排放口和无组织排放"
		if s.Note == "outlet" {
			scope = "该排放口当月"
		}
		b = u(append(u(b, l.Source), ' '), l.Pollutant)
		if l.exceedWhy != "" {
			b = append(u(append(b, "（"...), l.exceedWhy), "）"...)
		}
		b = append(append(append(b, " 当月超过排放标准："...), scope...), "不予减征环境保护税"...)
		return b, "", false
	case StepMonthTotal:
		b = append(u(b, s.Note), " 应纳税额 "...)
		b = param.AppendDecimal(b, v[0], 2)
		b = param.AppendDecimal(append(b, " 元，减免税额 "...), v[1], 2)
		b = param.AppendDecimal(append(b, " 元，应缴税额 "...), v[2], 2)
		return append(b, " 元（按月计算）"...), "", false
	case StepTotal:
		b = param.AppendDecimal(append(b, "合计：应纳税额 "...), v[0], 2)
		b = param.AppendDecimal(append(b, " 元，减免税额 "...), v[1], 2)
		b = param.AppendDecimal(append(b, " 元，应缴税额 "...), v[2], 2)
		return append(b, " 元"...), "", false
	}
	return b, s.Note, true
}

// solidBase is 产生量 − 贮存量 − 处置量 − 综合利用量 (v[0] − v[1] − v[2]
// − v[3]) when all are small, with decimal's exponent.
func solidBase(v [4]decimal.Decimal) (fig, bool) {
	x, ok := figOf(v[0])
	for i := 1; ok && i < 4; i++ {
		var y fig
		if y, ok = figOf(v[i]); ok {
			x, ok = subFig(x, y)
		}
	}
	return x, ok
}

func ratioFor(share decimal.Decimal) string {
	switch param.FormatDecimal(share, -1) {
	case "0.75":
		return "70%（低于标准百分之三十）"
	case "0.5":
		return "50%（低于标准百分之五十）"
	}
	return "限值"
}

func equivalentsText(l *Line, exact string) string {
	if l == nil {
		return ""
	}
	if l.pol != nil {
		switch l.pol.Special {
		case SpecialPH, SpecialColiform, SpecialChlorine:
			return "污染当量数 = 污水排放量 " + param.FormatDecimal(l.num, -1) + " 吨 ÷ 污染当量值 " + param.FormatDecimal(l.den, -1) + " = " + exact
		case SpecialColour:
			return "污染当量数 = 污水排放量 × 超标倍数 ÷ 污染当量值 " + param.FormatDecimal(l.EquivalentValue.Decimal, -1) + " = " + param.FormatDecimal(l.num, -1) + " ÷ " + param.FormatDecimal(l.den, -1) + " = " + exact
		case SpecialStock:
			return "污染当量数 = 月均存栏量 ÷ 污染当量值 " + param.FormatDecimal(l.EquivalentValue.Decimal, -1) + " = " + exact
		case SpecialT4:
			return "污染当量数 = 特征指标数量 " + param.FormatDecimal(l.num, -1) + " ÷ 污染当量值 " + param.FormatDecimal(l.den, -1) + " = " + exact
		}
	}
	return "污染当量数 = 排放量 " + param.FormatDecimal(l.num, -1) + " 千克 ÷ 污染当量值 " + param.FormatDecimal(l.den, -1) + " 千克 = " + exact
}
