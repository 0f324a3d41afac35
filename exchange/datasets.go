// Package exchange is the format of the tax–environment information
// exchange (涉税信息共享, 环境保护税法 第十五条) and the deadline of a 复核
// (法 第二十条). It is pure: it turns records into signed batches of files
// and back, and computes dates; it reads no files, no database and no
// clock (the caller passes the time a batch is made).
//
// A batch is a set of named files: one data file per dataset (JSON Lines,
// CSV or XLSX, one format per batch), a manifest (manifest.json: who,
// what, when, and for every data file its dataset, row count, size and
// SHA-256) and the manifest's HMAC-SHA256 under the shared key
// (manifest.sig). Signing the manifest signs every file through its hash.
package exchange

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// Directions of a batch.
const (
	TaxToEnv = "tax_to_env" // 税务机关 → 生态环境主管部门 (法 第十五条第三款)
	EnvToTax = "env_to_tax" // 生态环境主管部门 → 税务机关 (法 第十五条第二款)
)

// Type is the type of a field's value. Every value travels as text, so no
// receiver ever parses an amount through a binary float.
type Type int

const (
	Text    Type = iota // UTF-8, no control characters
	Decimal             // plain decimal, optional leading '-', no exponent
	Date                // YYYY-MM-DD
	Month               // YYYY-MM
	Int                 // whole number ≥ 0
)

func (t Type) String() string {
	return [...]string{"text", "decimal", "date", "month", "int"}[t]
}

// Field is one column of a dataset.
type Field struct {
	Name     string
	Type     Type
	Required bool
	Label    string // the Chinese name, for documentation and people
	Unit     string // the unit of a number, "" when it has none or it travels in a unit field
	// Absent is why this service always sends the field empty: it keeps
	// nothing it could be filled from, and never invents a value.
	Absent string
	// Enum lists the values a text field may take; nil: any text.
	Enum []string
}

// Dataset is one kind of record exchanged. Key names the fields that
// identify a record: two records with the same key in one file are refused.
type Dataset struct {
	Name      string
	Direction string
	Title     string
	Fields    []Field
	Key       []string
}

// Record is one row: values in the order of the dataset's fields; "" is
// an absent value (null in JSON Lines, an empty cell in CSV and XLSX).
type Record []string

func f(name string, t Type, label string) Field { return Field{Name: name, Type: t, Label: label} }
func req(name string, t Type, label string) Field {
	return Field{Name: name, Type: t, Required: true, Label: label}
}

// u sets the unit of a field.
func u(fl Field, unit string) Field { fl.Unit = unit; return fl }

// enum restricts a text field to a list of values.
func enum(fl Field, values ...string) Field { fl.Enum = values; return fl }

// absent marks a field this service cannot fill, with the reason.
func absent(fl Field, why string) Field { fl.Absent = why; return fl }

func ds(name, dir, title string, key []string, fields ...Field) *Dataset {
	return &Dataset{Name: name, Direction: dir, Title: title, Fields: fields, Key: key}
}

var (
	creditCode = req("credit_code", Text, "统一社会信用代码")
	region     = f("region", Text, "行政区划代码")
	period     = req("period", Text, "税款所属期")
	revision   = req("revision", Int, "申报版本")
	reviewRef  = req("review_ref", Text, "复核编号")
)

