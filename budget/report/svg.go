package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc/param"
)

// Chart geometry in pixels (whole numbers; bar positions are computed
// with exact decimals and written to one decimal place).
const (
	chartW     = 960
	plotLeft   = 110
	plotRight  = 940
	plotTop    = 70
	plotBottom = 400
)

// palette: the base in a dark blue, scenarios in distinguishable colours.
var palette = []string{"#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#843c0c", "#375623", "#595959"}

// SVG draws the net of every month as grouped bars, one bar per outcome
// (base first), with the annual nets in the legend and a note on missing
// and unverified figures. It is plain SVG 1.1: no script, no external
// fonts (a generic CJK-capable family list).
func SVG(res *budget.Result) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	// The legend has one line per outcome below the plot, then the note.
	chartH := plotBottom + 44 + 18*len(res.Outcomes) + 16
	p(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH)
	title := fmt.Sprintf("%s（%s）%d 年 环境资金预算：各月净额（元）", res.RegionName, res.Region, res.Year)
	p(`<title>%s</title>`+"\n", esc(title))
	p(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, chartH)
	p(`<text x="%d" y="28" font-size="18" font-weight="bold">%s</text>`+"\n", plotLeft, esc(title))
	p(`<text x="%d" y="50" fill="#555555">净额 = 环境保护税 + 损害赔偿金 + 生态补偿收入 − 生态补偿支出 + 收费收入</text>`+"\n", plotLeft)

	lo, hi := decimal.Zero, decimal.Zero
	for _, o := range res.Outcomes {
		for _, r := range o.ByMonth {
			lo, hi = decimal.Min(lo, r.Net), decimal.Max(hi, r.Net)
		}
	}
	step := niceStep(hi.Sub(lo).Div(decimal.NewFromInt(5)))
	top := ceilTo(hi, step)
	bottom := floorTo(lo, step)
	if !top.GreaterThan(bottom) {
		top = bottom.Add(step)
	}
	span := top.Sub(bottom)
	plotH := decimal.NewFromInt(plotBottom - plotTop)
	y := func(v decimal.Decimal) string {
		return decimal.NewFromInt(plotTop).Add(top.Sub(v).Mul(plotH).DivRound(span, 6)).StringFixed(1)
	}

	// Grid and axis labels.
	for v := bottom; !v.GreaterThan(top); v = v.Add(step) {
		p(`<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", plotLeft, plotRight, y(v), y(v), gridColour(v))
		p(`<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle" fill="#333333">%s</text>`+"\n", plotLeft-8, y(v), esc(strings.TrimSuffix(groupThousands(v), ".00")))
	}

	// Bars: 12 groups, one bar per outcome.
	n := len(res.Outcomes)
	groupW := decimal.NewFromInt(plotRight - plotLeft).Div(decimal.NewFromInt(int64(len(res.Months))))
	inner := groupW.Mul(decimal.RequireFromString("0.8"))
	barW := inner.DivRound(decimal.NewFromInt(int64(max(n, 1))), 6)
	zero := y(decimal.Zero)
	for mi, month := range res.Months {
		gx := decimal.NewFromInt(plotLeft).Add(groupW.Mul(decimal.NewFromInt(int64(mi))))
		x0 := gx.Add(groupW.Sub(inner).Div(decimal.NewFromInt(2)))
		for oi, o := range res.Outcomes {
			r := o.ByMonth[mi]
			x := x0.Add(barW.Mul(decimal.NewFromInt(int64(oi))))
			yTop, yBot := y(r.Net), zero
			if r.Net.Sign() < 0 {
				yTop, yBot = zero, y(r.Net)
			}
			h := decimal.RequireFromString(yBot).Sub(decimal.RequireFromString(yTop))
			tip := fmt.Sprintf("%s %s：净额 %s 元", o.Title, month, groupThousands(r.Net))
			if r.Missing > 0 {
				tip += fmt.Sprintf("（另有 %d 项金额未知）", r.Missing)
			}
			if r.Unverified {
				tip += "（含未核实数）"
			}
			hatch := ""
			if r.Missing > 0 || r.Partial > 0 {
				hatch = ` stroke="#000000" stroke-dasharray="3,2" stroke-width="1"`
			}
			p(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"%s><title>%s</title></rect>`+"\n",
				x.StringFixed(1), yTop, barW.StringFixed(1), h.StringFixed(1), palette[oi%len(palette)], hatch, esc(tip))
		}
		label := month
		if len(month) == 7 {
			label = strings.TrimPrefix(month[5:], "0") + "月"
		}
		p(`<text x="%s" y="%d" text-anchor="middle" fill="#333333">%s</text>`+"\n",
			gx.Add(groupW.Div(decimal.NewFromInt(2))).StringFixed(1), plotBottom+18, esc(label))
	}
	p(`<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="#000000" stroke-width="1"/>`+"\n", plotLeft, plotRight, zero, zero)

	// Legend with the annual net of each outcome.
	ly := plotBottom + 44
	for oi, o := range res.Outcomes {
		row := ly + 18*oi
		p(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", plotLeft, row-10, palette[oi%len(palette)])
		text := fmt.Sprintf("%s：全年净额 %s 元", o.Title, groupThousands(o.Total.Net))
		if !o.Base && o.VsBase != nil {
			text += fmt.Sprintf("（较基准 %s）", signed(o.VsBase.Net))
		}
		if o.Total.Missing > 0 {
			text += fmt.Sprintf("；%d 项金额未知，未计入", o.Total.Missing)
		}
		if o.Unverified {
			text += "；含未核实数"
		}
		p(`<text x="%d" y="%d">%s</text>`+"\n", plotLeft+18, row, esc(text))
	}
	foot := "虚线边框：该月有金额未知或仅部分估算的项目。明细、依据与计算过程见 JSON / XLSX 输出。"
	p(`<text x="%d" y="%d" fill="#555555">%s</text>`+"\n", plotLeft, chartH-8, esc(foot))
	p("</svg>\n")
	return b.Bytes()
}

func gridColour(v decimal.Decimal) string {
	if v.IsZero() {
		return "#000000"
	}
	return "#dddddd"
}

// niceStep is the smallest 1, 2 or 5 × 10^k at least x (and at least 1 元).
func niceStep(x decimal.Decimal) decimal.Decimal {
	one := decimal.NewFromInt(1)
	if !x.GreaterThan(one) {
		return one
	}
	p := one
	ten := decimal.NewFromInt(10)
	for p.Mul(ten).LessThanOrEqual(x) {
		p = p.Mul(ten)
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if c := p.Mul(decimal.NewFromInt(m)); c.GreaterThanOrEqual(x) {
			return c
		}
	}
	return p.Mul(ten)
}

func ceilTo(v, step decimal.Decimal) decimal.Decimal {
	return v.Div(step).Ceil().Mul(step)
}

func floorTo(v, step decimal.Decimal) decimal.Decimal {
	return v.Div(step).Floor().Mul(step)
}

// groupThousands writes 14416776.5 as 14,416,776.50 (param.Money's text).
func groupThousands(d decimal.Decimal) string { return param.MoneyOf(d).Grouped() }

func signed(d decimal.Decimal) string {
	if d.Sign() > 0 {
		return "+" + groupThousands(d)
	}
	return groupThousands(d)
}

var xmlEsc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func esc(s string) string { return xmlEsc.Replace(s) }
