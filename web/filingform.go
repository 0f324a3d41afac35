package web

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// The forms of the filing pages (税源信息采集 and the declaration's
// figures): what they show, and how what was typed becomes domain values.
// Numbers are accepted as people type them: thousands separators, full-
// width digits, spaces.

// FigureLabel names each figure field with its unit.
var FigureLabel = map[string]string{
	"emission_kg": "排放量（千克）", "wastewater_t": "污水排放量（吨）",
	"avg_concentration": "月均浓度（mg/m³ 或 mg/L）", "max_concentration": "最高浓度（mg/m³ 或 mg/L）",
	"value": "pH 值", "measured": "实测值", "standard": "标准值",
	"day_measured_db": "昼间最高监测值（dB）", "day_exceed_days": "昼间超标天数（天）",
	"night_measured_db": "夜间最高监测值（dB）", "night_exceed_days": "夜间超标天数（天）",
	"generated_t": "产生量（吨）", "stored_t": "贮存量（吨）", "disposed_t": "处置量（吨）", "utilized_t": "综合利用量（吨）",
	"stock_start": "月初存栏量（头/羽）", "stock_end": "月末存栏量（头/羽）", "quantity": "特征指标数量",
}

// SourceLabel names each field of the 税源明细表 form.
var SourceLabel = map[string]string{
	"outlet_no": "排放口编号", "outlet_name": "排放口名称或噪声源名称", "location": "生产经营所在街乡",
	"kind": "污染物类别", "fugitive": "无组织排放", "pollutant": "污染物名称", "method": "计算方法",
	"standard": "执行标准", "standard_concentration": "标准浓度值（mg/m³ 或 mg/L）",
	"day_limit_db": "昼间标准值（dB）", "night_limit_db": "夜间标准值（dB）",
	"multiple_points": "沿边界长度超过100米有两处以上噪声超标", "valid_from": "有效期起", "valid_to": "有效期止",
	"period": "税款所属期", "paid_on": "缴款日期", "amount": "缴款金额（元）", "file": "导入文件",
	"credit_code": "统一社会信用代码", "name": "纳税人名称", "region": "生产经营所在区划代码", "industry": "行业",
}

var fullWidth = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "，", ",", " ", ",", "\u3000", ",", "\u00a0", ",", "\u2009", ",", "－", "-", "＋", "+")

var groupedRe = regexp.MustCompile(`^[-+]?\d{1,3}(,\d{3})+$`)

// NormalizeNumber turns a number as typed (1,820.5, １８２０．５, "24 000")
// into the plain decimal the domain reads. Separators are taken only
// where they group thousands: "12,5" is left as it is (and refused), not
// read as 125.
func NormalizeNumber(s string) string {
	n := strings.Trim(fullWidth.Replace(strings.TrimSpace(s)), ",")
	if n == "" {
		// Only separators: kept as typed, so that the engine refuses it
		// by name rather than the field vanishing (found by FuzzParseForm).
		return strings.TrimSpace(s)
	}
	if !strings.Contains(n, ",") {
		return n
	}
	whole, frac, dot := strings.Cut(n, ".")
	if !groupedRe.MatchString(whole) || strings.Contains(frac, ",") {
		return strings.TrimSpace(s)
	}
	n = strings.ReplaceAll(whole, ",", "")
	if dot {
		n += "." + frac
	}
	return n
}

// ParseNumber reads a non-negative number as typed; msg is why not, in
// Chinese.
func ParseNumber(s string) (decimal.Decimal, string) {
	n := NormalizeNumber(s)
	d, err := param.ParseQuantity(n)
	if err != nil {
		if strings.HasPrefix(n, "-") {
			return d, "不能为负数"
		}
		return d, "请填写数字，如 1820.5（可带千位分隔符）"
	}
	return d, ""
}