// datasets is every dataset, tax side first. The order is the order of
// files in a batch.
var datasets = []*Dataset{
	ds("declarations", TaxToEnv, "纳税申报", []string{"credit_code", "period", "revision"},
		creditCode, f("taxpayer_name", Text, "纳税人名称"), region, period, revision,
		f("replaces_revision", Int, "更正的版本"), req("status", Text, "状态"), f("deadline", Date, "申报期限"),
		f("submitted_on", Date, "申报日期"), f("total_tax_due", Decimal, "应纳税额"), f("total_reduction", Decimal, "减免税额"),
		f("total_tax", Decimal, "应缴税额"), f("previous_tax", Decimal, "原申报税额"), f("tax_difference", Decimal, "应补(退)税额")),
	ds("declaration_lines", TaxToEnv, "纳税申报明细(申报计算及减免信息)", []string{"credit_code", "period", "revision", "month", "tax_source_no", "outlet_no", "pollutant"},
		creditCode, region, period, revision, req("month", Month, "税款所属月份"),
		f("tax_source_no", Text, "税源编号"), req("outlet_no", Text, "排放口编号"), f("kind", Text, "污染物类别"),
		req("pollutant", Text, "污染物名称"), f("method", Text, "污染物排放量计算方法"),
		f("quantity", Decimal, "污染物排放量(计税依据)"), f("unit", Text, "计税依据单位"),
		u(f("avg_concentration", Decimal, "月均浓度"), "mg/m³ (大气) / mg/L (水)"),
		u(f("max_concentration", Decimal, "最高浓度"), "mg/m³ (大气) / mg/L (水)"),
		u(f("standard_concentration", Decimal, "标准浓度值"), "mg/m³ (大气) / mg/L (水)"),
		u(f("equivalent_value", Decimal, "污染当量值"), "kg (或其他计税单位) / 当量"), f("equivalents", Decimal, "污染当量数"),
		u(f("rate", Decimal, "单位税额"), "元/当量 (或元/吨、元/月)"), u(req("tax_due", Decimal, "本期应纳税额"), "元"),
		absent(f("relief_code", Text, "减免性质代码"), "ecotax holds no official 减免性质代码 table; the reduction rule is in relief_basis"),
		f("relief_basis", Text, "减免依据"), u(f("reduction", Decimal, "本期减免税额"), "元"), u(f("tax", Decimal, "本期应缴税额"), "元")),
	ds("taxpayers", TaxToEnv, "纳税人基本信息和税源信息", []string{"credit_code", "tax_source_no"},
		creditCode, req("name", Text, "纳税人名称"), region, f("industry", Text, "行业"),
		absent(f("tax_office", Text, "主管税务机关"), "ecotax keeps no 主管税务机关 per taxpayer; the region code names the area"),
		f("tax_source_no", Text, "税源编号"), f("outlet_no", Text, "排放口编号"), f("outlet_name", Text, "排放口名称或噪声源名称"),
		f("kind", Text, "污染物类别"), enum(f("fugitive", Text, "无组织排放(yes/no)"), "yes", "no"), f("pollutant", Text, "污染物名称"),
		f("method", Text, "污染物排放量计算方法"), f("standard", Text, "执行标准"),
		u(f("standard_concentration", Decimal, "标准浓度值"), "mg/m³ (大气) / mg/L (水)"),
		f("valid_from", Date, "有效期起"), f("valid_to", Date, "有效期止")),
	ds("payments", TaxToEnv, "税款入库", []string{"credit_code", "period", "revision"},
		creditCode, region, period, revision, req("paid_on", Date, "入库日期"), req("amount", Decimal, "入库金额")),
	ds("reductions", TaxToEnv, "减免税额", []string{"credit_code", "period", "revision", "month", "outlet_no", "pollutant"},
		creditCode, region, period, revision, req("month", Month, "税款所属月份"), req("outlet_no", Text, "排放口编号"),
		req("pollutant", Text, "污染物"), f("reduction_factor", Decimal, "减征后比例"), f("tax_due", Decimal, "应纳税额"),
		req("reduction", Decimal, "减免税额"), f("tax", Decimal, "应缴税额"),
		absent(f("relief_code", Text, "减免性质代码"), "ecotax holds no official 减免性质代码 table; the reduction rule is in relief_basis"),
		f("relief_basis", Text, "减免依据")),
	ds("arrears", TaxToEnv, "欠缴税款", []string{"credit_code", "period", "revision"},
		creditCode, region, period, revision, req("deadline", Date, "缴款期限"), req("owed", Decimal, "应缴税额"),
		f("paid_amount", Decimal, "已缴金额"), req("unpaid", Decimal, "欠缴税额"), req("days_late", Int, "滞纳天数"),
		f("surcharge", Decimal, "滞纳金"), req("as_of", Date, "计算日")),
	ds("tax_violations", TaxToEnv, "纳税人税收违法情况", []string{"credit_code", "period", "revision", "violation"},
		creditCode, region, period, revision, req("violation", Text, "违法情形"), req("basis", Text, "法律依据"),
		req("deadline", Date, "法定期限"), f("done_on", Date, "实际办理日期"), req("days_late", Int, "逾期天数"),
		absent(f("decision_no", Text, "税务处理(处罚)决定书文号"), "ecotax records no tax penalty decisions; the row is the fact, not a decision")),
	ds("risk_flags", TaxToEnv, "风险疑点", []string{"credit_code", "period", "outlet_no", "pollutant", "month", "flag_code"},
		creditCode, region, period, f("outlet_no", Text, "排放口编号"), f("pollutant", Text, "污染物"), f("month", Month, "月份"),
		req("flag_code", Text, "疑点代码"), f("detail", Text, "说明"), f("raised_on", Date, "发现日期")),
	ds("review_requests", TaxToEnv, "复核提请", []string{"review_ref"},
		reviewRef, creditCode, region, period, f("outlet_no", Text, "排放口编号"), f("pollutant", Text, "污染物"),
		f("month", Month, "月份"), req("flag_code", Text, "疑点代码"), req("reason", Text, "提请理由"),
		req("received_on", Date, "收到日期"), req("deadline", Date, "复核期限")),

	ds("polluters", EnvToTax, "排污单位基本信息", []string{"credit_code", "outlet_no", "fugitive", "pollutant", "mn"},
		creditCode, f("name", Text, "排污单位名称"), region,
		f("permit_no", Text, "排污许可证编号"),
		f("outlet_no", Text, "排放口编号"), f("outlet_name", Text, "排放口名称"), f("outlet_kind", Text, "污染物类别(排放口类型)"),
		enum(f("fugitive", Text, "无组织排放(yes/no)"), "yes", "no"), f("pollutant", Text, "污染物"), f("standard", Text, "执行标准"),
		u(f("standard_concentration", Decimal, "标准浓度值"), "mg/m³ (大气) / mg/L (水)"),
		enum(f("monitoring", Text, "监测方式(automatic/agency/none)"), "automatic", "agency", "none"), f("mn", Text, "自动监测设备编码(HJ 212 MN)")),
	ds("permits", EnvToTax, "排污许可", []string{"permit_no", "outlet_no", "pollutant"},
		req("permit_no", Text, "排污许可证编号"), creditCode, region, f("outlet_no", Text, "排放口编号"), f("pollutant", Text, "污染物"),
		f("standard", Text, "执行标准"), u(f("concentration_limit", Decimal, "许可排放浓度"), "mg/m³ (大气) / mg/L (水)"),
		u(f("annual_limit_kg", Decimal, "许可年排放量"), "kg"),
		req("valid_from", Date, "有效期起"), f("valid_to", Date, "有效期止")),
	ds("monitoring_monthly", EnvToTax, "污染物排放数据(自动监测月度)", []string{"credit_code", "outlet_no", "pollutant", "month"},
		creditCode, region, req("outlet_no", Text, "排放口编号"), req("mn", Text, "自动监测设备编码(HJ 212 MN)"),
		req("month", Month, "月份"), req("pollutant", Text, "污染物"), f("codes", Text, "监测因子编码(HJ 212)"),
		f("quantity", Decimal, "排放量"), f("unit", Text, "排放量单位"),
		f("flow", Decimal, "废气(废水)排放量"), f("flow_unit", Text, "排放量单位(万标立方米/吨)"),
		u(f("avg_concentration", Decimal, "月均浓度"), "mg/m³ (大气) / mg/L (水)"),
		u(f("max_concentration", Decimal, "最高浓度"), "mg/m³ (大气) / mg/L (水)"),
		enum(req("concentration_basis", Text, "浓度计算依据(hourly/daily, 实施条例第十条)"), "hourly", "daily"),
		req("valid_units", Int, "有效时段数"), req("units", Int, "应有时段数"), u(req("completeness", Decimal, "数据完整率"), "0–1"),
		f("marks", Text, "数据标记与说明")),
	ds("supervisory_samples", EnvToTax, "监督性监测数据", []string{"credit_code", "outlet_no", "pollutant", "sampled_on"},
		creditCode, region, req("outlet_no", Text, "排放口编号"), req("pollutant", Text, "污染物"), req("sampled_on", Date, "采样日期"),
		u(f("concentration", Decimal, "监测浓度"), "mg/m³ (大气) / mg/L (水)"), f("flow", Decimal, "废气(废水)流量"),
		f("flow_unit", Text, "流量单位"), f("agency", Text, "监测机构"), f("report_no", Text, "监测报告编号")),
	ds("penalties", EnvToTax, "环境违法和行政处罚", []string{"credit_code", "case_no", "outlet_no", "revision", "pollutant", "month"},
		creditCode, region, req("case_no", Text, "处罚决定书文号"), req("outlet_no", Text, "排放口编号"), revision,
		req("case_code", Text, "情形代码"), req("period_from", Date, "违法起始日"), req("period_to", Date, "违法终止日"),
		req("decided_on", Date, "决定日期"), req("pollutant", Text, "污染物"), f("month", Month, "月份"),
		f("generated_kg", Decimal, "产生量(千克)"), f("note", Text, "备注")),
	ds("review_opinions", EnvToTax, "复核意见", []string{"review_ref"},
		reviewRef, creditCode, region, req("opinion", Text, "复核结论"), f("note", Text, "复核意见"), req("answered_on", Date, "出具日期")),
	ds("review_corrections", EnvToTax, "复核更正数据", []string{"review_ref", "outlet_no", "pollutant", "month"},
		reviewRef, req("outlet_no", Text, "排放口编号"), req("pollutant", Text, "污染物"), req("month", Month, "月份"),
		f("emission_kg", Decimal, "排放量(千克)"), f("wastewater_t", Decimal, "废水排放量(吨)"),
		f("avg_concentration", Decimal, "月均浓度"), f("max_concentration", Decimal, "最高浓度")),
	ds("error_notices", EnvToTax, "申报数据错误通知", []string{"review_ref", "outlet_no", "pollutant", "month"},
		reviewRef, creditCode, region, period, req("outlet_no", Text, "排放口编号"), req("pollutant", Text, "污染物"),
		req("month", Month, "税款所属月份"), req("reason", Text, "错误原因"),
		u(f("emission_kg", Decimal, "复核排放量"), "kg"), u(f("wastewater_t", Decimal, "复核废水排放量"), "t"),
		u(f("avg_concentration", Decimal, "复核月均浓度"), "mg/m³ (大气) / mg/L (水)"),
		u(f("max_concentration", Decimal, "复核最高浓度"), "mg/m³ (大气) / mg/L (水)"),
		req("noticed_on", Date, "通知日期")),
}

