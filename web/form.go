package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ecotax/ecotax/calc"
)

// The pre-check form names every input by its JSON path in the tax
// assessment contract (sources[0].pollutants[1].emission_kg), so a
// problem's errors[].path points straight at the input it belongs to, and
// the posted form is written as the contract's request without any
// renaming. Form is that request as text, in the order the user entered
// it; it never interprets a figure — the engine does.

// Form limits: a post with more is cut, never allocated.
const (
	MaxSources    = 500
	MaxPollutants = 60
	maxValueBytes = 400
)

// Kinds of source the form offers, in the order of the tax return.
var Kinds = []string{"air", "water", "noise", "solid_waste", "livestock", "sampling"}

// KindLabel is the Chinese name of each source kind.
var KindLabel = map[string]string{
	"air": "大气污染物", "water": "水污染物", "noise": "工业噪声",
	"solid_waste": "固体废物", "livestock": "畜禽养殖", "sampling": "抽样测算（小型企业、第三产业等）",
}

// FieldDef is one input: its contract key (relative to the request, a
// source or a pollutant; "day.limit_db" for the nested noise objects), its
// label, and how it is entered.
type FieldDef struct {
	Key   string
	Label string
	Type  string   // text, decimal, whole, bool, select, hidden
	List  string   // datalist id (text inputs) or option set (selects)
	Kinds []string // source kinds that have it; nil: every kind
	Hint  string
	Unit  string
	More  bool // rarely needed: folded under 更多选项
}

