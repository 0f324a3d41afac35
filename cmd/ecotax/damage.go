package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/fixtures"
)

const damageUsage = `usage:
  ecotax damage calc [--format json|table] FILE|-   quantify a damage claim (JSON) with its trace
  ecotax damage list [--format table|json]          list the built-in parameter sets and claim categories

See docs/damage.md for the request shape.`

// cmdDamage: ecotax damage calc|list — ecological-environment damage
// compensation (生态环境损害赔偿).
func cmdDamage(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, damageUsage)
		return exitInput
	}
	switch args[0] {
	case "calc":
		return damageCalc(e, args[1:])
	case "list":
		return damageList(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, damageUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "ecotax damage: unknown subcommand %q\n%s\n", args[0], damageUsage)
	return exitInput
}

func loadDamageParams(e *env) *damage.Params {
	p, err := fixtures.LoadDamage()
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax damage: parameter tables: %v\n", err)
		return nil
	}
	return p
}

// compFormatFlag parses the one flag both compensation commands take.
func compFormatFlag(e *env, name, def string, args []string) (format string, rest []string, ok bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := fs.String("format", def, "output format: json or table")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return "", nil, false
	}
	if *f != "json" && *f != "table" {
		fmt.Fprintf(e.stderr, "ecotax %s: --format must be json or table, not %q\n", name, *f)
		return "", nil, false
	}
	return *f, rest, true
}

func damageCalc(e *env, args []string) int {
	p := loadDamageParams(e)
	if p == nil {
		return exitInternal
	}
	return compCompute(e, "damage calc", args, damage.DecodeRequest,
		func(req *damage.Request) (*damage.Result, error) { return damage.Calc(p, req) }, writeDamageTable)
}

// compCompute is what `damage calc` and `ecocomp settle` share: the
// --format flag, one request (FILE, or - for stdin), decode, compute, then
// the result as JSON or a table. A rejected request prints the problem on
// stderr and exits 2, computing nothing.
func compCompute[Req, Res any](e *env, name string, args []string, decode func([]byte) (Req, error),
	compute func(Req) (Res, error), table func(io.Writer, Res)) int {
	format, rest, ok := compFormatFlag(e, name, "json", args)
	if !ok || len(rest) != 1 {
		fmt.Fprintf(e.stderr, "usage: ecotax %s [--format json|table] FILE|-\n", name)
		return exitInput
	}
	data, err := readInput(e, rest[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax %s: %v\n", name, err)
		return exitInput
	}
	req, err := decode(data)
	if err != nil {
		return reportError(e, err)
	}
	res, err := compute(req)
	if err != nil {
		return reportError(e, err)
	}
	if format == "table" {
		table(e.stdout, res)
		return exitOK
	}
	return compWriteJSON(e, res)
}

// compWriteJSON prints v as indented JSON, keeping "<", ">" and "&" readable.
func compWriteJSON(e *env, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(e.stderr, "ecotax: %v\n", err)
		return exitInternal
	}
	return exitOK
}