var byName = func() map[string]*Dataset {
	m := map[string]*Dataset{}
	for _, d := range datasets {
		m[d.Name] = d
	}
	return m
}()

// Datasets lists every dataset in batch order.
func Datasets() []*Dataset { return datasets }

// Lookup finds a dataset by name.
func Lookup(name string) (*Dataset, bool) {
	d, ok := byName[name]
	return d, ok
}

// Of lists the datasets of one direction, in batch order.
func Of(direction string) []*Dataset {
	var out []*Dataset
	for _, d := range datasets {
		if d.Direction == direction {
			out = append(out, d)
		}
	}
	return out
}

// Index is the position of a field, or -1.
func (d *Dataset) Index(name string) int {
	for i, f := range d.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Names lists the field names in order (the CSV header).
func (d *Dataset) Names() []string {
	out := make([]string, len(d.Fields))
	for i, f := range d.Fields {
		out[i] = f.Name
	}
	return out
}

// Get reads a field of a record by name.
func (d *Dataset) Get(r Record, name string) string {
	i := d.Index(name)
	if i < 0 {
		panic("exchange: dataset " + d.Name + " has no field " + name)
	}
	return r[i]
}

// New makes a record from named values; unknown names are a programming
// error.
func (d *Dataset) New(values map[string]string) Record {
	r := make(Record, len(d.Fields))
	for k, v := range values {
		i := d.Index(k)
		if i < 0 {
			panic("exchange: dataset " + d.Name + " has no field " + k)
		}
		r[i] = v
	}
	return r
}

// KeyOf is the record's identity within its dataset.
func (d *Dataset) KeyOf(r Record) string {
	parts := make([]string, len(d.Key))
	for i, k := range d.Key {
		parts[i] = r[d.Index(k)]
	}
	return strings.Join(parts, "|")
}

// Check validates one record: its length, required values and each value
// against its type. Messages name the field.
func (d *Dataset) Check(r Record) error {
	if len(r) != len(d.Fields) {
		return fmt.Errorf("%d values, want %d (%s)", len(r), len(d.Fields), strings.Join(d.Names(), ","))
	}
	for i, f := range d.Fields {
		v := r[i]
		if v == "" {
			if f.Required {
				return fmt.Errorf("%s: required", f.Name)
			}
			continue
		}
		if msg := checkValue(f.Type, v); msg != "" {
			return fmt.Errorf("%s: %q %s", f.Name, clip(v), msg)
		}
		if f.Enum != nil && !slices.Contains(f.Enum, v) {
			return fmt.Errorf("%s: %q is not one of %s", f.Name, clip(v), strings.Join(f.Enum, ", "))
		}
		if f.Name == "permit_no" {
			code := ""
			if j := d.Index("credit_code"); j >= 0 {
				code = r[j]
			}
			if msg := CheckPermitNo(v, code); msg != "" {
				return fmt.Errorf("%s: %q %s", f.Name, clip(v), msg)
			}
		}
	}
	return nil
}

// CheckPermitNo is "" for a 排污许可证编号 as HJ 608 builds it — 22
// characters: the holder's 统一社会信用代码 (18, with its check
// character right), a 3-digit sequence number and a final capital letter
// — whose code is creditCode (when given); else what is wrong. What each
// final letter means is not checked here.
func CheckPermitNo(v, creditCode string) string {
	switch {
	case len(v) != 22:
		return "is not 22 characters (HJ 608: 统一社会信用代码 + 3-digit sequence + 1 letter)"
	case filing.CheckCreditCode(v[:18]) != "":
		return "does not begin with a valid 统一社会信用代码: " + filing.CheckCreditCode(v[:18])
	case creditCode != "" && v[:18] != creditCode:
		return "belongs to " + v[:18] + ", not to credit_code " + creditCode
	case strings.Trim(v[18:21], "0123456789") != "":
		return "has no 3-digit sequence number in characters 19–21"
	case v[21] < 'A' || v[21] > 'Z':
		return "does not end in a capital letter"
	}
	return ""
}

const maxText = 2000

// CheckText is "" for text a record may carry (UTF-8, no control
// characters, at most max characters), else what is wrong with it.
func CheckText(s string, max int) string {
	if msg := checkValue(Text, s); msg != "" {
		return msg
	}
	if utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("is longer than %d characters", max)
	}
	return ""
}

