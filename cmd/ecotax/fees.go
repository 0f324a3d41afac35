package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/fixtures"
)

const feesUsage = `usage:
  ecotax fees list [--format table|json]
  ecotax fees show ID[@VERSION]|FILE [--date YYYY-MM-DD]
  ecotax fees calc --schedule ID[@VERSION]|FILE|- --quantity Q [--date YYYY-MM-DD]
                   [--input NAME=VALUE]... [--partial-step ceil|floor] [--format json|table]

A FILE is a schedule you wrote in YAML or JSON (see docs/fees.md); "-" reads it
from standard input. --date defaults to today. "ecotax fees show ID" lists the
inputs a schedule needs.`

// cmdFees: ecotax fees list|show|calc — differentiated fees (差别化收费).
func cmdFees(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, feesUsage)
		return exitInput
	}
	switch args[0] {
	case "list":
		return feesList(e, args[1:])
	case "show":
		return feesShow(e, args[1:])
	case "calc":
		return feesCalc(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, feesUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "ecotax fees: unknown subcommand %q\n%s\n", args[0], feesUsage)
	return exitInput
}

func loadFeeCatalog(e *env) (*fees.Catalog, int) {
	c, err := fixtures.LoadFees()
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax fees: fee schedules: %v\n", err)
		return nil, exitInternal
	}
	return c, exitOK
}

func feesList(e *env, args []string) int {
	fs := flag.NewFlagSet("fees list", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	format := fs.String("format", "table", "output format: table or json")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return exitInput
	}
	if len(rest) != 0 || (*format != "json" && *format != "table") {
		fmt.Fprintln(e.stderr, "usage: ecotax fees list [--format table|json]")
		return exitInput
	}
	c, code := loadFeeCatalog(e)
	if c == nil {
		return code
	}
	if *format == "json" {
		infos := []fees.ScheduleInfo{}
		for _, s := range c.Schedules() {
			infos = append(infos, s.Info())
		}
		return feeWriteJSON(e, infos)
	}
	rows := [][]string{{"编号", "地区", "生效日期", "失效日期", "已核实", "名称"}}
	for _, s := range c.Schedules() {
		to := s.Meta.To.String()
		if to == "" {
			to = "—"
		}
		rows = append(rows, []string{s.Key(), s.Region, s.Meta.From.String(), to, feeYesNo(s.Verified()), s.Title})
	}
	printAligned(e.stdout, rows, nil)
	return exitOK
}

func feeYesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func feeWriteJSON(e *env, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "<= 180" readable
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(e.stderr, "ecotax fees: %v\n", err)
		return exitInternal
	}
	return exitOK
}

// today is the default date of a calculation; the core never reads the
// clock, the command does.
func feeToday() param.Date {
	y, m, d := time.Now().Date()
	return param.NewDate(y, int(m), d)
}

// feeInputFlags collects repeated --input NAME=VALUE.
type feeInputFlags map[string]string

func (f feeInputFlags) String() string { return "" }

func (f feeInputFlags) Set(s string) error {
	name, val, ok := strings.Cut(s, "=")
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if !ok || name == "" || val == "" {
		return fmt.Errorf("%q is not NAME=VALUE", s)
	}
	if _, dup := f[name]; dup {
		return fmt.Errorf("input %s given twice", name)
	}
	f[name] = val
	return nil
}

