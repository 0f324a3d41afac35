package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/fixtures"
)

const ecocompUsage = `usage:
  ecotax ecocomp settle [--format json|table] FILE|-   settle a year of horizontal eco-compensation (JSON)
  ecotax ecocomp list [--format table|json]            list the built-in schemes and their rules

See docs/ecocomp.md for the request shape.`

// cmdEcocomp: ecotax ecocomp settle|list — horizontal ecological
// compensation between districts (横向生态保护补偿).
func cmdEcocomp(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, ecocompUsage)
		return exitInput
	}
	switch args[0] {
	case "settle":
		return ecocompSettle(e, args[1:])
	case "list":
		return ecocompList(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, ecocompUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "ecotax ecocomp: unknown subcommand %q\n%s\n", args[0], ecocompUsage)
	return exitInput
}

func loadEcoCatalog(e *env) *ecocomp.Catalog {
	c, err := fixtures.LoadEcocomp()
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax ecocomp: schemes: %v\n", err)
		return nil
	}
	return c
}

func ecocompSettle(e *env, args []string) int {
	c := loadEcoCatalog(e)
	if c == nil {
		return exitInternal
	}
	return compCompute(e, "ecocomp settle", args, ecocomp.DecodeRequest,
		func(req *ecocomp.Request) (*ecocomp.Result, error) { return ecocomp.Settle(c, req) }, writeEcocompTable)
}

var (
	ecoTargetZh = map[string]string{ecocomp.TargetMeets: "达标", ecocomp.TargetMisses: "未达标", ecocomp.Any: "—"}
	ecoTrendZh  = map[string]string{ecocomp.TrendImproved: "改善", ecocomp.TrendUnchanged: "持平", ecocomp.TrendDeclined: "变差", ecocomp.Any: "—"}
)

// writeEcocompTable prints a settlement for people: every section-period
// (or trade), the netted pairs, each party's balance, warnings and trace.
func writeEcocompTable(w io.Writer, r *ecocomp.Result) {
	fmt.Fprintf(w, "生态补偿结算  %d 年度  方案 %s（%s）\n\n", r.Year, r.Scheme.ID, r.Scheme.Title)
	var rows [][]string
	switch r.Scheme.Measure {
	case string(ecocomp.MeasureQuota):
		rows = [][]string{{"交易", "日期", "购买方", "出让方", "数量", "单价(元)", "金额(元)", "规则"}}
		for _, l := range r.Lines {
			rows = append(rows, []string{compOr(l.Section, l.Path), l.Period, l.Payer, l.Payee, compDec(l.Quantity), compDec(l.Price), l.Amount.Grouped(), ecoRuleCell(l)})
		}
		printAligned(w, rows, map[int]bool{4: true, 5: true, 6: true})
	default:
		rows = [][]string{{"断面", "期间", "水质/指数", "对比", "目标", "考核", "趋势", "付款方", "收款方", "金额(元)", "规则"}}
		for _, l := range r.Lines {
			q := l.Class
			if l.Index != nil {
				q = "P=" + l.Index.String()
			} else if q == "" {
				q = "按考核结论"
			}
			rows = append(rows, []string{compOr(l.Section, l.Path), l.Period, q, l.CompareClass, l.TargetClass,
				ecoTargetZh[l.Target], ecoTrendZh[l.Trend], compOr(l.Payer, "—"), compOr(l.Payee, "—"), l.Amount.Grouped(), ecoRuleCell(l)})
		}
		printAligned(w, rows, map[int]bool{9: true})
	}
	fmt.Fprintln(w, "\n年度结算（按每对区县轧差）：")
	pairs := [][]string{{"  双方", "期数", "付款方", "收款方", "年度净额(元)"}}
	for _, p := range r.Pairs {
		pairs = append(pairs, []string{"  " + p.A + " — " + p.B, fmt.Sprint(len(p.Periods)), compOr(p.Payer, "—"), compOr(p.Payee, "—"), p.Amount.Grouped()})
	}
	printAligned(w, pairs, map[int]bool{1: true, 4: true})
	fmt.Fprintln(w, "\n各方净额（收入 − 支出）：")
	bal := [][]string{{"  一方", "收入(元)", "支出(元)", "净额(元)"}}
	for _, b := range r.Balances {
		bal = append(bal, []string{"  " + b.Party, b.Receives.Grouped(), b.Pays.Grouped(), b.Net.Grouped()})
	}
	printAligned(w, bal, map[int]bool{1: true, 2: true, 3: true})
	fmt.Fprintf(w, "\n逐期补偿合计（轧差前）：%s 元\n", r.Gross.Grouped())
	compWriteNotes(w, r.Unverified, len(r.Warnings), func(i int) string { return r.Warnings[i].Message })
	if r.Scheme.Note != "" {
		fmt.Fprintf(w, "\n方案说明：%s\n", r.Scheme.Note)
	}
	compWriteTrace(w, len(r.Trace), func(i int) (string, string, string) { return r.Trace[i].Text, r.Trace[i].Rule, r.Trace[i].Where })
}

func ecoRuleCell(l ecocomp.Line) string {
	if l.Unverified {
		return l.Rule + " *未核实"
	}
	return l.Rule
}

func compOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func ecocompList(e *env, args []string) int {
	format, rest, ok := compFormatFlag(e, "ecocomp list", "table", args)
	if !ok || len(rest) != 0 {
		fmt.Fprintln(e.stderr, "usage: ecotax ecocomp list [--format table|json]")
		return exitInput
	}
	c := loadEcoCatalog(e)
	if c == nil {
		return exitInternal
	}
	out := c.Listing()
	if format == "json" {
		return compWriteJSON(e, struct {
			Schemes      []ecocomp.SchemeListing `json:"schemes"`
			WaterClasses []string                `json:"water_classes"`
		}{out, ecocomp.ClassNames()})
	}
	w := e.stdout
	for _, s := range out {
		fmt.Fprintf(w, "方案 %s  %s\n  范围 %s  考核 %s  按%s结算  有效期 %s\n", s.ID, s.Title, s.Jurisdiction, s.Measure, ecoPeriodZh(s.Period), validityZh(s.EffectiveFrom, s.EffectiveTo))
		if s.IndexMax != "" {
			fmt.Fprintf(w, "  指数限值 %s（核实：%s，%s）\n", s.IndexMax, compYesNo(s.Verified), s.Verification)
		}
		rows := [][]string{{"  考核", "趋势", "付款方", "金额(元)", "计法", "核实", "有效期", "位置"}}
		for _, r := range s.Rules {
			period := r.EffectiveFrom + "起"
			if r.EffectiveTo != "" {
				period = r.EffectiveFrom + "至" + r.EffectiveTo
			}
			rows = append(rows, []string{"  " + ecoTargetZh[r.Target], ecoTrendZh[r.Trend], r.Payer, r.Amount, r.Basis, compYesNo(r.Verified), period, r.Where})
		}
		printAligned(w, rows, map[int]bool{3: true})
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "水质类别：%s\n", strings.Join(ecocomp.ClassNames(), "、"))
	return exitOK
}

func ecoPeriodZh(p string) string {
	switch p {
	case ecocomp.PeriodMonth:
		return "月"
	case ecocomp.PeriodYear:
		return "年"
	}
	return "笔交易"
}