func nullNumber(vals url.Values, key string, errs *[]calc.FieldError) decimal.NullDecimal {
	v := strings.TrimSpace(vals.Get(key))
	if v == "" {
		return decimal.NullDecimal{}
	}
	d, msg := ParseNumber(v)
	if msg != "" {
		*errs = append(*errs, calc.FieldError{Path: key, Code: "invalid_number", Message: msg})
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}
}

// ParseSourceForm reads the 税源 form; bad numbers come back as errors by
// field, in Chinese.
func ParseSourceForm(vals url.Values, code string) (filing.Source, []calc.FieldError) {
	var errs []calc.FieldError
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	s := filing.Source{CreditCode: code, OutletNo: t("outlet_no"), OutletName: t("outlet_name"), Location: t("location"),
		Kind: t("kind"), Fugitive: vals.Get("fugitive") != "", Pollutant: t("pollutant"), Method: t("method"), Standard: t("standard"),
		MultiplePoints: vals.Get("multiple_points") != "", ValidFrom: filing.Date(t("valid_from")), ValidTo: filing.Date(t("valid_to"))}
	s.StandardConcentration = nullNumber(vals, "standard_concentration", &errs)
	s.DayLimitDB = nullNumber(vals, "day_limit_db", &errs)
	s.NightLimitDB = nullNumber(vals, "night_limit_db", &errs)
	if s.Kind == filing.KindNoise {
		s.Pollutant = ""
	}
	if s.Kind != filing.KindAir && s.Kind != filing.KindWater {
		s.Method, s.StandardConcentration = "", decimal.NullDecimal{}
	}
	if s.Kind != filing.KindNoise {
		s.DayLimitDB, s.NightLimitDB, s.MultiplePoints = decimal.NullDecimal{}, decimal.NullDecimal{}, false
	}
	if s.Kind != filing.KindAir {
		s.Fugitive = false
	}
	return s, errs
}

// ParticulateHint is the one suggestion for 颗粒物, the permit's usual
// name, which the tax law's table names by source: 烟尘 for a stack,
// 一般性粉尘 for fugitive dust (and 石棉尘、玻璃棉尘、碳黑尘 by material).
func ParticulateHint(pollutant string, fugitive bool) string {
	if strings.TrimSpace(pollutant) != "颗粒物" {
		return ""
	}
	if fugitive {
		return "税法的污染物名称中没有“颗粒物”：无组织排放的扬尘请填“一般性粉尘”（石棉、玻璃棉、碳黑等粉尘填相应名称）。"
	}
	return "税法的污染物名称中没有“颗粒物”：有组织排放口（烟囱）请填“烟尘”；无组织扬尘请勾选“无组织排放”并填“一般性粉尘”。"
}

// FigureCell is one input of the figures form.
type FigureCell struct {
	Name   string // fig.<source>.<month>.<field>
	Field  string
	Label  string
	Value  string
	Errors []string
}

// FigureRow is one source and month of the figures form.
type FigureRow struct {
	SourceID int64
	Source   string
	Kind     string
	Month    string
	Cells    []FigureCell
}

func figName(id int64, month, field string) string {
	return "fig." + strconv.FormatInt(id, 10) + "." + month + "." + field
}