func compDec(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

var damageMethodZh = map[string]string{"multiplier": "虚拟治理成本法", "gamma": "调整系数法(未核实)", "stated": "按所列金额"}

// writeDamageTable prints a claim for people: the lines, the category
// totals and the total, the warnings, then the trace.
func writeDamageTable(w io.Writer, r *damage.Result) {
	head := "生态环境损害赔偿计算"
	if r.Case != "" {
		head += "  案件 " + r.Case
	}
	fmt.Fprintf(w, "%s  日期 %s  参数集 %s（%s）\n\n", head, r.Date, r.ParameterSet.ID, r.ParameterSet.Title)
	rows := [][]string{{"项目", "赔偿类别", "方法", "介质/功能区", "排放量", "单位治理成本", "虚拟治理成本", "调整系数", "系数范围", "金额(元)"}}
	for _, l := range r.Lines {
		name := l.Path
		if l.ID != "" {
			name = l.ID
		}
		factor, rng := compDec(l.Multiplier), l.MultiplierRange
		if l.Gamma != nil {
			factor = "γ=" + l.Gamma.String()
			rng = fmt.Sprintf("α=%s τ=%s ω=%s", compDec(l.Alpha), compDec(l.Tau), compDec(l.Omega))
		}
		where := ""
		if l.Medium != "" {
			where = strings.TrimSuffix(damage.MediumName(l.Medium)+"/"+l.FunctionClass, "/")
		}
		if l.Unverified {
			rng += " *未核实"
		}
		vc := ""
		if l.VirtualCost != nil {
			vc = l.VirtualCost.Grouped()
		}
		rows = append(rows, []string{name, l.CategoryName, damageMethodZh[l.Method], where,
			strings.TrimSpace(compDec(l.Discharge) + " " + l.DischargeUnit), compDec(l.UnitCost), vc, factor, rng, l.Amount.Grouped()})
	}
	printAligned(w, rows, map[int]bool{4: true, 5: true, 6: true, 7: true, 9: true})
	fmt.Fprintln(w)
	cats := [][]string{{"赔偿类别", "依据", "小计(元)"}}
	for _, c := range r.Categories {
		cats = append(cats, []string{c.Name, c.Basis, c.Amount.Grouped()})
	}
	cats = append(cats, []string{"合计", "", r.Total.Grouped()})
	printAligned(w, cats, map[int]bool{2: true})
	compWriteNotes(w, r.Unverified, len(r.Warnings), func(i int) string { return r.Warnings[i].Message })
	compWriteTrace(w, len(r.Trace), func(i int) (string, string, string) { return r.Trace[i].Text, r.Trace[i].Rule, r.Trace[i].Where })
}

// compWriteTrace prints the n steps of a compensation result: what was
// done, the rule behind it and where the figure came from.
func compWriteTrace(w io.Writer, n int, step func(int) (text, rule, where string)) {
	fmt.Fprintln(w, "\n计算过程：")
	for i := 0; i < n; i++ {
		text, rule, where := step(i)
		fmt.Fprintf(w, "  %d. %s\n     依据：%s", i+1, text, rule)
		if where != "" {
			fmt.Fprintf(w, "（%s）", where)
		}
		fmt.Fprintln(w)
	}
}

// compWriteNotes prints the warnings of a compensation result.
func compWriteNotes(w io.Writer, unverified bool, n int, msg func(int) string) {
	if n == 0 && !unverified {
		return
	}
	fmt.Fprintln(w, "\n提示：")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "  - %s\n", msg(i))
	}
}

func damageList(e *env, args []string) int {
	format, rest, ok := compFormatFlag(e, "damage list", "table", args)
	if !ok || len(rest) != 0 {
		fmt.Fprintln(e.stderr, "usage: ecotax damage list [--format table|json]")
		return exitInput
	}
	p := loadDamageParams(e)
	if p == nil {
		return exitInternal
	}
	sets := p.Listing()
	if format == "json" {
		return compWriteJSON(e, struct {
			ParameterSets []damage.SetListing   `json:"parameter_sets"`
			Categories    []damage.CategoryInfo `json:"categories"`
		}{sets, damage.Categories})
	}
	w := e.stdout
	for _, s := range sets {
		status := "已核实"
		if !s.Verified {
			status = "未核实（结果会带警告）"
		}
		fmt.Fprintf(w, "参数集 %s  %s\n  方法 %s  有效期 %s  %s\n  来源 %s\n", s.ID, s.Title, s.Method, validityZh(s.EffectiveFrom, s.EffectiveTo), status, s.Source)
		rows := [][]string{{"  介质", "功能区/系数", "范围/取值", "核实", "来源标注", "位置"}}
		for _, r := range append(append([]damage.RangeListing{}, s.Multipliers...), s.Coefficients...) {
			rows = append(rows, []string{"  " + r.Medium, r.Key, r.Value, compYesNo(r.Verified), r.Verification, r.Where})
		}
		printAligned(w, rows, nil)
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "赔偿类别（request 的 category）：")
	rows := [][]string{{"  类别", "名称", "依据"}}
	for _, c := range damage.Categories {
		rows = append(rows, []string{"  " + string(c.ID), c.Name, c.Basis})
	}
	printAligned(w, rows, nil)
	return exitOK
}

func compYesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}