func (d FieldDef) forKind(kind string) bool {
	if d.Kinds == nil {
		return true
	}
	for _, k := range d.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// TopFields are the request-level inputs.
var TopFields = []FieldDef{
	{Key: "taxpayer.name", Label: "纳税人名称", Type: "text", Hint: "选填，仅回显"},
	{Key: "taxpayer.credit_code", Label: "统一社会信用代码", Type: "text", Hint: "选填，仅回显"},
	{Key: "region", Label: "行政区划代码", Type: "text", List: "regions", Hint: "GB/T 2260 六位代码，决定适用税额"},
	{Key: "period", Label: "税款所属期", Type: "text", List: "periods", Hint: "按季 2024-Q1，按月 2024-03，按次 2024-03-15"},
	{Key: "rounding", Label: "取整口径", Type: "select", List: "rounding"},
}

var (
	airWater = []string{"air", "water"}
	pens     = []string{"air", "water", "solid_waste"}
)

// SourceFields are a source's inputs; Kinds limits each to the kinds the
// contract allows it on.
var SourceFields = []FieldDef{
	{Key: "kind", Type: "hidden"},
	{Key: "id", Label: "排放口编号", Type: "text", Hint: "如 DA001、DW001"},
	{Key: "name", Label: "名称", Type: "text"},
	{Key: "month", Label: "税款所属月份", Type: "text", List: "months", Hint: "YYYY-MM"},
	{Key: "fugitive", Label: "无组织排放", Type: "bool", Kinds: []string{"air"}},
	{Key: "wastewater_t", Label: "废水排放量", Type: "decimal", Unit: "吨", Kinds: []string{"water"}, Hint: "pH、色度、大肠菌群数、余氯量按污水量计"},
	{Key: "day.limit_db", Label: "昼间标准值", Type: "decimal", Unit: "dB", Kinds: []string{"noise"}},
	{Key: "day.measured_db", Label: "昼间最高监测值", Type: "decimal", Unit: "dB", Kinds: []string{"noise"}},
	{Key: "day.exceed_days", Label: "昼间超标天数", Type: "whole", Unit: "天", Kinds: []string{"noise"}},
	{Key: "night.limit_db", Label: "夜间标准值", Type: "decimal", Unit: "dB", Kinds: []string{"noise"}},
	{Key: "night.measured_db", Label: "夜间最高监测值", Type: "decimal", Unit: "dB", Kinds: []string{"noise"}},
	{Key: "night.exceed_days", Label: "夜间超标天数", Type: "whole", Unit: "天", Kinds: []string{"noise"}},
	{Key: "boundary_over_100m_multiple_points", Label: "沿边界超过100米有两处以上噪声超标", Type: "bool", Kinds: []string{"noise"}},
	{Key: "waste", Label: "固体废物类别", Type: "text", List: "wastes", Kinds: []string{"solid_waste"}},
	{Key: "generated_t", Label: "本月产生量", Type: "decimal", Unit: "吨", Kinds: []string{"solid_waste"}},
	{Key: "stored_t", Label: "本月贮存量", Type: "decimal", Unit: "吨", Kinds: []string{"solid_waste"}},
	{Key: "disposed_t", Label: "本月处置量", Type: "decimal", Unit: "吨", Kinds: []string{"solid_waste"}},
	{Key: "utilized_t", Label: "本月综合利用量", Type: "decimal", Unit: "吨", Kinds: []string{"solid_waste"}},
	{Key: "species", Label: "畜禽种类", Type: "text", List: "species", Kinds: []string{"livestock"}},
	{Key: "stock_start", Label: "月初存栏量", Type: "decimal", Unit: "头/羽", Kinds: []string{"livestock"}},
	{Key: "stock_end", Label: "月末存栏量", Type: "decimal", Unit: "头/羽", Kinds: []string{"livestock"}},
	{Key: "item", Label: "类型", Type: "text", List: "items", Kinds: []string{"sampling"}},
	{Key: "quantity", Label: "特征指标数量", Type: "decimal", Kinds: []string{"sampling"}, Hint: "床位、吨污水等，按表四的特征指标"},
	{Key: "beds", Label: "床位数", Type: "decimal", Kinds: []string{"sampling"}, Hint: "医院按污水量计算时用于判断规模", More: true},
	{Key: "exemption", Label: "免税或不属于直接排放", Type: "select", List: "exemptions", More: true},
	{Key: "penalty", Label: "以产生量为计税依据的情形", Type: "select", List: "penalties", Kinds: pens, More: true},
	{Key: "facility", Label: "设施类型", Type: "select", List: "facilities", Kinds: airWater, More: true},
}

// PollutantFields are the inputs of one pollutant row of an air or water
// outlet.
var PollutantFields = []FieldDef{
	{Key: "name", Label: "污染物名称", Type: "text", List: "names-"},
	{Key: "emission_kg", Label: "排放量", Type: "decimal", Unit: "千克"},
	{Key: "method", Label: "计算方法", Type: "select", List: "methods"},
	{Key: "avg_concentration", Label: "月均浓度", Type: "decimal", Unit: "mg/m³ 或 mg/L"},
	{Key: "max_concentration", Label: "最高浓度", Type: "decimal", Unit: "mg/m³ 或 mg/L"},
	{Key: "standard_concentration", Label: "标准浓度值", Type: "decimal", Unit: "mg/m³ 或 mg/L"},
	{Key: "value", Label: "pH值", Type: "decimal", Kinds: []string{"water"}, Hint: "仅 pH 值"},
	{Key: "measured", Label: "实测值", Type: "decimal", Kinds: []string{"water"}, Hint: "色度、大肠菌群数"},
	{Key: "standard", Label: "标准值", Type: "decimal", Kinds: []string{"water"}, Hint: "色度、大肠菌群数"},
	{Key: "exceeds_standard", Label: "有超标记录", Type: "bool", Hint: "浓度值未显示的超标（如监督性监测超标）", More: true},
	{Key: "generated_kg", Label: "产生量", Type: "decimal", Unit: "千克", Hint: "仅在以产生量计税时填写", More: true},
}

// Form is a pre-check request as entered: every value is text.
type Form struct {
	Top     map[string]string
	Sources []*FormSource
}

// FormSource is one outlet, noise source, waste stream, farm or sampled
// discharger for one month.
type FormSource struct {
	F          map[string]string // keys of SourceFields
	Pollutants []map[string]string
}

// Kind is the source's kind.
func (s *FormSource) Kind() string { return s.F["kind"] }

// NewSource is an empty source of a kind; air and water start with one
// pollutant row.
func NewSource(kind, month string) *FormSource {
	s := &FormSource{F: map[string]string{"kind": kind, "month": month}}
	if kind == "air" || kind == "water" {
		s.Pollutants = []map[string]string{{}}
	}
	return s
}

func defByKey(defs []FieldDef, key string) (FieldDef, bool) {
	for _, d := range defs {
		if d.Key == key {
			return d, true
		}
	}
	return FieldDef{}, false
}

// splitIndex reads "sources[12]" → 12 and the rest after "].".
func splitIndex(s, prefix string) (int, string, bool) {
	if !strings.HasPrefix(s, prefix+"[") {
		return 0, "", false
	}
	s = s[len(prefix)+1:]
	end := strings.IndexByte(s, ']')
	if end < 1 || end > 4 {
		return 0, "", false
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || n < 0 || s[:end] != strconv.Itoa(n) {
		return 0, "", false
	}
	rest := s[end+1:]
	if rest != "" {
		if rest[0] != '.' {
			return 0, "", false
		}
		rest = rest[1:]
	}
	return n, rest, true
}

func clean(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > maxValueBytes {
		v = v[:maxValueBytes]
		for !utf8.ValidString(v) {
			v = v[:len(v)-1]
		}
	}
	return v
}

// ParseForm reads posted fields named by contract path. Names it does not
// know (the CSRF token, buttons) are ignored; indices are kept in order
// and closed up, so the request has no holes.
func ParseForm(vals url.Values) *Form {
	f := &Form{Top: map[string]string{}}
	srcs := map[int]*FormSource{}
	pols := map[int]map[int]map[string]string{}
	for name, vs := range vals {
		if len(vs) == 0 {
			continue
		}
		v := clean(vs[len(vs)-1]) // a checkbox with a hidden fallback sends two; the last wins
		if _, ok := defByKey(TopFields, name); ok {
			f.Top[name] = v
			continue
		}
		i, rest, ok := splitIndex(name, "sources")
		if !ok {
			continue
		}
		if j, key, ok := splitIndex(rest, "pollutants"); ok {
			if _, known := defByKey(PollutantFields, key); !known {
				continue
			}
			if pols[i] == nil {
				if len(pols) >= MaxSources {
					continue
				}
				pols[i] = map[int]map[string]string{}
			}
			if pols[i][j] == nil {
				if len(pols[i]) >= MaxPollutants {
					continue
				}
				pols[i][j] = map[string]string{}
			}
			pols[i][j][key] = v
			continue
		}
		if _, known := defByKey(SourceFields, rest); !known {
			continue
		}
		if srcs[i] == nil {
			if len(srcs) >= MaxSources {
				continue
			}
			srcs[i] = &FormSource{F: map[string]string{}}
		}
		srcs[i].F[rest] = v
	}
	for i := range pols {
		if srcs[i] == nil && len(srcs) < MaxSources {
			srcs[i] = &FormSource{F: map[string]string{}}
		}
	}
	for _, i := range sortedKeys(srcs) {
		s := srcs[i]
		for _, j := range sortedKeys(pols[i]) {
			s.Pollutants = append(s.Pollutants, pols[i][j])
		}
		f.Sources = append(f.Sources, s)
	}
	return f
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// JSON writes the form as the contract's request. Empty inputs are left
// out, so the engine reports a missing figure as required at its path;
// every figure is written as a JSON string (the contract reads numbers
// from text, never through float64); checkboxes are true or absent.
func (f *Form) JSON() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	key := func(k string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(&b, k)
		b.WriteByte(':')
	}
	if f.Top["taxpayer.name"] != "" || f.Top["taxpayer.credit_code"] != "" {
		key("taxpayer")
		writeObject(&b, []FieldDef{{Key: "credit_code"}, {Key: "name"}}, map[string]string{
			"credit_code": f.Top["taxpayer.credit_code"], "name": f.Top["taxpayer.name"]})
	}
	for _, d := range TopFields {
		if strings.HasPrefix(d.Key, "taxpayer.") || f.Top[d.Key] == "" {
			continue
		}
		key(d.Key)
		writeString(&b, f.Top[d.Key])
	}
	key("sources")
	b.WriteByte('[')
	for i, s := range f.Sources {
		if i > 0 {
			b.WriteByte(',')
		}
		s.writeJSON(&b)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func (s *FormSource) writeJSON(b *bytes.Buffer) {
	kind := s.Kind()
	_, known := KindLabel[kind]
	defs := make([]FieldDef, 0, len(SourceFields))
	for _, d := range SourceFields {
		// An unknown kind writes every field it has: the engine then names the kind.
		if !known || d.forKind(kind) {
			defs = append(defs, d)
		}
	}
	b.WriteByte('{')
	n := writeFields(b, defs, s.F, 0)
	for _, nest := range []string{"day", "night"} {
		var sub []FieldDef
		vals := map[string]string{}
		for _, d := range defs {
			if k, ok := strings.CutPrefix(d.Key, nest+"."); ok && s.F[d.Key] != "" {
				sub = append(sub, FieldDef{Key: k, Type: d.Type})
				vals[k] = s.F[d.Key]
			}
		}
		if len(sub) == 0 {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		writeString(b, nest)
		b.WriteByte(':')
		writeObject(b, sub, vals)
	}
	if kind == "air" || kind == "water" || (!known && len(s.Pollutants) > 0) {
		if n > 0 {
			b.WriteByte(',')
		}
		writeString(b, "pollutants")
		b.WriteString(":[")
		for j, p := range s.Pollutants {
			if j > 0 {
				b.WriteByte(',')
			}
			var pd []FieldDef
			for _, d := range PollutantFields {
				if !known || d.forKind(kind) {
					pd = append(pd, d)
				}
			}
			writeObject(b, pd, p)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
}

func writeObject(b *bytes.Buffer, defs []FieldDef, vals map[string]string) {
	b.WriteByte('{')
	writeFields(b, defs, vals, 0)
	b.WriteByte('}')
}

// writeFields writes the set, non-nested fields of defs; n is how many
// were written before (for commas). It returns the new count.
func writeFields(b *bytes.Buffer, defs []FieldDef, vals map[string]string, n int) int {
	for _, d := range defs {
		v := vals[d.Key]
		if v == "" || strings.Contains(d.Key, ".") {
			continue
		}
		if d.Type == "bool" {
			if v != "true" && v != "on" {
				continue
			}
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		writeString(b, d.Key)
		b.WriteByte(':')
		switch d.Type {
		case "bool":
			b.WriteString("true")
		case "decimal", "whole":
			writeString(b, NormalizeNumber(v)) // 1,820.5 and １８２０．５ as people type them
		default:
			writeString(b, v)
		}
	}
	return n
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // never fails for a string
	b.Write(enc)
}

// Apply carries out a form button pressed without JavaScript (the script
// does the same in the page): add:KIND, del:I, addp:I, delp:I:J, copy:I.
// It reports whether op was one of them.
func (f *Form) Apply(op string) bool {
	verb, arg, _ := strings.Cut(op, ":")
	idx := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 0 && n < len(f.Sources)
	}
	switch verb {
	case "add":
		if _, ok := KindLabel[arg]; !ok || len(f.Sources) >= MaxSources {
			return false
		}
		month := ""
		if n := len(f.Sources); n > 0 {
			month = f.Sources[n-1].F["month"]
		}
		f.Sources = append(f.Sources, NewSource(arg, month))
		return true
	case "del":
		i, ok := idx(arg)
		if !ok {
			return false
		}
		f.Sources = append(f.Sources[:i], f.Sources[i+1:]...)
		return true
	case "addp":
		i, ok := idx(arg)
		if !ok || len(f.Sources[i].Pollutants) >= MaxPollutants {
			return false
		}
		f.Sources[i].Pollutants = append(f.Sources[i].Pollutants, map[string]string{})
		return true
	case "delp":
		a, b, _ := strings.Cut(arg, ":")
		i, ok := idx(a)
		if !ok {
			return false
		}
		j, err := strconv.Atoi(b)
		ps := f.Sources[i].Pollutants
		if err != nil || j < 0 || j >= len(ps) {
			return false
		}
		f.Sources[i].Pollutants = append(ps[:j], ps[j+1:]...)
		return true
	case "copy":
		i, ok := idx(arg)
		if !ok || len(f.Sources) >= MaxSources {
			return false
		}
		src := f.Sources[i]
		cp := &FormSource{F: map[string]string{}}
		for k, v := range src.F {
			cp.F[k] = v
		}
		cp.F["month"] = NextMonth(src.F["month"])
		for _, p := range src.Pollutants {
			row := map[string]string{}
			for k, v := range p {
				row[k] = v
			}
			cp.Pollutants = append(cp.Pollutants, row)
		}
		f.Sources = append(f.Sources[:i+1], append([]*FormSource{cp}, f.Sources[i+1:]...)...)
		return true
	}
	return false
}

// NextMonth turns 2024-01 into 2024-02 (and 2024-12 into 2025-01); other
// text is returned as it is.
func NextMonth(m string) string {
	if len(m) != 7 || m[4] != '-' {
		return m
	}
	y, err1 := strconv.Atoi(m[:4])
	mo, err2 := strconv.Atoi(m[5:])
	if err1 != nil || err2 != nil || mo < 1 || mo > 12 {
		return m
	}
	if mo == 12 {
		return fmt.Sprintf("%04d-01", y+1)
	}
	return fmt.Sprintf("%04d-%02d", y, mo+1)
}

// PeriodMonths lists the months of a period written YYYY-Qn (or -qn),
// YYYY-MM or YYYY-MM-DD, for the month suggestions; nil when it is none of
// those (the contract's parser, calc.ParsePeriod).
func PeriodMonths(p string) []string {
	per, msg := calc.ParsePeriod(strings.ToUpper(p))
	if msg != "" {
		return nil
	}
	return per.Months()
}

// Values writes the form as the inputs a browser would post: the inverse
// of ParseForm.
func (f *Form) Values() url.Values {
	v := url.Values{}
	for k, x := range f.Top {
		if x != "" {
			v.Set(k, x)
		}
	}
	for i, s := range f.Sources {
		p := "sources[" + strconv.Itoa(i) + "]."
		v.Set(p+"kind", s.F["kind"]) // even empty, so that the source is posted
		for k, x := range s.F {
			if x != "" {
				v.Set(p+k, x)
			}
		}
		for j, row := range s.Pollutants {
			pp := p + "pollutants[" + strconv.Itoa(j) + "]."
			v.Set(pp+"name", row["name"])
			for k, x := range row {
				if x != "" {
					v.Set(pp+k, x)
				}
			}
		}
	}
	return v
}