// isFeeScheduleFile tells a file argument from a schedule id: ids have no
// dots, slashes or file extensions.
func isFeeScheduleFile(ref string) bool {
	if ref == "-" || strings.ContainsAny(ref, `/\`) {
		return true
	}
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		if strings.HasSuffix(strings.ToLower(ref), ext) {
			return true
		}
	}
	if st, err := os.Stat(ref); err == nil && st.Mode().IsRegular() {
		return true
	}
	return false
}

// resolveFeeSchedule finds a built-in schedule in force on date, or reads and
// validates a user-written one.
func resolveFeeSchedule(e *env, ref string, date param.Date) (*fees.Schedule, int) {
	if isFeeScheduleFile(ref) {
		data, err := readInput(e, ref)
		if err != nil {
			fmt.Fprintf(e.stderr, "ecotax fees: %v\n", err)
			return nil, exitInput
		}
		name := ref
		if ref == "-" {
			name = "stdin"
		}
		s, err := fixtures.ParseFeeSchedule(name, data)
		if err != nil {
			return nil, reportError(e, err)
		}
		return s, exitOK
	}
	c, code := loadFeeCatalog(e)
	if c == nil {
		return nil, code
	}
	s, err := c.Find(ref, date)
	if err != nil {
		return nil, reportError(e, err)
	}
	return s, exitOK
}

func parseFeeDate(e *env, s string) (param.Date, int) {
	if s == "" {
		return feeToday(), exitOK
	}
	d, err := param.ParseDate(s)
	if err != nil {
		return 0, reportError(e, &calc.Error{Kind: calc.KindInvalid, Code: "invalid_value", Title: calc.Title("invalid_value"),
			Detail: "date: " + err.Error(), Errors: []calc.FieldError{{Path: "date", Code: "invalid_value", Message: err.Error()}}})
	}
	return d, exitOK
}

func feesCalc(e *env, args []string) int {
	fs := flag.NewFlagSet("fees calc", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	ref := fs.String("schedule", "", "schedule id (id@version to pin a version), or a YAML/JSON file, or - for stdin")
	qty := fs.String("quantity", "", "billed quantity in the schedule's unit (kWh, m3, t, …)")
	dateText := fs.String("date", "", "date the fee is owed for, YYYY-MM-DD (default today)")
	partial := fs.String("partial-step", "", "what-if: count partial steps as ceil or floor in every step rule")
	format := fs.String("format", "json", "output format: json or table")
	inputs := feeInputFlags{}
	fs.Var(inputs, "input", "NAME=VALUE for an input the schedule needs (repeatable)")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return exitInput
	}
	if len(rest) != 0 || *ref == "" || *qty == "" || (*format != "json" && *format != "table") {
		fmt.Fprintln(e.stderr, feesUsage)
		return exitInput
	}
	q, err := fees.ParseSigned(*qty)
	if err != nil {
		return reportError(e, &calc.Error{Kind: calc.KindInvalid, Code: "invalid_number", Title: calc.Title("invalid_number"),
			Detail: "quantity: " + err.Error(), Errors: []calc.FieldError{{Path: "quantity", Code: "invalid_number", Message: err.Error()}}})
	}
	date, code := parseFeeDate(e, *dateText)
	if code != exitOK {
		return code
	}
	s, code := resolveFeeSchedule(e, *ref, date)
	if s == nil {
		return code
	}
	res, err := fees.Calculate(s, fees.Request{Date: date, Quantity: q, Inputs: inputs, PartialStep: *partial})
	if err != nil {
		return reportError(e, err)
	}
	if *format == "table" {
		writeFeeTable(e.stdout, res)
		return exitOK
	}
	return feeWriteJSON(e, res)
}

var feeKindNames = map[fees.Kind]string{
	fees.KindFixed:         "固定金额",
	fees.KindPerUnit:       "单价",
	fees.KindBlock:         "分档累进",
	fees.KindBand:          "全量分档",
	fees.KindStep:          "步进加价",
	fees.KindMultiply:      "系数调整",
	fees.KindReducePerStep: "步进减免",
}

// writeFeeTable prints a result for people: the bill, then the warnings,
// then every step of the trace with its rule and source.
func writeFeeTable(w io.Writer, r *fees.Result) {
	to := r.Schedule.EffectiveTo
	if to == "" {
		to = "—"
	}
	printAligned(w, [][]string{
		{"收费标准", r.Schedule.Title + "（" + r.Schedule.ID + "@" + r.Schedule.Version + "）"},
		{"地区", r.Schedule.Region},
		{"适用期", r.Schedule.EffectiveFrom + " 至 " + to},
		{"计费日期", r.Date},
		{"计费量", r.Quantity.String() + " " + r.QuantityUnit},
		{"数据已核实", feeYesNo(r.Verified)},
	}, nil)
	if len(r.Inputs) > 0 {
		fmt.Fprintln(w)
		rows := [][]string{{"输入项", "说明", "取值", "单位", ""}}
		for _, in := range r.Inputs {
			note := ""
			if in.Defaulted {
				note = "（默认值）"
			}
			rows = append(rows, []string{in.Name, in.Label, in.Value, in.Unit, note})
		}
		printAligned(w, rows, nil)
	}
	fmt.Fprintln(w)
	rows := [][]string{{"项目", "方式", "计量值", "档位/步数", "单价（元/" + r.QuantityUnit + "）", "金额（元）"}}
	for _, l := range r.Lines {
		measure := ""
		if l.MeasureValue.Valid {
			measure = l.MeasureValue.Decimal.String()
			if l.Measure != fees.Quantity {
				measure = l.Measure + " = " + measure
			}
		}
		tier := l.Tier
		if l.Steps.Valid {
			tier = l.Steps.Decimal.String() + " 步"
		}
		price := ""
		if l.UnitPrice.Valid {
			price = l.UnitPrice.Decimal.String()
		}
		if l.Kind.IsModifier() {
			price = "× " + l.Factor.Decimal.String()
			if !l.Applied {
				price = "不适用"
			}
		}
		label := l.Label
		if !l.Verified {
			label += "（未核实）"
		}
		rows = append(rows, []string{label, feeKindNames[l.Kind], measure, tier, price, l.Amount.String()})
		for i, t := range l.Tiers {
			rows = append(rows, []string{fmt.Sprintf("  第 %d 段", i+1), t.Tier, t.Portion.String(), "", t.Price.String(), t.Amount.String()})
		}
	}
	rows = append(rows, []string{"合计", "", "", "", "", r.Total.String()})
	printAligned(w, rows, map[int]bool{5: true})
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "提示")
		for _, wn := range r.Warnings {
			fmt.Fprintf(w, "  [%s] %s\n", wn.Code, wn.Message)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "计算过程")
	for i, st := range r.Trace {
		fmt.Fprintf(w, "  %d. %s\n", i+1, st.Text)
		var cite []string
		if st.Rule != "" {
			cite = append(cite, "依据："+st.Rule)
		}
		if st.Source != "" {
			cite = append(cite, "来源："+st.Source)
		}
		if st.Where != "" {
			cite = append(cite, st.Where)
		}
		if len(cite) > 0 {
			v := ""
			if !st.Verified {
				v = "【未核实】"
			}
			fmt.Fprintf(w, "     %s%s\n", v, strings.Join(cite, "；"))
		}
	}
}

// feesShow prints a schedule: what it needs and every figure in it.
func feesShow(e *env, args []string) int {
	fs := flag.NewFlagSet("fees show", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dateText := fs.String("date", "", "pick the version in force on this date (default today)")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return exitInput
	}
	if len(rest) != 1 {
		fmt.Fprintln(e.stderr, "usage: ecotax fees show ID[@VERSION]|FILE [--date YYYY-MM-DD]")
		return exitInput
	}
	date, code := parseFeeDate(e, *dateText)
	if code != exitOK {
		return code
	}
	ref := rest[0]
	if !isFeeScheduleFile(ref) && !strings.Contains(ref, "@") && *dateText == "" {
		// Without a date, show the latest version rather than fail on a
		// schedule that has ended.
		c, code := loadFeeCatalog(e)
		if c == nil {
			return code
		}
		latest := ref
		for _, s := range c.Schedules() { // sorted by date within an id
			if s.ID == ref {
				latest, date = s.Key(), s.Meta.From
			}
		}
		ref = latest
	}
	s, code := resolveFeeSchedule(e, ref, date)
	if s == nil {
		return code
	}
	writeFeeSchedule(e.stdout, s)
	return exitOK
}

func writeFeeSchedule(w io.Writer, s *fees.Schedule) {
	to := s.Meta.To.String()
	if to == "" {
		to = "—"
	}
	printAligned(w, [][]string{
		{"收费标准", s.Title + "（" + s.Key() + "）"},
		{"类别", s.FeeKind},
		{"地区", s.Region},
		{"适用期", s.Meta.From.String() + " 至 " + to},
		{"计费量单位", s.QuantityUnit},
		{"来源", s.Meta.Source},
		{"可信度", s.Meta.Confidence + "（已核实：" + feeYesNo(s.Verified()) + "）"},
		{"位置", s.Origin},
	}, nil)
	for _, c := range s.Caveats {
		fmt.Fprintf(w, "注意：%s\n", c)
	}
	fmt.Fprintln(w)
	if len(s.Inputs) == 0 {
		fmt.Fprintln(w, "输入项：无（只需 --quantity）")
	} else {
		rows := [][]string{{"输入项 (--input)", "类型", "单位", "取值范围", "默认值", "说明"}}
		for _, in := range s.Inputs {
			rng := ">= 0"
			if in.Type == fees.Choice {
				rng = strings.Join(in.Choices, " | ")
			} else if in.Max.Valid {
				rng = "0 – " + in.Max.Decimal.String()
			}
			def := in.Default
			if def == "" {
				def = "（必填）"
			}
			rows = append(rows, []string{in.Name, in.Type, in.Unit, rng, def, in.Label})
		}
		printAligned(w, rows, nil)
	}
	for _, p := range s.Parts {
		fmt.Fprintf(w, "\n%s（%s，%s）", p.Label, p.Name, feeKindNames[p.Kind])
		if p.Measure != "" {
			fmt.Fprintf(w, " 计量：%s", p.Measure)
		}
		if p.Scale != "" {
			fmt.Fprintf(w, " 档界 × %s", p.Scale)
		}
		if len(p.Targets) > 0 {
			fmt.Fprintf(w, " 调整：%s", strings.Join(p.Targets, ", "))
		}
		fmt.Fprintln(w)
		rows := [][]string{}
		for _, r := range p.Rates {
			var cond []string
			if len(r.When) > 0 {
				cond = append(cond, "当 "+fees.WhenString(r.When))
			}
			switch {
			case p.Kind == fees.KindBlock || p.Kind == fees.KindBand:
				cond = append(cond, fees.Interval(r.Lower, r.Upper, ""))
			case r.Lower.Set:
				cond = append(cond, "超出 "+r.Lower.LowerString()+"，每 "+r.Step.Decimal.String()+"（"+r.Partial+"）")
			case r.Upper.Set:
				cond = append(cond, "低于 "+r.Upper.UpperString()+"，每 "+r.Step.Decimal.String()+"（"+r.Partial+"）")
			}
			fig := ""
			switch {
			case r.Price.Valid:
				fig = r.Price.Decimal.String()
			case r.PriceOf != "":
				fig = r.Factor.Decimal.String() + " × " + r.PriceOf
			case r.Factor.Valid:
				fig = "系数 " + r.Factor.Decimal.String()
			}
			rows = append(rows, []string{"  " + strings.Join(cond, "，"), fig, r.Meta.Confidence, r.Rule, r.Where()})
		}
		printAligned(w, rows, nil)
	}
}