func checkValue(t Type, v string) string {
	switch t {
	case Text:
		if !utf8.ValidString(v) {
			return "is not UTF-8"
		}
		if utf8.RuneCountInString(v) > maxText {
			return fmt.Sprintf("is longer than %d characters", maxText)
		}
		for _, r := range v {
			if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
				return "holds a control character"
			}
		}
	case Decimal:
		if !plainDecimal(v) {
			return "is not a plain decimal (digits, an optional leading '-' and '.', at most 12 decimals)"
		}
	case Date:
		if _, err := param.ParseDate(v); err != nil || len(v) != 10 {
			return "is not a day YYYY-MM-DD"
		}
	case Month:
		if !validMonth(v) {
			return "is not a month YYYY-MM"
		}
	case Int:
		if len(v) > 9 || strings.Trim(v, "0123456789") != "" || (len(v) > 1 && v[0] == '0') {
			return "is not a whole number (no sign, no leading zeros)"
		}
	}
	return ""
}

func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 18 || strings.Trim(whole, "0123456789") != "" || (len(whole) > 1 && whole[0] == '0') {
		return false
	}
	if dot && (frac == "" || len(frac) > 12 || strings.Trim(frac, "0123456789") != "") {
		return false
	}
	return true
}

func validMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' {
		return false
	}
	_, err := param.ParseDate(s + "-01")
	return err == nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