// FigureRows lays out the figures form of a period: one row per month and
// source valid in it, with the given figures (or, when vals is not nil,
// what was typed) and the errors by input name.
func FigureRows(months []string, sources []*filing.Source, figs []filing.Figure, vals url.Values, errs map[string][]string) []FigureRow {
	have := map[string]map[string]string{}
	for i := range figs {
		have[strconv.FormatInt(figs[i].SourceID, 10)+"/"+figs[i].Month] = FigureValues(&figs[i])
	}
	var rows []FigureRow
	for _, m := range months {
		for _, s := range sources {
			if !s.ActiveIn(m) {
				continue
			}
			r := FigureRow{SourceID: s.ID, Source: SourceName(s), Kind: s.Kind, Month: m}
			cur := have[strconv.FormatInt(s.ID, 10)+"/"+m]
			for _, f := range filing.FigureFields(s.Kind) {
				n := figName(s.ID, m, f)
				v := cur[f]
				if vals != nil {
					v = vals.Get(n)
				}
				r.Cells = append(r.Cells, FigureCell{Name: n, Field: f, Label: FigureLabel[f], Value: v, Errors: errs[n]})
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// SourceName names a source for people: outlet, name, pollutant.
func SourceName(s *filing.Source) string {
	parts := []string{s.OutletNo}
	if s.OutletName != "" && s.OutletName != s.OutletNo {
		parts = append(parts, s.OutletName)
	}
	if s.Pollutant != "" {
		parts = append(parts, s.Pollutant)
	} else {
		parts = append(parts, KindLabel[s.Kind])
	}
	return strings.Join(parts, " ")
}

// FigureValues are a figure's filled fields by name, as text (the source
// and month left out).
func FigureValues(f *filing.Figure) map[string]string { return f.Values() }

// ParseFigures reads the figures form: a figure per source and month with
// at least one input filled. Errors are by input name; Names maps each
// figure's index to its inputs' prefix, to place the domain's errors
// (figures[i].field) beside the inputs.
func ParseFigures(vals url.Values) ([]filing.Figure, []string, map[string][]string) {
	type key struct {
		id    int64
		month string
	}
	byKey := map[key]*filing.Figure{}
	var keys []key
	errs := map[string][]string{}
	for name, vs := range vals {
		parts := strings.Split(name, ".")
		if len(parts) != 4 || parts[0] != "fig" || len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			continue
		}
		d, msg := ParseNumber(vs[0])
		if msg != "" {
			errs[name] = append(errs[name], msg)
			continue
		}
		k := key{id, parts[2]}
		if byKey[k] == nil {
			byKey[k] = &filing.Figure{SourceID: id, Month: parts[2]}
			keys = append(keys, k)
		}
		// Stored as written without trailing zeros (1,820.50 → 1820.5), as
		// figures always have been.
		d, _ = decimal.NewFromString(d.String())
		if !byKey[k].SetField(parts[3], d) && filing.IsDayCount(parts[3]) {
			errs[name] = append(errs[name], "天数请填整数")
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].month != keys[j].month {
			return keys[i].month < keys[j].month
		}
		return keys[i].id < keys[j].id
	})
	figs := make([]filing.Figure, 0, len(keys))
	prefixes := make([]string, 0, len(keys))
	for _, k := range keys {
		figs = append(figs, *byKey[k])
		prefixes = append(prefixes, "fig."+strconv.FormatInt(k.id, 10)+"."+k.month+".")
	}
	return figs, prefixes, errs
}

var figPathRe = regexp.MustCompile(`^figures\[(\d+)\](?:\.(\w+))?$`)

// PlaceFigureErrors puts the domain's errors on figures[i].field beside the
// inputs; what has no input is returned to list at the top.
func PlaceFigureErrors(errs []calc.FieldError, prefixes []string, figs []filing.Figure, sources map[int64]*filing.Source, into map[string][]string) []Explained {
	var rest []Explained
	for _, fe := range errs {
		m := figPathRe.FindStringSubmatch(fe.Path)
		if m != nil {
			i, _ := strconv.Atoi(m[1])
			if i < len(prefixes) && m[2] != "" && m[2] != "month" && m[2] != "source_id" {
				into[prefixes[i]+m[2]] = append(into[prefixes[i]+m[2]], Explain(fe, sources).Text)
				continue
			}
		}
		rest = append(rest, Explain(fe, sources))
	}
	return rest
}

// Explained is a domain error as a person reads it: Chinese text, with the
// path, code and the engine's own words kept for 依据详情.
type Explained struct {
	Text   string
	Path   string
	Code   string
	Detail string
}

var missingRe = regexp.MustCompile(`^税源 (\d+) .* has no figures for (\d{4}-\d{2})`)
var sourceIDRe = regexp.MustCompile(`^税源 (\d+)`)

// Explain writes a field error in plain Chinese.
func Explain(fe calc.FieldError, sources map[int64]*filing.Source) Explained {
	e := Explained{Path: fe.Path, Code: fe.Code, Detail: fe.Message}
	field := fe.Path
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	label := SourceLabel[field]
	if label == "" {
		label = FigureLabel[field]
	}
	src := func(msg string) string {
		if m := sourceIDRe.FindStringSubmatch(msg); m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			if s := sources[id]; s != nil {
				return SourceName(s)
			}
			return "税源 " + m[1]
		}
		return ""
	}
	switch fe.Code {
	case "missing_figures":
		if m := missingRe.FindStringSubmatch(fe.Message); m != nil {
			e.Text = fmt.Sprintf("%s 缺少 %s 的数据；当月没有排放请填 0。", src(fe.Message), m[2])
		} else {
			e.Text = "有税源缺少当月的数据；当月没有排放请填 0。"
		}
	case "required":
		e.Text = orDefault(label, "此项") + "必须填写。"
	case "invalid_number", "invalid_value":
		if fe.Code == "invalid_value" && strings.Contains(fe.Message, "before valid_from") {
			e.Text = "有效期止不能早于有效期起。"
		} else if strings.Contains(fe.Message, "YYYY-MM-DD") {
			e.Text = orDefault(label, "日期") + "请按 2024-01-01 的格式填写。"
		} else if fe.Code == "invalid_number" || strings.Contains(fe.Message, "number") || strings.Contains(fe.Message, "decimal") {
			e.Text = orDefault(label, "此项") + "请填写大于零的数字。"
		} else {
			e.Text = orDefault(label, "此项") + "的取值无效，请检查。"
		}
	case "not_applicable":
		e.Text = orDefault(label, "此项") + "不适用于这类税源，请留空。"
	case "immutable_field":
		e.Text = "税源的污染物类别不能变更：请终止该税源并新增一个。"
	case "unknown_source":
		e.Text = "该税源不存在或不属于本纳税人。"
	case "month_outside_period":
		e.Text = "月份不在本期的税款所属期内。"
	case "source_not_valid":
		e.Text = orDefault(src(fe.Message), "该税源") + " 在该月不在有效期内。"
	case "duplicate_figure":
		e.Text = "同一税源同一月份填了两次。"
	case "too_long":
		e.Text = orDefault(label, "此项") + "太长。"
	case "unknown_pollutant", "unknown_name":
		if strings.Contains(fe.Message, "颗粒物") {
			e.Text = "「颗粒物」不是税法中的污染物名称：有组织排放口请填「烟尘」，无组织排放（如堆场扬尘）请填「一般性粉尘」。"
			break
		}
		e.Text = orDefault(label, "污染物名称") + "不是税法《环境保护税税目税额表》或《应税污染物和当量值表》中的名称，请从提示中选择。"
	case "declaration_exists":
		e.Text = "该期已经申报过：请打开该期的申报办理更正申报。"
	case "csrf":
		e.Text = "页面已过期，请刷新后重新提交。"
	case "version_mismatch", "stale", "precondition_failed":
		e.Text = "这份数据刚被别人修改过，请刷新页面后再办理。"
	default:
		if msg := strings.TrimSpace(fe.Message); msg != "" && !hasLatin(msg) {
			e.Text = msg
		} else {
			e.Text = orDefault(label, "此项") + "填写有误，请核对（详见依据详情）。"
		}
	}
	return e
}

// hasLatin tells whether a message carries English words (more than an
// isolated unit or code letter).
func hasLatin(s string) bool {
	run := 0
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			run++
			if run >= 4 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// ExplainAll explains every error.
func ExplainAll(errs []calc.FieldError, sources map[int64]*filing.Source) []Explained {
	out := make([]Explained, len(errs))
	for i, fe := range errs {
		out[i] = Explain(fe, sources)
	}
	return out
}
